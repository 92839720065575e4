"""The chart builders (`charts.figures`) assemble each figure from one spec: the target lines
must be exactly what Plotly's own `add_hline`/`add_vline` draw, and every axis keeps its own
settings."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import plotly.graph_objects as go
import pytest

from charts import figures, spark
from charts.theme import TARGET

DAYS = [dt.date(2026, 11, 2) + dt.timedelta(days=d) for d in range(7)]
LINE = {"color": TARGET, "dash": "dash"}


def _marks(fig: go.Figure) -> tuple[list, list]:
    layout = fig.to_dict()["layout"]
    return layout.get("shapes", []), layout.get("annotations", [])


def _plotly_hline(y: float, label: str, width: float) -> tuple[list, list]:
    fig = go.Figure(go.Scatter(x=[1], y=[1]))
    fig.add_hline(
        y=y,
        line=LINE | {"width": width},
        annotation_text=label,
        annotation_position="top right",
        annotation_font_color=TARGET,
    )
    return _marks(fig)


@pytest.mark.parametrize("position", ["top right", "top"])
def test_vertical_target_lines_are_plotlys_own(position: str) -> None:
    expected = go.Figure(go.Bar(x=[1], y=[1]))
    expected.add_vline(
        x=20,
        line=LINE | {"width": 2},
        annotation_text="目标 20 分钟",
        annotation_position=position,
        annotation_font_color=TARGET,
    )
    shape, label = figures._target_line(20, "目标 20 分钟", 2, vertical=True, position=position)
    assert ([shape], [label]) == _marks(expected)


def test_a_trend_target_is_a_dashed_line_with_its_label() -> None:
    fig = figures.trend(DAYS, {"满意率": [0.9] * 7}, "满意率", "rate", 0.95, "目标 95%")
    assert _marks(fig) == _plotly_hline(95.0, "目标 95%", 1.5)
    assert fig.layout.yaxis.ticksuffix == "%"
    assert list(fig.data[0].y) == pytest.approx([90.0] * 7)


def test_a_line_without_a_label_draws_no_annotation() -> None:
    fig = figures.distribution([0, 5, 10], [3, 4, 5], "等待", "分钟", "人数", target=20)
    shapes, annotations = _marks(fig)
    assert len(shapes) == 1 and shapes[0]["x0"] == 20 and annotations == []


def test_the_second_axis_of_grouped_bars_keeps_its_own_title() -> None:
    fig = figures.grouped_bars(
        DAYS,
        {"在岗": [8] * 7, "忙碌": [6] * 7},
        "饱和度",
        y_title="小时",
        line=("饱和度", [0.75] * 7),
        line_title="饱和度 %",
        line_is_rate=True,
    )
    assert fig.layout.yaxis.title.text == "小时"
    assert fig.layout.yaxis2.title.text == "饱和度 %"
    assert fig.layout.yaxis2.ticksuffix == "%"
    assert list(fig.data[2].y) == pytest.approx([75.0] * 7)
    assert fig.layout.showlegend is True and fig.layout.xaxis.type == "date"


def test_a_few_days_get_a_tick_each_and_a_long_period_is_left_to_plotly() -> None:
    """Two days (a Monday and Tuesday of 本周): a tick on each day, not every six hours with
    the same day's label; the same for ISO date strings (the metrics' date groups); 60 days:
    Plotly's own spacing."""
    two = [dt.date(2026, 12, 7), dt.date(2026, 12, 8)]
    fig = figures.trend(two, {"取号量": [2077, 12]}, "取号量与办理量", "count")
    assert fig.layout.xaxis.dtick == figures.DAY_MS and fig.layout.xaxis.tick0 == "2026-12-07"
    assert fig.layout.xaxis.tickformat == "%m-%d" and fig.layout.xaxis.type == "date"
    bars = figures.grouped_bars([d.isoformat() for d in two], {"在岗": [8, 1]}, "饱和度", "小时")
    assert bars.layout.xaxis.dtick == figures.DAY_MS
    sixty = [dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(60)]
    long = figures.trend(sixty, {"取号量": [1] * 60}, "取号量", "count")
    assert long.layout.xaxis.dtick is None and long.layout.xaxis.tickformat == "%m-%d"


def test_one_series_has_no_legend_and_the_title_sits_top_left() -> None:
    fig = figures.bars(["窗口 1", "窗口 2"], [12.0, None], "平均等待", "minutes")
    assert fig.layout.showlegend is False
    assert fig.layout.title.text == "平均等待" and fig.layout.title.x == 0
    assert list(fig.data[0].text) == ["12.0", None]


# --- the tiles' sparklines (charts.spark) ---------------------------------------------------


def _numbers(svg: str, element: str, attribute: str) -> list[float]:
    return [float(v) for v in re.findall(rf'<{element} [^>]*?{attribute}="([-\d.]+)"', svg)]


def test_sparkline_bars_stand_on_zero_and_scale_to_the_highest_day() -> None:
    svg = spark.sparkline([10, 40, 0, 20], bars=True, color="#999999")
    tops, heights = _numbers(svg, "rect", "y"), _numbers(svg, "rect", "height")
    assert len(tops) == 4
    bottoms = {round(top + height, 6) for top, height in zip(tops, heights, strict=True)}
    assert bottoms == {spark.HEIGHT - spark.PAD}  # one baseline: zero
    assert tops[1] == spark.PAD  # the highest day reaches the top
    assert heights[0] == pytest.approx(heights[1] / 4)  # 10 is a quarter of 40
    assert 0 < heights[2] <= 1  # a zero day shows as a sliver, not as nothing
    assert 'fill="#999999"' in svg


def test_sparkline_line_spans_its_range_and_a_flat_series_runs_through_the_middle() -> None:
    svg = spark.sparkline([5.0, 7.5, 10.0], bars=False, color="#009E73")
    points = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
    xs = [float(p.split(",")[0]) for p in points]
    ys = [float(p.split(",")[1]) for p in points]
    assert xs == [0, spark.WIDTH / 2, spark.WIDTH]
    assert ys == [spark.HEIGHT - spark.PAD, spark.HEIGHT / 2, spark.PAD]  # lowest .. highest
    flat = spark.sparkline([3.0, 3.0], bars=False, color="#009E73")
    assert {
        p.split(",")[1] for p in re.search(r'<polyline points="([^"]+)"', flat).group(1).split()
    } == {f"{spark.HEIGHT / 2:.2f}"}
    assert spark.sparkline([1.0], bars=False, color="#000") == ""  # one day is no trend
    assert spark.sparkline([], bars=True, color="#000") == ""


def test_svg_image_carries_the_svg_whole_and_escapes_its_text() -> None:
    svg = spark.sparkline([1, 2, 3], bars=True, color="#0072B2")
    img = spark.svg_image(svg, 'a "quoted" <label>', style="width:100%")
    source = re.search(r'src="data:image/svg\+xml;charset=utf-8,([^"]+)"', img).group(1)
    assert unquote(source) == svg
    assert '"' not in source and "<" not in source  # nothing in it ends the attribute or tag
    assert 'alt="a &quot;quoted&quot; &lt;label&gt;"' in img
