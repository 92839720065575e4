"""Every role against every page and download, signed in, on SQLite, PostgreSQL and MariaDB.

A three-day demo (Mon 23 – Wed 25 Nov 2026, the clock pinned to Wednesday 15:00 with
$HALLPULSE_NOW) per backend, built once for the module, with an account of each role: an
admin, the director of the street centre H02 (H02 and the stations H04, H05 below it), the
manager of department D01 in H01, a window staff member of H01, and a viewer of H03 (a street
centre with stations below it that a viewer does not get). AppTest runs streamlit_app.py
signed in as each of them (the gate resolves the account's scope from the database, as after
the sign-in form) and opens every page listed in streamlit_app.py:

1. the admin-only pages refuse every other role, and show nothing of themselves;
2. the KPI tiles equal `metrics.figures.compute` under the account's scope (= `hall metrics
   --as LOGIN`), and the pages' counts are the scope's;
3. the page's text (headings, captions, tiles, tables, pickers, charts' data, html) holds no
   hall, department or staff name outside the scope, and a viewer's no staff name at all;
4. a crafted `?hall=` / `?dept=` / `?window=` / `?staff=` outside the scope shows the refusal
   and nothing else;
5. the CSV a download button would serve (the bytes handed to it) starts with the scope it
   was taken in (`# 数据范围：…`) and holds only rows in that scope.

The full page set runs on SQLite; on PostgreSQL and MariaDB the pages whose reads differ by
dialect (the analysis pages and the big screen) run for every role, the others on SQLite only
(their reads are the same queries, tested on every backend in test_scope.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import subprocess
import time
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import sqlalchemy as sa
import streamlit as st
from conftest import BACKENDS, SERVER_URLS, empty_database, first_run_on, server_engine
from google.protobuf import text_format
from streamlit.elements.widgets import button as st_button
from streamlit.testing.v1 import AppTest

from access import accounts
from access.scope import Scope, scope_filter, scope_for
from dashboard import auth
from i18n.text import plain, scope_text, t
from metrics.catalog import BY_KEY
from metrics.figures import compute
from metrics.periods import resolve
from metrics.settings import CONFIG_ENV, load_settings
from queries import schema as s
from queries.db import URL_ENV, make_engine
from queries.metric_queries import Filters
from simulation.demo import DemoOptions
from simulation.writer import write_demo
from workdays.clock import NOW_ENV

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
NOW = dt.datetime(2026, 11, 25, 15, 0)  # a Wednesday afternoon in the halls
DAYS = 3  # Monday to Wednesday
PASSWORD = "correct horse battery"
CONFIG = '[access]\nauth = "local"\nidle_timeout_min = 600\n'
BY = "test"

# every page of streamlit_app.py (checked against the file below), and its title
PAGES = {
    "overview": "nav.overview",
    "windows": "nav.windows",
    "window": "nav.window",
    "cases": "nav.cases",
    "evaluations": "nav.evaluations",
    "attendance": "nav.attendance",
    "network": "nav.network",
    "big_screen": None,  # the screen has no title: its hall's name is in its header
    "forecast": "nav.forecast",
    "weekly_report": "nav.weekly",
    "data_overview": "nav.data",
    "quality": "nav.quality",
    "data_import": "nav.import",
    "alerts": "nav.alerts",
    "audit": "audit.title",
}
ADMIN_ONLY = {"data_import": "nav.import", "alerts": "nav.alerts", "audit": "nav.audit"}
# the pages whose reads run on every backend here (the rest: SQLite)
ON_SERVERS = {"overview", "windows", "window", "cases", "evaluations", "attendance", "big_screen"}
ROLES = ("a1", "d2", "m1", "w1", "v3")  # admin, director, manager, staff, viewer


# routed before the sign-in gate, for everyone, with no account and no scope: it shows counts of
# every hall by design (test_network_app.py and test_browser_public.py: nothing personal)
PUBLIC_PAGES = {"public"}


def _pages_of_the_app() -> set[str]:
    pages = set(re.findall(r"dashboard/pages/(\w+)\.py", APP.read_text(encoding="utf-8")))
    return pages - PUBLIC_PAGES


def test_the_matrix_lists_every_page_of_the_app() -> None:
    assert _pages_of_the_app() == set(PAGES)


# --- the world: one demo per backend ------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    """(backend, url, facts) for one backend, built once for the module: the demo, the five
    accounts, and the names and ids the checks look for."""
    backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'hall.db'}"
        engine = make_engine(url)
    else:
        engine = server_engine(backend)
        url = SERVER_URLS[backend]
        empty_database(engine)
    st.cache_resource.clear()  # engines and the screen's month cache of an earlier module
    _figures.cache_clear()  # the figures of the world before (a server's URL is the same)
    write_demo(engine, DemoOptions(end=NOW.date(), days=DAYS, now=NOW))
    with engine.begin() as conn:
        # a window staff member of H01 with the most evaluations (and so tickets and shifts),
        # and cases: every analysis page has figures of theirs
        with_cases = sa.select(s.cases.c.staff_id).where(s.cases.c.hall_id == "H01")
        staff_id = conn.execute(
            sa.select(s.evaluations.c.staff_id)
            .where(s.evaluations.c.hall_id == "H01", s.evaluations.c.staff_id.in_(with_cases))
            .group_by(s.evaluations.c.staff_id)
            .order_by(sa.func.count().desc(), s.evaluations.c.staff_id)
            .limit(1)
        ).scalar_one()
        add = accounts.add_user
        add(conn, "a1", "admin", by=BY, password=PASSWORD)
        add(conn, "d2", "director", by=BY, halls=["H02"], password=PASSWORD)
        add(conn, "m1", "manager", by=BY, halls=["H01"], dept="D01", password=PASSWORD)
        add(conn, "w1", "staff", by=BY, staff=staff_id, password=PASSWORD)
        add(conn, "v3", "viewer", by=BY, halls=["H03"], password=PASSWORD)
        facts = {
            "staff_id": staff_id,
            "halls": dict(conn.execute(sa.select(s.halls.c.hall_id, s.halls.c.name)).all()),
            "depts": dict(
                conn.execute(sa.select(s.departments.c.dept_id, s.departments.c.name)).all()
            ),
            "staff": [
                r._asdict()
                for r in conn.execute(
                    sa.select(s.staff.c.staff_id, s.staff.c.name, s.staff.c.hall_id)
                )
            ],
            "windows": [
                r._asdict()
                for r in conn.execute(
                    sa.select(s.windows.c.window_id, s.windows.c.hall_id, s.windows.c.dept_id)
                )
            ],
            "scopes": {login: scope_for(conn, login) for login in ROLES},
        }
    yield backend, url, facts
    st.cache_resource.clear()
    if backend != "sqlite":
        empty_database(engine)
    engine.dispose()


@pytest.fixture(autouse=True)
def app_env(sign_in_off, tmp_path: Path, monkeypatch) -> None:
    """Local sign-in (replacing conftest's no-sign-in file) and the pinned clock."""
    config = tmp_path / "hallpulse.toml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(config))
    monkeypatch.setenv(NOW_ENV, NOW.isoformat())
    st.cache_data.clear()


@pytest.fixture
def downloads(monkeypatch) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every download button drawn: what it would serve."""
    seen: list[tuple[str, bytes]] = []
    original = st_button.marshall_file

    def record(coordinates, data, proto, mimetype, file_name=None, **kw):
        raw = data() if callable(data) else data
        seen.append((file_name, raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)))
        return original(coordinates, data, proto, mimetype, file_name, **kw)

    monkeypatch.setattr(st_button, "marshall_file", record)
    return seen


def open_page(monkeypatch, url: str, login: str, page: str, **params: str) -> AppTest:
    """streamlit_app.py signed in as `login` (the session the sign-in form leaves), on `page`."""
    monkeypatch.setenv(URL_ENV, url)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state[auth.LOGIN] = login
    at.session_state[auth.VIA] = "local"
    at.session_state[auth.ACTIVE] = time.monotonic()
    for key, value in params.items():
        at.query_params[key] = value
    first_run_on(at, page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


# --- what a page shows ------------------------------------------------------------------------


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def page_text(at: AppTest) -> str:
    """Everything the page holds as text: every element's message (headings, captions, tiles,
    pickers' options, html, labels), every table's cells, every chart's data."""
    parts: list[str] = []
    for node in _walk(at._tree):
        kind = getattr(node, "type", "")
        if kind in ("arrow_data_frame", "dataframe", "table") and hasattr(node, "value"):
            parts.append(node.value.to_csv())
            continue
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if kind == "plotly_chart":
            parts.append(json.dumps(json.loads(proto.spec), ensure_ascii=False))
            continue
        parts.append(text_format.MessageToString(proto, as_utf8=True))
    return "\n".join(parts)


def forbidden_names(facts: dict, scope: Scope) -> tuple[list[str], list[str]]:
    """(names the scope may show, names it may not): halls, departments and staff."""
    halls, depts = facts["halls"], facts["depts"]
    allowed, banned = [], []
    for hall_id, name in halls.items():
        (allowed if scope.allows_hall(hall_id) else banned).append(name)
    if scope.dept_ids is not None:
        for dept_id, name in depts.items():
            (allowed if dept_id in scope.dept_ids else banned).append(name)
    for person in facts["staff"]:
        mine = scope.allows_hall(person["hall_id"])
        if scope.staff_id is not None:
            mine = person["staff_id"] == scope.staff_id
        if not scope.names_visible:
            mine = False
        (allowed if mine else banned).append(person["name"])
    return allowed, banned


def leaks(text: str, facts: dict, scope: Scope) -> list[str]:
    """The names outside `scope` found in `text` (names inside it are taken out first, so that
    a name that contains another does not count as the other)."""
    allowed, banned = forbidden_names(facts, scope)
    for name in sorted(allowed, key=len, reverse=True):
        text = text.replace(name, "\0")
    return sorted({name for name in banned if name and name in text})


def figures(url: str, scope: Scope, dimension: str | None = None, **filters: str) -> dict:
    """compute() in the scope for this week, as the pages ask for it: once per question for
    the module's world (the four analysis pages ask the same one)."""
    return _figures(url, scope, dimension, tuple(sorted(filters.items())))


@functools.cache
def _figures(url: str, scope: Scope, dimension: str | None, filters: tuple) -> dict:
    period = resolve("this_week", NOW)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            where = Filters(period.first, period.last, period.as_of, dict(filters))
            return compute(conn, where, load_settings(), dimension, scope=scope)
    finally:
        engine.dispose()


def assert_tiles(at: AppTest, url: str, scope: Scope, **filters: str) -> int:
    """Every KPI tile of the catalog on the page equals compute() in the scope."""
    expected = figures(url, scope, **filters)
    checked = 0
    for m in at.metric:
        metric = next((x for x in BY_KEY.values() if x.label("zh") == m.label), None)
        if metric is None:
            continue
        assert m.value == metric.format(expected[metric.section][metric.key], "zh"), metric.key
        checked += 1
    return checked


def scope_line(scope: Scope, lang: str = "zh") -> str:
    return "# " + t("rep.scope", lang, scope=scope_text(scope, lang))


def assert_csv(name: str, raw: bytes, facts: dict, scope: Scope, lang: str = "zh") -> None:
    text = raw.decode("utf-8-sig")
    first, _, body = text.partition("\n")
    assert first == scope_line(scope, lang), (name, first)
    rows = list(csv.reader(io.StringIO(body)))
    assert rows and rows[0], name  # a header at least
    assert not leaks(body, facts, scope), (name, leaks(body, facts, scope))


# --- 1–3, 5: every role on every page -------------------------------------------------------------


ROLE_PAGES = [pytest.param(login, page, id=f"{login}-{page}") for page in PAGES for login in ROLES]


@pytest.mark.parametrize(("login", "page"), ROLE_PAGES)
def test_role_on_page(monkeypatch, world, downloads, login: str, page: str) -> None:
    backend, url, facts = world
    if backend != "sqlite" and page not in ON_SERVERS:
        pytest.skip(f"{page}: SQLite only here (its queries have their own tests on {backend})")
    scope = facts["scopes"][login]
    at = open_page(monkeypatch, url, login, page)
    assert at.session_state[auth.SCOPE] == scope  # the gate resolved the account's own scope
    if page in ADMIN_ONLY and login != "a1":  # 1. refused, and nothing of the page drawn
        assert [e.value for e in at.error] == [
            t("auth.refused", page=t(ADMIN_ONLY[page]), roles=t("role.admin"))
        ]
        assert not at.title and not at.dataframe and not at.metric and not at.file_uploader
        assert not downloads
        return
    assert not at.error, [e.value for e in at.error]
    if PAGES[page]:
        assert [x.value for x in at.title] == [t(PAGES[page])]
    text = page_text(at)
    assert not leaks(text, facts, scope), leaks(text, facts, scope)  # 3.
    # the page shows something of its scope: a hall of it, by name
    if page == "forecast":  # the hall picker (by id): the scope's halls only
        ids = at.selectbox[0].options
        assert ids and all(scope.allows_hall(h) for h in ids)
    elif page not in ADMIN_ONLY and page != "quality":
        assert any(facts["halls"][h] in text for h in facts["halls"] if scope.allows_hall(h))
    # 2. the headline figures are the scope's
    if page in ("overview", "cases", "evaluations", "attendance"):
        assert assert_tiles(at, url, scope) >= 5, [(m.label, m.value) for m in at.metric]
    elif page == "windows":  # one row per hall (department …) of the scope, its counts
        level = at.query_params["level"]
        table = at.dataframe[0].value
        groups = [  # the groups with anything in the period, as the page lists them
            g
            for g in figures(url, scope, dimension=level)["groups"]
            if g["tickets"]["issued"]
            or g["attendance"]["staffed_hours"]
            or g["evaluations"]["count"]
        ]
        served = sorted(g["tickets"]["served"] for g in groups)
        assert sorted(table["served"].dropna().astype(int)) == served
        assert len(table) == len(groups) > 0
    elif page == "window":  # the first window (or the staff member) of the scope's list
        subject = {k: at.query_params[k] for k in ("window", "staff") if k in at.query_params}
        assert len(subject) == 1
        assert assert_tiles(at, url, scope, **subject) >= 5
        if scope.staff_id is not None:  # window staff: their own figures first
            assert subject == {"staff": scope.staff_id}
    elif page == "big_screen":  # the scope's first hall, today's tickets as compute counts
        hall = sorted(h for h in facts["halls"] if scope.allows_hall(h))[0]
        assert facts["halls"][hall] in text
        html = "".join(h.proto.body for h in at.get("html"))
        shown = re.search(r'data-key="issued".*?class="bs-value">([\d,]+)', html, re.S)
        today = Filters(NOW.date(), NOW.date(), NOW, {"hall": hall})
        engine = make_engine(url)
        with engine.connect() as conn:
            issued = compute(conn, today, load_settings(), scope=scope)["tickets"]["issued"]
        engine.dispose()
        assert shown and int(shown[1].replace(",", "")) == issued
    elif page == "data_overview":
        tiles = {m.label: m.value for m in at.metric}
        halls = sum(1 for h in facts["halls"] if scope.allows_hall(h))
        assert tiles[t("data.halls")] == f"{halls}"
        assert tiles[t("data.tickets")] == f"{scope_count(url, scope):,}"
    elif page == "weekly_report":
        options = at.selectbox(key="weekly_hall").options
        ids = [o.split(" · ")[0] for o in options]
        assert ids == sorted(h for h in facts["halls"] if scope.allows_hall(h))
    # 5. every CSV the page offers says whose scope it holds and holds nothing else
    if page == "window":  # the tickets of the window (or staff member): always offered here
        assert [n for n, _ in downloads if n.startswith("tickets_")]
    for name, raw in downloads:
        if name.endswith(".csv"):
            assert_csv(name, raw, facts, scope)


def scope_count(url: str, scope: Scope) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count())
                .select_from(s.tickets)
                .where(scope_filter(scope, s.tickets))
            ).scalar_one()
    finally:
        engine.dispose()


# --- 4: crafted URLs ------------------------------------------------------------------------------


def crafted(facts: dict, login: str) -> dict[str, str]:
    """For each of ?hall= ?dept= ?window= ?staff=, a value outside the account's scope (none
    where the scope has no such bound: a director's or viewer's departments)."""
    scope = facts["scopes"][login]
    out: dict[str, str] = {}
    halls = sorted(h for h in facts["halls"] if not scope.allows_hall(h))
    if halls:
        out["hall"] = halls[0]
    if scope.dept_ids is not None:
        out["dept"] = sorted(d for d in facts["depts"] if d not in scope.dept_ids)[0]
    windows = [
        w["window_id"]
        for w in facts["windows"]
        if not scope.allows_hall(w["hall_id"])
        or (scope.dept_ids is not None and w["dept_id"] not in scope.dept_ids)
    ]
    if windows and scope.staff_id is None:
        out["window"] = sorted(windows)[0]
    elif scope.staff_id is not None:
        out["window"] = sorted(w["window_id"] for w in facts["windows"] if w["hall_id"] == "H03")[0]
    others = sorted(
        p["staff_id"]
        for p in facts["staff"]
        if not scope.allows_hall(p["hall_id"]) or scope.staff_id not in (None, p["staff_id"])
    )
    if others:
        out["staff"] = others[0]
    return out


# on PostgreSQL and MariaDB: one crafted parameter a page (the scoped reference lists it is
# checked against are the same read on every page)
CRAFTED_ON_SERVERS = {
    ("overview", "hall"),
    ("windows", "dept"),
    ("window", "window"),
    ("attendance", "staff"),
    ("big_screen", "hall"),
}
# the pages that read these parameters; the others ignore them (and are checked for leaks)
READS_PARAMS = ("overview", "windows", "window", "cases", "evaluations", "attendance")
CRAFTED_CASES = [
    pytest.param(login, page, param, id=f"{login}-{page}-{param}")
    for login in ("d2", "m1", "w1", "v3")
    for page in READS_PARAMS
    for param in ("hall", "dept", "window", "staff")
] + [
    pytest.param(login, page, "hall", id=f"{login}-{page}-hall")
    for login in ("d2", "m1", "w1", "v3")
    for page in ("big_screen", "forecast", "weekly_report", "data_overview", "quality")
]


@pytest.mark.parametrize(("login", "page", "param"), CRAFTED_CASES)
def test_crafted_url_outside_the_scope(
    monkeypatch, world, downloads, login: str, page: str, param: str
) -> None:
    backend, url, facts = world
    if backend != "sqlite" and (page, param) not in CRAFTED_ON_SERVERS:
        pytest.skip("SQLite only: the refusal comes from the same scoped reference read")
    value = crafted(facts, login).get(param)
    if value is None:
        pytest.skip(f"{login}'s scope has no bound on ?{param}=")
    scope = facts["scopes"][login]
    at = open_page(monkeypatch, url, login, page, **{param: value})
    text = page_text(at)
    assert not leaks(text, facts, scope), leaks(text, facts, scope)
    if page in READS_PARAMS or (page == "forecast" and param == "hall"):
        denied = t("scope.denied", what=plain(f"?{param}={value}"), scope=scope_text(scope))
        assert [e.value for e in at.error] == [denied]
    elif page == "big_screen":
        assert len(at.error) == 1 and value in at.error[0].value
    else:  # the page does not read the parameter: its own scope, nothing of the other hall
        assert facts["halls"][value] not in text
        return
    # the refusal and nothing else: no figure, table, chart or download
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert not downloads
    assert not [h for h in at.get("html") if "data-key=" in h.proto.body and "kpi" in h.proto.body]


# --- the weekly report's files --------------------------------------------------------------------


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout


def _xlsx_text(xlsx: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    return "\n".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)  # the report's reads: test_scope
@pytest.mark.parametrize("login", ["m1", "v3"])
def test_weekly_report_files_hold_and_name_the_scope(
    monkeypatch, world, downloads, tmp_path: Path, login: str
) -> None:
    """下载周报 built as a manager (one department) and as a viewer (no names): the PDF and the
    workbook the buttons serve say whose scope they hold, and hold nothing outside it."""
    _, url, facts = world
    scope = facts["scopes"][login]
    at = open_page(monkeypatch, url, login, "weekly_report")
    next(b for b in at.button if b.label == t("rep.page.build")).click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    files = dict(downloads)
    pdf = next(raw for name, raw in files.items() if name.endswith(".pdf"))
    xlsx = next(raw for name, raw in files.items() if name.endswith(".xlsx"))
    words = scope_text(scope)
    for shown in (_pdf_text(pdf, tmp_path), _xlsx_text(xlsx)):
        flat = re.sub(r"\s+", "", shown)
        assert "数据范围" in flat and re.sub(r"\s+", "", words) in flat
        assert not leaks(shown, facts, scope), leaks(shown, facts, scope)


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_csv_scope_line_in_english(monkeypatch, world, downloads) -> None:
    """In English the first line says `# Scope: …`; the rows follow as a plain CSV."""
    _, url, facts = world
    scope = facts["scopes"]["v3"]
    open_page(monkeypatch, url, "v3", "window", lang="en")
    (name, raw), *_ = [(n, r) for n, r in downloads if n.startswith("tickets_")]
    assert_csv(name, raw, facts, scope, lang="en")
    assert raw.decode("utf-8-sig").splitlines()[0] == (
        "# Scope: v3 · viewer; halls H03; without staff names"
    )
    frame = pl.read_csv(io.BytesIO(raw), comment_prefix="#", infer_schema=False)  # read back
    assert frame.width > 3 and frame.height > 0 and "Window" in frame.columns


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
def test_the_name_check_finds_what_it_looks_for(world) -> None:
    """`leaks` is the matrix's eye: it must see a hall, department or person outside the scope
    (and a viewer's unmasked colleague), and let the scope's own names and masks pass."""
    from metrics.live import mask_name

    _, _, facts = world
    d2, m1, w1, v3 = (facts["scopes"][x] for x in ("d2", "m1", "w1", "v3"))
    halls, depts = facts["halls"], facts["depts"]
    person = next(p for p in facts["staff"] if p["hall_id"] == "H03")
    me = next(p for p in facts["staff"] if p["staff_id"] == w1.staff_id)
    colleague = next(p for p in facts["staff"] if p["hall_id"] == "H01" and p is not me)
    assert leaks(f"{halls['H02']} {halls['H05']}", facts, d2) == []
    assert leaks(f"{halls['H02']} | {halls['H01']}", facts, d2) == [halls["H01"]]
    assert leaks(depts["D01"], facts, m1) == [] and leaks(depts["D02"], facts, m1) == [depts["D02"]]
    assert leaks(f"{me['name']} {colleague['name']}", facts, w1) == [colleague["name"]]
    assert leaks(mask_name(person["name"]), facts, v3) == []
    assert leaks(person["name"], facts, v3) == [person["name"]]
