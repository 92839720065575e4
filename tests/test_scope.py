"""Scope from the queries up: every read runs in the reader's scope, in SQL.

Two closed days of the demo network (H01 district ← H02 street ← H04, H05 community; H03 street
← H06, H07), rolled up, on SQLite, PostgreSQL and MariaDB. For a director of a hall, a
department manager, a staff member and a viewer: the figures under their scope equal the
figures of the same explicit filter read unrestricted (rollups and raw rows alike), the detail
lists hold only their rows, a filter reaching outside the scope gives nothing, `hall metrics
--as` gives exactly the scope (and refuses another hall, audited), a viewer sees no staff
names, and the weekly report says whose scope it holds. An AppTest opens 窗口绩效 as a manager.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
import streamlit as st
from conftest import BACKENDS, SERVER_URLS, empty_database, first_run_on, server_engine
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from access import accounts, audit
from access.scope import OutOfScope, Scope, scope_filter, scope_for
from cli.main import main
from dashboard import state
from i18n.text import plain, t
from metrics.figures import compute
from metrics.live import mask_name
from metrics.settings import Settings
from queries import details, rollups
from queries import live as q
from queries import report_queries as rq
from queries import schema as s
from queries.db import URL_ENV, make_engine
from queries.metric_queries import Filters
from reports.pdf import build_html
from reports.weekly_data import Week, gather
from simulation.demo import DemoOptions
from simulation.writer import write_demo

ALL = Scope.everything("test")
FIRST, LAST = dt.date(2026, 11, 23), dt.date(2026, 11, 24)  # Mon, Tue: closed, rolled
AS_OF = dt.datetime(2026, 11, 24, 23, 59, 59)
PERIOD = Filters(FIRST, LAST, AS_OF)
BY = "cli:test"
APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"


def _sqlite(tmp: Path) -> str:
    return f"sqlite:///{tmp / 'scope.db'}"


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    """(engine, url, accounts' facts) for one backend, built once per module."""
    if request.param == "sqlite":
        url = _sqlite(tmp_path_factory.mktemp("scope"))
        engine = make_engine(url)
    else:
        engine = server_engine(request.param)
        url = SERVER_URLS[request.param]
        empty_database(engine)
    write_demo(engine, DemoOptions(end=LAST, days=2))
    with engine.begin() as conn:
        staff_id, staff_hall = conn.execute(
            sa.select(s.tickets.c.staff_id, s.tickets.c.hall_id)
            .where(s.tickets.c.hall_id == "H04", s.tickets.c.staff_id.is_not(None))
            .order_by(s.tickets.c.staff_id)
            .limit(1)
        ).one()
        add = accounts.add_user
        add(conn, "d4", "director", by=BY, halls=["H04"])
        add(conn, "d3", "director", by=BY, halls=["H03"])
        add(conn, "m1", "manager", by=BY, halls=["H01"], dept="D01")
        add(conn, "w1", "staff", by=BY, staff=staff_id)
        add(conn, "v3", "viewer", by=BY, halls=["H03"])
    facts = {"staff_id": staff_id, "staff_hall": staff_hall}
    yield engine, url, facts
    if request.param != "sqlite":
        empty_database(engine)
    engine.dispose()


def figures(conn, scope: Scope, dimension=None, use_rollups=True, **filters) -> dict:
    period = Filters(FIRST, LAST, AS_OF, filters)
    return compute(conn, period, Settings(), dimension, scope=scope, use_rollups=use_rollups)


def test_figures_under_a_scope_equal_the_same_explicit_filter(world):
    engine, _, facts = world
    with engine.connect() as conn:
        d4, d3 = scope_for(conn, "d4"), scope_for(conn, "d3")
        m1, w1, v3 = scope_for(conn, "m1"), scope_for(conn, "w1"), scope_for(conn, "v3")
        assert d3.hall_ids == {"H03", "H06", "H07"}
        rolled = rollups.plan(conn, PERIOD)
        assert rolled is not None and rolled.rolled == {FIRST, LAST}  # both days from rollups
        # a director of a hall without halls below it: that hall's figures, exactly
        assert figures(conn, d4) == figures(conn, ALL, hall="H04")
        # a department manager: the department in the granted hall (等候达标率 included)
        mine = figures(conn, m1)
        assert mine == figures(conn, ALL, hall="H01", department="D01")
        assert mine == figures(conn, m1, use_rollups=False)  # rollups scoped like the rows
        assert mine["tickets"]["issued"] > 0
        whole = figures(conn, ALL, hall="H01")
        assert mine["tickets"]["issued"] < whole["tickets"]["issued"]
        by_window = figures(conn, m1, "window")["groups"]
        assert by_window == figures(conn, ALL, "window", hall="H01", department="D01")["groups"]
        # a staff member: their own tickets, cases, evaluations and shifts
        own = figures(conn, w1)
        assert own == figures(conn, ALL, hall=facts["staff_hall"], staff=facts["staff_id"])
        assert own == figures(conn, w1, use_rollups=False)
        assert own["tickets"]["issued"] > 0
        # a viewer of a street hall: its own hall (a viewer has no halls below)
        assert figures(conn, v3) == figures(conn, ALL, hall="H03")
        # a director of a street hall and the halls below it: each hall's group as alone
        groups = figures(conn, d3, "hall")["groups"]
        assert [g["hall_id"] for g in groups] == ["H03", "H06", "H07"]
        every = {g["hall_id"]: g for g in figures(conn, ALL, "hall")["groups"]}
        assert groups == [every[h] for h in ("H03", "H06", "H07")]


def test_rollups_answer_only_where_they_can_express_the_scope(world):
    engine, _, _ = world
    with engine.connect() as conn:
        plan = rollups.plan(conn, PERIOD)
        m1, w1 = scope_for(conn, "m1"), scope_for(conn, "w1")
    kw = {"wait_target_s": Settings().wait_target_min * 60, "boundaries": plan.boundaries}
    assert rollups.serves("tickets", plan, PERIOD, None, scope=m1, **kw)  # has department
    assert not rollups.serves("histograms", plan, PERIOD, None, scope=m1, **kw)  # hall-level
    assert not rollups.serves("intake", plan, PERIOD, None, scope=w1, **kw)  # no staff member
    assert rollups.serves("evaluations", plan, PERIOD, None, scope=w1, **kw)


def test_detail_lists_hold_only_rows_in_scope(world):
    engine, _, facts = world
    with engine.connect() as conn:
        m1, w1, d4 = scope_for(conn, "m1"), scope_for(conn, "w1"), scope_for(conn, "d4")
        ref = details.reference(conn, scope=ALL)
        queue_dept = dict(zip(ref["queues"]["queue_id"], ref["queues"]["dept_id"], strict=True))
        item_dept = dict(zip(ref["items"]["item_id"], ref["items"]["dept_id"], strict=True))
        tickets = details.ticket_list(conn, PERIOD, limit=10_000, scope=m1)
        assert tickets.height == details.ticket_count(conn, PERIOD, scope=m1) > 0
        assert {queue_dept[q] for q in tickets["queue_id"]} == {"D01"}
        hall_of = dict(zip(ref["windows"]["window_id"], ref["windows"]["hall_id"], strict=True))
        assert {hall_of[w] for w in tickets["window_id"].drop_nulls()} == {"H01"}
        cases = details.open_case_list(conn, PERIOD, scope=m1)
        assert set(cases["item_id"].replace_strict(item_dept, default=None)) <= {"D01"}
        own = details.ticket_list(conn, PERIOD, limit=10_000, scope=w1)
        assert set(own["staff_id"]) == {facts["staff_id"]}
        everyone_bad = details.bad_review_list(conn, PERIOD, scope=ALL)
        bad = details.bad_review_list(conn, PERIOD, scope=d4)
        assert set(bad["eval_id"]) <= set(everyone_bad["eval_id"])
        hall_bad = details.bad_review_list(
            conn, Filters(FIRST, LAST, AS_OF, {"hall": "H04"}), scope=ALL
        )
        assert set(bad["eval_id"]) == set(hall_bad["eval_id"])
        # the pickers list only the scope's halls, departments and staff
        assert set(details.reference(conn, scope=d4)["halls"]["hall_id"]) == {"H04"}
        assert set(details.reference(conn, scope=m1)["departments"]["dept_id"]) == {"D01"}
        assert set(details.reference(conn, scope=w1)["staff"]["staff_id"]) == {facts["staff_id"]}
        assert set(q.hall_list(conn, scope=scope_for(conn, "d3"))["hall_id"]) == {
            "H03",
            "H06",
            "H07",
        }
        assert set(rq.all_halls(conn, scope=d4)["hall_id"]) == {"H04"}


def test_a_filter_reaching_outside_the_scope_gives_nothing(world):
    engine, _, facts = world
    with engine.connect() as conn:
        m1, d4, w1 = scope_for(conn, "m1"), scope_for(conn, "d4"), scope_for(conn, "w1")
        assert figures(conn, d4, hall="H01")["tickets"]["issued"] == 0
        assert figures(conn, m1, department="D02")["tickets"]["issued"] == 0
        assert figures(conn, m1, hall="H03")["evaluations"]["count"] == 0
        h01_window = conn.execute(
            sa.select(s.windows.c.window_id).where(s.windows.c.hall_id == "H01").limit(1)
        ).scalar_one()
        crafted = Filters(FIRST, LAST, AS_OF, {"window": h01_window})
        assert details.ticket_list(conn, crafted, scope=d4).is_empty()
        other = Filters(FIRST, LAST, AS_OF, {"staff": "S-NOT-ME"})
        assert details.ticket_count(conn, other, scope=w1) == 0
        with pytest.raises(OutOfScope, match="hall H01"):
            d4.narrow(hall="H01")
        with pytest.raises(OutOfScope, match="department D02"):
            m1.narrow(dept="D02")
        with pytest.raises(OutOfScope):
            d4.narrow(window=h01_window, conn=conn)
        with pytest.raises(OutOfScope):
            w1.narrow(staff="S-NOT-ME")
        assert facts["staff_hall"] == "H04"


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_hall_metrics_as_an_account_is_its_scope_and_audited(world):
    engine, url, _ = world
    span = ["--from", FIRST.isoformat(), "--to", LAST.isoformat()]
    code, mine, _ = _cli("metrics", "--db", url, *span, "--as", "d4", "--json")
    assert code == 0
    code, hall, _ = _cli("metrics", "--db", url, *span, "--hall", "H04", "--json")
    assert code == 0 and json.loads(mine) == json.loads(hall)
    code, out, err = _cli("metrics", "--db", url, *span, "--as", "d4", "--hall", "H01")
    assert code == 2 and out == "" and "out of scope" in err and "H01" in err
    code, _, err = _cli("metrics", "--db", url, *span, "--as", "m1", "--dept", "D02")
    assert code == 2 and "D02" in err
    code, _, err = _cli("metrics", "--db", url, *span, "--as", "nobody")
    assert code == 2 and "no such user" in err
    with engine.connect() as conn:
        trail = audit.read(conn, action="cli_metrics")
    rows = [(r["who"], json.loads(r["detail"])["refused"] is None) for r in trail.to_dicts()]
    assert rows[-4:] == [("d4", True), ("d4", False), ("m1", False), ("nobody", False)]
    assert json.loads(trail.to_dicts()[-4]["scope"])["halls"] == ["H04"]
    assert trail["target"].to_list()[-1] == "hall metrics"


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)  # the reads are tested above
def test_reports_and_quality_as_an_account(world, tmp_path: Path):
    engine, url, _ = world
    week = str(Week.of(FIRST))
    out = tmp_path / "out"
    code, _, err = _cli(
        "report", "weekly", "--db", url, "--week", week, "--hall", "H03", "--as", "m1",
        "--out", str(out),
    )  # fmt: skip
    assert code == 2 and "hall H03" in err and not out.exists()
    code, shown, _ = _cli("quality", "--db", url, "--as", "d4", "--json")
    assert code == 0 and json.loads(shown)
    with engine.connect() as conn:
        targets = audit.read(conn, action="cli_metrics")["target"].to_list()
    assert targets[-2:] == ["hall report weekly", "hall quality"]


def test_a_viewer_sees_no_staff_names(world):
    engine, _, _ = world
    with engine.connect() as conn:
        v3 = scope_for(conn, "v3")
        real = details.reference(conn, scope=ALL)["staff"].filter(pl.col("hall_id") == "H03")
        shown = details.reference(conn, scope=v3)["staff"]
        assert shown["staff_id"].to_list() == real["staff_id"].to_list()
        assert shown["name"].to_list() == [mask_name(n) for n in real["name"]]
        assert not set(shown["name"]) & set(real["name"])
        names = rq.names(conn, "H03", scope=v3)["staff"]
        assert names and not set(names.values()) & set(real["name"])
        bad = rq.bad_review_list(conn, "H03", FIRST, LAST, scope=v3)
        assert not set(bad["staff"].drop_nulls()) & set(real["name"])
        start = dt.datetime.combine(LAST, dt.time(0))
        calls = q.recent_calls(conn, "H03", start, AS_OF, limit=50, scope=v3)
        assert calls.height and not set(calls["staff"].drop_nulls()) & set(real["name"])


def test_the_weekly_report_holds_and_names_its_scope(world):
    engine, _, _ = world
    with engine.connect() as conn:
        m1 = scope_for(conn, "m1")
        names = dict(conn.execute(sa.select(s.departments.c.dept_id, s.departments.c.name)).all())
    week = Week.of(FIRST)
    data = gather(engine, "H01", week, Settings(), scope=m1, with_forecast=False)
    assert {d["department_id"] for d in data.departments} == {"D01"}
    with engine.connect() as conn:
        alone = compute(
            conn,
            Filters(week.first, week.last, week.as_of, {"hall": "H01", "department": "D01"}),
            Settings(),
            scope=ALL,
        )
    assert data.current == alone
    assert set(data.overdue["department"].drop_nulls()) <= {names["D01"]}
    html = build_html(data, "zh", dt.datetime(2026, 11, 30, 8, 0))
    assert "数据范围" in html and "m1" in html and "D01" in html
    assert not any(names[d] in html for d in names if d != "D01")
    with pytest.raises(OutOfScope):
        gather(engine, "H03", week, Settings(), scope=m1, with_forecast=False)


# --- the pages ---------------------------------------------------------------------------------


def _page(monkeypatch, url: str, who: Scope, page: str, **params: str) -> AppTest:
    st.cache_data.clear()
    monkeypatch.setenv(URL_ENV, url)
    monkeypatch.setattr(state, "scope", lambda: who)
    at = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in {
        "period": "custom",
        "from": FIRST.isoformat(),
        "to": LAST.isoformat(),
        **params,
    }.items():
        at.query_params[key] = value
    first_run_on(at, page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _text(at: AppTest) -> str:
    """Everything a page shows as text: markdown, captions, headings, messages, every cell of
    every table, picker options, tile labels and values, and the charts' data."""
    parts = [m.value for m in [*at.markdown, *at.caption, *at.title, *at.header, *at.subheader]]
    parts += [e.value for e in [*at.error, *at.warning, *at.info]]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [str(sb.options) for sb in at.selectbox]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [json.loads(c.proto.spec) and c.proto.spec for c in at.get("plotly_chart")]
    return "\n".join(parts)


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)  # pages: the queries above
def test_window_performance_page_as_a_manager(monkeypatch, world):
    engine, url, _ = world
    with engine.connect() as conn:
        m1 = scope_for(conn, "m1")
        depts = dict(conn.execute(sa.select(s.departments.c.dept_id, s.departments.c.name)).all())
    at = _page(monkeypatch, url, m1, "windows", level="department")
    text = _text(at)
    assert depts["D01"] in text
    assert not [name for d, name in depts.items() if d != "D01" and name in text]
    denied = _page(monkeypatch, url, m1, "windows", hall="H03")
    assert [e.value for e in denied.error] == [
        t("scope.denied", "zh", what=plain("?hall=H03"), scope=_scope_text(m1))
    ]
    assert not denied.dataframe and not denied.metric  # nothing of the page after it
    staff = _page(monkeypatch, url, m1, "window", staff="S-OTHER")
    assert staff.error and plain("?staff=S-OTHER") in staff.error[0].value and not staff.metric


def _scope_text(scope: Scope) -> str:
    from i18n.text import scope_text

    return scope_text(scope, "zh")


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)  # a property of the page cache
def test_figures_frames_are_not_shared_between_scopes(monkeypatch, world):
    """The cached reads key on the scope: an admin's figures never serve a manager."""
    engine, url, _ = world
    from dashboard import cached

    st.cache_data.clear()
    with engine.connect() as conn:
        m1 = scope_for(conn, "m1")
    wide = cached.figures(url, FIRST, LAST, AS_OF, (("hall", "H01"),), scope=ALL)
    narrow = cached.figures(url, FIRST, LAST, AS_OF, (("hall", "H01"),), scope=m1)
    assert narrow["tickets"]["issued"] < wide["tickets"]["issued"]
    frame = cached.reference(url, scope=m1)["departments"]
    assert isinstance(frame, pl.DataFrame) and frame["dept_id"].to_list() == ["D01"]


ROLE_PAGES = [
    ("m1", "overview"),
    ("m1", "cases"),
    ("m1", "evaluations"),
    ("v3", "attendance"),
    ("v3", "window"),
    ("w1", "windows"),
]


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("login", "page"), ROLE_PAGES)
def test_pages_show_nothing_outside_the_scope(monkeypatch, world, login: str, page: str):
    """No other hall's name, no other department's name, and (for a viewer) no staff name in
    the page's text, tables and pickers."""
    engine, url, _ = world
    with engine.connect() as conn:
        who = scope_for(conn, login)
        halls = dict(conn.execute(sa.select(s.halls.c.hall_id, s.halls.c.name)).all())
        depts = dict(conn.execute(sa.select(s.departments.c.dept_id, s.departments.c.name)).all())
        staff = conn.execute(sa.select(s.staff.c.name)).scalars().all()
    text = _text(_page(monkeypatch, url, who, page))
    assert [halls[h] for h in who.hall_ids if halls[h] in text]  # the page shows its hall
    others = [n for h, n in halls.items() if h not in who.hall_ids and n in text]
    assert not others
    if who.dept_ids is not None:
        assert not [n for d, n in depts.items() if d not in who.dept_ids and n in text]
    if not who.names_visible:
        assert not [n for n in staff if n and n in text]


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_forecast_page_refuses_a_hall_outside_the_scope(monkeypatch, world):
    engine, url, _ = world
    with engine.connect() as conn:
        d4 = scope_for(conn, "d4")
    at = _page(monkeypatch, url, d4, "forecast", hall="H01")
    assert [e.value for e in at.error] == [
        t("scope.denied", "zh", what=plain("?hall=H01"), scope=_scope_text(d4))
    ]
    assert not at.dataframe and not at.get("plotly_chart")


def _dept_tickets(conn, hall: str, dept: str) -> int:
    """Tickets of `hall` in the queues of `dept`, counted without any scope machinery."""
    q = s.queues
    return conn.execute(
        sa.select(sa.func.count())
        .select_from(s.tickets.join(q, s.tickets.c.queue_id == q.c.queue_id))
        .where(s.tickets.c.hall_id == hall, q.c.dept_id == dept)
    ).scalar_one()


def test_forecast_reads_take_the_scope_in_sql(world):
    """The forecast and staffing reads (`queries.forecast_queries`) see only the scope: a
    director's halls, a manager's department's tickets and staff; a hall outside the scope is
    refused by the forecast and by `hall forecast --as`."""
    from forecasting.service import forecast_hall, hall_ids
    from queries import forecast_queries as fq

    engine, url, _ = world
    with engine.connect() as conn:
        d4, d3, m1 = scope_for(conn, "d4"), scope_for(conn, "d3"), scope_for(conn, "m1")
        assert hall_ids(conn, scope=d3) == ["H03", "H06", "H07"]
        assert hall_ids(conn, scope=d4) == ["H04"]
        assert fq.daily_arrivals(conn, FIRST, LAST, "H01", scope=d4).is_empty()
        mine = fq.daily_arrivals(conn, FIRST, LAST, "H01", scope=m1)
        d01 = _dept_tickets(conn, "H01", "D01")
        whole = fq.daily_arrivals(conn, FIRST, LAST, "H01", scope=ALL)["arrivals"].sum()
        assert 0 < mine["arrivals"].sum() == d01 < whole
        slots = fq.slot_arrivals(conn, FIRST, LAST, "H01", scope=m1)
        assert slots["arrivals"].sum() == d01
        only = fq.slot_arrivals(conn, FIRST, LAST, "H01", days=[LAST], scope=m1)
        assert_frame_equal(only, slots.filter(pl.col("date") == LAST), check_row_order=False)
        assert fq.slot_arrivals(conn, FIRST, LAST, "H01", days=[], scope=m1).is_empty()
        # the first and last ticket a scope sees (per hall through the index): as a plain
        # MIN/MAX over the tickets would say
        tk = s.tickets
        for scope, hall in ((ALL, None), (d3, None), (m1, None), (ALL, "H02"), (d4, "H01")):
            edges = sa.func.min(tk.c.issued_at), sa.func.max(tk.c.issued_at)
            plain = sa.select(*edges).where(
                scope_filter(scope, tk), *([tk.c.hall_id == hall] if hall else [])
            )
            expected = tuple(
                dt.datetime.fromisoformat(v) if isinstance(v, str) else v
                for v in conn.execute(plain).one()
            )
            assert fq.ticket_span(conn, hall, scope=scope) == expected, (scope.who, hall)
        rows = fq.ticket_rows(conn, "H01", FIRST, LAST, scope=m1)
        q = s.queues
        queues = set(conn.execute(sa.select(q.c.queue_id).where(q.c.dept_id == "D01")).scalars())
        assert rows.height == d01 and set(rows["queue_id"]) <= queues
        shifts = fq.shifts(conn, "H01", FIRST, LAST, scope=m1)
        st_ = s.staff
        d01_staff = set(
            conn.execute(sa.select(st_.c.staff_id).where(st_.c.dept_id == "D01")).scalars()
        )
        assert shifts.height and set(shifts["staff_id"]) <= d01_staff
        with pytest.raises(OutOfScope):
            forecast_hall(conn, "H01", 7, scope=d4)
    code, out, err = _cli("forecast", "--db", url, "--horizon", "3", "--as", "d4", "--hall", "H01")
    assert code == 2 and out == "" and "H01" in err
    with engine.connect() as conn:
        trail = audit.read(conn, action="cli_metrics").to_dicts()
    assert trail[-1]["who"] == "d4" and trail[-1]["target"] == "hall forecast"


def test_data_overview_counts_only_the_scope(world):
    """数据概况 counts rows in the reader's scope; the feeds (sync state) only for the
    unrestricted scope."""
    from queries.overview import global_overview, table_overview
    from queries.sync_status import sync_status

    engine, _, _ = world
    with engine.connect() as conn:
        d4, m1 = scope_for(conn, "d4"), scope_for(conn, "m1")
        everything = table_overview(conn, scope=ALL)
        mine = table_overview(conn, scope=d4)
        assert set(mine["hall_id"]) == {"H04"}
        assert mine.equals(everything.filter(pl.col("hall_id") == "H04"))
        managed = table_overview(conn, scope=m1)
        assert set(managed["hall_id"]) == {"H01"}
        tickets = managed.filter(pl.col("table") == "tickets")["rows"].item()
        d01 = _dept_tickets(conn, "H01", "D01")
        assert 0 < tickets == d01
        shared = dict(global_overview(conn, scope=m1).select("table", "rows").iter_rows())
        assert shared["halls"] == 1 and shared["departments"] == 1
        assert sync_status(conn, scope=d4).is_empty()
