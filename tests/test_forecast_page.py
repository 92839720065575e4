"""The 预测与排班 page without a browser (AppTest), on the synthetic hall of test_forecast."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from conftest import first_run_on
from streamlit.testing.v1 import AppTest
from test_forecast import HALL, synthetic_hall

from forecasting.erlang import erlang_c
from queries.db import URL_ENV, make_engine

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"


@pytest.fixture(autouse=True, scope="module")
def clear_caches() -> None:
    """Once per module: the tests here share one database and may share its cached plan."""
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def hall_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('fc') / 'hall.db'}"
    engine = make_engine(url)
    synthetic_hall(engine)
    engine.dispose()
    return url


def open_page(monkeypatch: pytest.MonkeyPatch, url: str, **params: str) -> AppTest:
    monkeypatch.setenv(URL_ENV, url)
    at = AppTest.from_file(str(APP), default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    first_run_on(at, "forecast").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_forecast_page_zh(monkeypatch: pytest.MonkeyPatch, hall_url: str) -> None:
    at = open_page(monkeypatch, hall_url, hall=HALL)
    assert [title.value for title in at.title] == ["预测与排班"]
    assert at.query_params["hall"] == HALL
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["未来 7 天取号量"].replace(",", "")) > 900  # 5 weekdays ~200 + Saturday
    assert metrics["延时服务所需工时"].endswith(" h")
    pooled = float(metrics["综合窗口所需窗口工时"].removesuffix(" h").replace(",", ""))
    dedicated = float(metrics["专窗所需窗口工时"].removesuffix(" h").replace(",", ""))
    assert 0 < pooled <= dedicated  # the two queues pooled need no more window time
    assert metrics["综合窗口仿真服务水平"].endswith("%")
    table = at.dataframe[1].value
    assert len(table) > 0
    assert {code for cell in table["判断"] for code in cell} <= {"under", "over", "ok"}
    assert set(table["排班来源"]) <= {"已排", "惯例"}
    assert (table["建议窗口"] >= 1).all()
    assert any(c.value.startswith("预测模型按本序列的滚动回测选择") for c in at.caption)
    models = at.dataframe[0].value
    assert models["相对上周同日"].min() <= 1.0
    charts = at.get("plotly_chart")
    assert len(charts) == 4  # demand, staff-hours trade-off, one day, plan vs actual
    spec = json.loads(charts[0].proto.spec)
    names = [trace.get("name") for trace in spec["data"]]
    assert names == ["80% 预测区间", "实际", "预测"]
    band = spec["data"][0]
    assert band["fill"] == "toself" and len(band["x"]) == len(band["y"]) > 0
    roster = at.dataframe[2].value  # the extended-hours roster proposal
    assert {"所需人数", "建议人员", "缺口"} <= set(roster.columns)
    assert len(roster) > 0 and (roster["所需人数"] >= 1).all()
    groups = at.dataframe[3].value  # windows per queue group on the chosen day
    assert list(groups.columns) == ["时段", "综合受理、社保 (6)"]
    assert (groups["综合受理、社保 (6)"] >= 1).all()
    trade = json.loads(charts[1].proto.spec)
    assert [trace["name"] for trace in trade["data"]] == ["建议 ± 窗口", "现有排班"]
    levels = trade["data"][0]["y"]
    if isinstance(levels, dict):  # plotly's binary encoding of a numeric array
        levels = np.frombuffer(base64.b64decode(levels["bdata"]), levels["dtype"]).tolist()
    assert levels == sorted(levels)  # one more window never lowers the service level
    assert trade["data"][0]["text"][2] == "+0 窗口"


def test_plan_vs_actual(monkeypatch: pytest.MonkeyPatch, hall_url: str) -> None:
    """计划与实际: the last complete week replayed; the model's and the observed service level
    per half-hour; under- and over-staffed half-hours counted and listed."""
    at = open_page(monkeypatch, hall_url, hall=HALL)
    assert "计划与实际" in [h.value for h in at.subheader]
    week = next(s for s in at.selectbox if s.label == "回看周")
    assert week.value.isoformat() == "2026-05-04"  # the week before the last ticket's
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["预测与实际相差 ±5 个百分点以内"].endswith("%")
    assert metrics["实际服务水平"].endswith("%")
    under = int(metrics["人手不足的半小时"])
    over = int(metrics["人手富余的半小时"])
    spec = json.loads(at.get("plotly_chart")[3].proto.spec)
    assert [trace["name"] for trace in spec["data"]] == ["模型预测", "实际"]
    half_hours = len(spec["data"][0]["x"])
    assert half_hours > 50  # a week of 9:00–20:00 weekdays and a Saturday morning
    assert any("个有窗口开放的半小时" in c.value for c in at.caption)
    if under + over:
        listed = at.dataframe[-1].value
        assert len(listed) == under + over
        assert {code for cell in listed["判断"] for code in cell} <= {"under", "over"}


def test_forecast_page_en(monkeypatch: pytest.MonkeyPatch, hall_url: str) -> None:
    at = open_page(monkeypatch, hall_url, lang="en")
    assert [title.value for title in at.title] == ["Forecast & staffing"]
    table = at.dataframe[1].value
    assert {"Forecast", "Windows", "Rostered", "Verdict"} <= set(table.columns)
    assert at.query_params["hall"] == HALL  # the only hall is chosen and put in the URL


def test_what_if_calculator(monkeypatch: pytest.MonkeyPatch, hall_url: str) -> None:
    at = open_page(monkeypatch, hall_url, hall=HALL)
    inputs = {n.label: n for n in at.number_input}
    inputs["每小时取号量"].set_value(200.0)
    inputs["平均办理时长（分钟）"].set_value(3.0)
    inputs["窗口数"].set_value(14)
    inputs["等候目标（分钟）"].set_value(1.0)
    inputs["平均耐心（分钟，0 = 不考虑放弃，Erlang C）"].set_value(0.0)
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    expected = erlang_c(200 / 60, 3.0, 14, 1.0)
    assert metrics["服务水平"] == f"{expected.service_level:.1%}"
    assert metrics["窗口占用率"] == "71.4%"
    assert metrics["放弃比例"] == "0.0%"


def test_too_little_history(monkeypatch: pytest.MonkeyPatch, demo_db: tuple[str, int]) -> None:
    """Two weeks of demo data: too short for a model to beat the baseline; the page says so,
    forecasts with the same weekday last week and keeps the calculator."""
    url, _ = demo_db
    at = open_page(monkeypatch, url, hall="H01")
    assert any("不足以让模型胜过基线" in c.value for c in at.caption)
    assert any("上周同日" in c.value for c in at.caption)
    assert len(at.number_input) == 5


def test_forecast_page_shows_days_past_closing(monkeypatch: pytest.MonkeyPatch, hall_url: str):
    """延时办 in the plan's history: the page's figures are `after_close_pattern` of `compute`
    by date over the weeks shown (two by default), up to the last ticket."""
    import datetime as dt

    from access.scope import Scope
    from forecasting.service import last_ticket
    from metrics.after_close import after_close_pattern
    from metrics.catalog import BY_KEY
    from metrics.figures import compute
    from metrics.settings import load_settings
    from queries.metric_queries import Filters

    at = open_page(monkeypatch, hall_url, hall=HALL)
    metrics = {m.label: m.value for m in at.metric}
    engine = make_engine(hall_url)
    with engine.connect() as conn:
        last = last_ticket(conn, scope=Scope.everything()).date()
        first = last - dt.timedelta(days=13)
        period = Filters(
            first, last, dt.datetime.combine(last, dt.time(23, 59, 59)), {"hall": HALL}
        )
        groups = compute(
            conn, period, load_settings(), "date", ("tickets",), scope=Scope.everything()
        )
    engine.dispose()
    pattern = after_close_pattern(groups["groups"])
    assert pattern.days_served > 0
    assert metrics["闭厅后办理天数 / 有办理天数"] == f"{pattern.days_after} / {pattern.days_served}"
    assert metrics[BY_KEY["after_close_served"].zh] == f"{pattern.served_after:,}"
