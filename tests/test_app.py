"""The Streamlit app without a browser: AppTest runs streamlit_app.py against small databases.

Nothing here depends on the wall clock: the demo database ends "today", but the assertions are
about counts, labels and messages, never about which hall is open or fresh right now.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import streamlit as st
from conftest import first_run_on
from streamlit.testing.v1 import AppTest

from i18n.text import t
from queries.db import URL_ENV, init_schema, make_engine

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
HALLS = 7  # the demo network: 1 district centre, 2 street centres, 4 community stations


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def clear_caches() -> None:
    """st.cache_data / st.cache_resource survive between AppTest runs in one process."""
    st.cache_data.clear()
    st.cache_resource.clear()


def run_app(monkeypatch: pytest.MonkeyPatch, url: str, lang: str | None = None) -> AppTest:
    monkeypatch.setenv(URL_ENV, url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    if lang:
        at.query_params["lang"] = lang
    first_run_on(at, "data_overview").run(timeout=60)
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_data_overview_zh(monkeypatch: pytest.MonkeyPatch, demo_db: tuple[str, int]) -> None:
    url, tickets = demo_db
    at = run_app(monkeypatch, url)

    assert [title.value for title in at.title] == ["数据概况"]
    assert any("演示数据" in info.body for info in at.info)

    metrics = {m.label: m.value for m in at.metric}
    assert metrics["取号记录"] == f"{tickets:,}"
    assert metrics["大厅"] == str(HALLS)

    per_hall = at.dataframe[0].value
    assert len(per_hall) == HALLS
    assert per_hall["大厅编号"].is_unique
    assert "示范区政务服务中心" in set(per_hall["大厅"])
    assert int(per_hall["取号叫号"].sum()) == tickets


def test_data_overview_en(monkeypatch: pytest.MonkeyPatch, demo_db: tuple[str, int]) -> None:
    url, tickets = demo_db
    at = run_app(monkeypatch, url, lang="en")

    assert [title.value for title in at.title] == ["Data overview"]
    assert any("Demo data" in info.body for info in at.info)
    assert {m.label: m.value for m in at.metric}["Tickets"] == f"{tickets:,}"


def test_empty_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`hall db init`: every table exists, none holds a row."""
    url = sqlite_url(tmp_path / "empty.db")
    engine = make_engine(url)
    init_schema(engine)
    engine.dispose()

    at = run_app(monkeypatch, url)

    assert [info.body for info in at.info] == [t("data.empty", "zh")]
    assert not at.warning
    assert not at.metric
    assert not at.dataframe


def test_database_without_schema(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "bare.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table unrelated (x integer)")
    conn.close()

    at = run_app(monkeypatch, sqlite_url(path))

    assert [warning.body for warning in at.warning] == [t("data.no_schema", "zh")]
    assert not at.info
    assert not at.metric
    assert not at.dataframe
