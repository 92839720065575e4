"""The network page and the public waits page without a browser (AppTest), over a small demo:
the page runs in Chinese and English and its 下沉率 tiles equal `metrics.network` over the
same period; a street's director sees that street and its stations only; the public page shows
nothing personal (no staff names, no ticket numbers)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from conftest import first_run_on
from streamlit.testing.v1 import AppTest

from access import accounts
from access.scope import Scope, halls_below
from i18n.text import t
from metrics import network as net
from metrics.settings import CONFIG_ENV
from queries import schema as s
from queries.db import URL_ENV, make_engine
from queries.metric_queries import Filters
from queries.network import hall_partials, network_halls
from workdays import clock

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
PUBLIC = ROOT / "dashboard" / "pages" / "public.py"
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A four-day demo of the 1 + 2 + 4 network up to this minute, made once."""
    from simulation.demo import DemoOptions
    from simulation.writer import write_demo

    path = tmp_path_factory.mktemp("network") / "hall.db"
    engine = make_engine(f"sqlite:///{path}")
    now = clock.now().replace(second=0)
    try:
        write_demo(engine, DemoOptions(end=now.date(), days=4, now=now))
    finally:
        engine.dispose()
    return path


def custom(at: AppTest) -> tuple[dt.date, dt.date]:
    last = clock.today() - dt.timedelta(days=1)
    first = last - dt.timedelta(days=2)
    at.query_params["period"] = "custom"
    at.query_params["from"] = first.isoformat()
    at.query_params["to"] = last.isoformat()
    return first, last


def expected_rate(url: str, first: dt.date, last: dt.date, scope: Scope) -> dict:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            period = Filters(first, last, dt.datetime.combine(last, dt.time(23, 59, 59)))
            halls = network_halls(conn, scope=scope)
            parts = hall_partials(conn, period, wait_target_s=20 * 60, scope=scope)
    finally:
        engine.dispose()
    return net.sinking_rate(net.level_shares(halls, parts))


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_network_page_tiles_equal_the_figures(small_demo: Path, monkeypatch, lang: str) -> None:
    url = f"sqlite:///{small_demo}"
    monkeypatch.setenv(URL_ENV, url)
    at = AppTest.from_file(str(APP), default_timeout=120)
    first, last = custom(at)
    at.query_params["lang"] = lang
    first_run_on(at, "network").run()
    assert not at.exception, [e.message for e in at.exception]
    assert [x.value for x in at.title] == [t("nav.network", lang)]
    tiles = {m.label: m.value for m in at.metric}
    rate = expected_rate(url, first, last, Scope.everything())
    assert tiles[t("net.sink", lang)] == pct(rate["demand"])
    assert tiles[t("net.sink.tickets", lang)] == pct(rate["tickets"])
    assert tiles[t("net.sink.cases", lang)] == pct(rate["cases"])
    assert tiles[t("net.halls", lang)] == "1 + 2 + 4"
    assert 0 < rate["demand"] < 1
    tree = at.dataframe[1].value  # levels, tree, peers, items
    assert len(tree) == 7
    assert len(at.dataframe) == 4
    assert len(at.get("plotly_chart")) == 2


def test_a_street_director_sees_the_street_and_its_stations(
    small_demo: Path, tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "hall.db"
    shutil.copy(small_demo, path)
    url = f"sqlite:///{path}"
    config = tmp_path / "hallpulse.toml"
    config.write_text('[access]\nauth = "local"\n', encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(config))
    monkeypatch.setenv(URL_ENV, url)
    engine = make_engine(url)
    with engine.begin() as conn:
        accounts.add_user(conn, "d2", "director", by="test", password=PASSWORD, halls=["H02"])
        below = halls_below(conn, ["H02"])
        names = dict(conn.execute(sa.select(s.halls.c.hall_id, s.halls.c.name)).all())
    engine.dispose()
    assert below == {"H02", "H04", "H05"}
    at = AppTest.from_file(str(APP), default_timeout=120)
    first, last = custom(at)
    at.run()
    at.text_input(key="sign_in_login").input("d2")
    at.text_input(key="sign_in_pw").input(PASSWORD)
    next(b for b in at.button if b.label == t("auth.submit")).click()
    at.run()
    at.switch_page("dashboard/pages/network.py").run()
    assert not at.exception, [e.message for e in at.exception]
    tree = at.dataframe[1].value
    shown = [str(v).replace("\u3000", "").replace("└ ", "") for v in tree.iloc[:, 0]]
    assert shown == [names["H02"], names["H04"], names["H05"]]
    tiles = {m.label: m.value for m in at.metric}
    assert tiles[t("net.halls")] == "1 + 2"  # a street and its two stations
    scope = Scope(who="d2", role="director", hall_ids=below)
    assert tiles[t("net.sink")] == pct(expected_rate(url, first, last, scope)["demand"])
    assert tiles[t("net.sink")] == "100.0%"  # nothing of the district centre is in view
    peers = at.dataframe[2].value
    assert set(peers.iloc[:, 1]) == {names["H02"], names["H04"], names["H05"]}


def page_text(at: AppTest) -> str:
    parts = [h.proto.body for h in at.get("html")]
    parts += [m.value for m in at.markdown] + [i.value for i in at.info]
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_page_shows_nothing_personal(small_demo: Path, monkeypatch, lang: str) -> None:
    url = f"sqlite:///{small_demo}"
    monkeypatch.setenv(URL_ENV, url)
    at = AppTest.from_file(str(PUBLIC), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    text = page_text(at)
    engine = make_engine(url)
    with engine.connect() as conn:
        staff = [n for (n,) in conn.execute(sa.select(s.staff.c.name)) if n]
        tickets = conn.execute(
            sa.select(s.tickets.c.ticket_no).where(s.tickets.c.ticket_no.isnot(None))
        ).scalars()
        numbers = {n for n in tickets if len(n) >= 3}
        halls = [n for (n,) in conn.execute(sa.select(s.halls.c.name))]
    engine.dispose()
    assert staff and numbers
    assert all(h in text for h in halls)  # every hall and station of the network
    assert t("pub.col.expected", lang) in text
    leaked = [n for n in staff if n in text] + [n for n in numbers if n in text]
    assert leaked == []
    # nor their masked forms, nor a time of a single ticket: only counts and minutes
    assert "*" not in text
