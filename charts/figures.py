"""The dashboard's figures (see the package docstring): trends, heatmaps, distributions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from charts.theme import BAD, GOOD, NEUTRAL, PALETTE, SEQUENTIAL, TARGET, template

HEIGHT = 320


def figure(
    traces: list[dict],
    title: str | None,
    height: int = HEIGHT,
    *,
    xaxis: dict | None = None,
    yaxis: dict | None = None,
    marks: Sequence[tuple[dict, dict | None]] = (),
    showlegend: bool = True,
    **layout,
) -> go.Figure:
    """The figure from its traces and layout in one construction: the template, the title at
    the top left and the legend on its own line under it, and `marks` (target lines, each a
    shape and its label). Plotly validates every property each time a figure is updated, so
    building it from one spec costs a fifth of `add_trace`/`update_layout` calls (about 3 ms
    against 15 ms a figure), which matters when twenty screens and ten analysts open at once."""
    legend = showlegend and len(traces) > 1
    top = (34 if title else 10) + (28 if legend else 0)
    spec = {
        "template": template(),
        "title": {
            "text": title,
            "x": 0,
            "xref": "paper",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 8},
            "font": {"size": 15},
        }
        if title
        else None,
        "height": height,
        "showlegend": legend,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "yref": "paper"},
        "margin": {"l": 10, "r": 10, "t": top + 10, "b": 10},
        "xaxis": xaxis or {},
        "yaxis": yaxis or {},
        **layout,
    }
    if marks:
        spec["shapes"] = [shape for shape, _ in marks]
        spec["annotations"] = [label for _, label in marks if label is not None]
    return go.Figure({"data": traces, "layout": spec})


def _target_line(
    value: float, label: str | None, width: float, *, vertical: bool, position: str = "top right"
) -> tuple[dict, dict | None]:
    """A dashed target line across the plot and its label, as Plotly's `add_hline` and
    `add_vline` draw them (same shape, same label placement)."""
    line = {"color": TARGET, "dash": "dash", "width": width}
    if vertical:
        shape = {"type": "line", "xref": "x", "x0": value, "x1": value}
        shape |= {"yref": "y domain", "y0": 0, "y1": 1, "line": line}
        anchor = {"top right": ("left", "top"), "top": ("center", "bottom")}[position]
        where = {"x": value, "xref": "x", "y": 1, "yref": "y domain"}
    else:
        shape = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1}
        shape |= {"yref": "y", "y0": value, "y1": value, "line": line}
        anchor = ("right", "bottom")
        where = {"x": 1, "xref": "x domain", "y": value, "yref": "y"}
    if label is None:
        return shape, None
    text = {"text": label, "showarrow": False, "font": {"color": TARGET}}
    return shape, text | where | {"xanchor": anchor[0], "yanchor": anchor[1]}


def _dates(x: Sequence) -> bool:
    """Dates, or ISO date strings as the metrics' date groups are."""
    first = x[0] if len(x) else None
    if isinstance(first, dt.date):
        return True
    return isinstance(first, str) and len(first) == 10 and first[4] == "-" and first[7] == "-"


DAY_MS = 86_400_000
FEW_DAYS = 14  # up to this many days, a tick on each


def day_axis(days: Sequence) -> dict:
    """A date axis labelled by day. For a few days, one tick on each: left to itself Plotly
    ticks a short range every few hours, and a week's first two days read 12-07 12-07 12-07
    12-07 12-08."""
    axis: dict = {"tickformat": "%m-%d", "type": "date"}
    distinct = sorted({str(d)[:10] for d in days})
    if 0 < len(distinct) <= FEW_DAYS:
        axis |= {"tick0": distinct[0], "dtick": DAY_MS}
    return axis


def _percent(values: Sequence[float | None]) -> list[float | None]:
    return [None if v is None else v * 100 for v in values]


def trend(
    days: Sequence[dt.date],
    series: dict[str, Sequence[float | None]],
    title: str,
    unit: str,
    target: float | None = None,
    target_label: str | None = None,
    before: dict[str, Sequence[float | None]] | None = None,
) -> go.Figure:
    """Daily lines, one per named series; `unit` "rate" plots percentages. An optional target
    is a dashed horizontal line."""
    rate = unit == "rate"
    traces = [
        {
            "type": "scatter",
            "x": list(days),
            "y": _percent(values) if rate else list(values),
            "name": name,
            "mode": "lines+markers" if len(days) <= 31 else "lines",
            "line": {"color": PALETTE[i % len(PALETTE)], "width": 2},
            "connectgaps": False,
            "hovertemplate": "%{x|%Y-%m-%d}<br>%{y:,.1f}"
            + ("%" if rate else "")
            + "<extra></extra>",
        }
        for i, (name, values) in enumerate(series.items())
    ]
    marks = []
    if target is not None:
        goal = target * 100 if rate else target
        marks.append(_target_line(goal, target_label, 1.5, vertical=False))
    return figure(
        traces,
        title,
        xaxis=day_axis(days),
        yaxis={"ticksuffix": "%" if rate else "", "rangemode": "normal" if rate else "tozero"},
        marks=marks,
    )


def heatmap(
    frame: pl.DataFrame,
    value: str,
    title: str,
    weekday_names: Sequence[str],
    hour_suffix: str,
    colorbar: str,
    number_format: str = ",.1f",
) -> go.Figure:
    """Weekday (rows, Monday on top) × hour (columns) of `value` from
    `metrics.drilldown.weekday_hour`; hours without tickets stay blank."""
    hours = (
        list(range(int(frame["hour"].min()), int(frame["hour"].max()) + 1)) if frame.height else []
    )
    grid = [[None] * len(hours) for _ in range(7)]
    for r in frame.iter_rows(named=True):
        grid[r["weekday"] - 1][r["hour"] - hours[0]] = r[value]
    trace = {
        "type": "heatmap",
        "z": grid,
        "x": [f"{h}{hour_suffix}" for h in hours],
        "y": list(weekday_names),
        "colorscale": [[i / (len(SEQUENTIAL) - 1), c] for i, c in enumerate(SEQUENTIAL)],
        "hoverongaps": False,
        "colorbar": {"title": {"text": colorbar, "side": "right"}, "thickness": 12},
        "hovertemplate": "%{y} %{x}<br>%{z:" + number_format + "}<extra></extra>",
        "xgap": 1,
        "ygap": 1,
    }
    return figure(
        [trace],
        title,
        height=300,
        xaxis={"showgrid": False, "type": "category"},
        yaxis={"autorange": "reversed", "showgrid": False},
    )


def distribution(
    minutes: Sequence[float],
    counts: Sequence[int],
    title: str,
    x_title: str,
    y_title: str,
    target: float | None = None,
    target_label: str | None = None,
    color: str = PALETTE[0],
) -> go.Figure:
    """A histogram already binned (bin start in minutes → count), with an optional vertical
    target line."""
    trace = {
        "type": "bar",
        "x": list(minutes),
        "y": list(counts),
        "marker": {"color": color},
        "offset": 0,
        "width": [(minutes[1] - minutes[0]) if len(minutes) > 1 else 1] * len(minutes),
        "hovertemplate": "%{x}–<br>%{y:,}<extra></extra>",
    }
    marks = [] if target is None else [_target_line(target, target_label, 2, vertical=True)]
    return figure(
        [trace],
        title,
        xaxis={"title": {"text": x_title}, "rangemode": "tozero"},
        yaxis={"title": {"text": y_title}},
        marks=marks,
        showlegend=False,
        bargap=0.05,
    )


def _bar_text(value: float, unit: str) -> str:
    if unit == "rate":
        return f"{value:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    title: str,
    unit: str,
    target: float | None = None,
    target_label: str | None = None,
    good_when_above: bool | None = None,
) -> go.Figure:
    """Horizontal bars, one per label (top to bottom in the given order). With a target and a
    direction, bars on the good side are green, the others orange-red."""
    rate = unit == "rate"
    shown = _percent(values) if rate else list(values)
    goal = None if target is None else (target * 100 if rate else target)
    colors = []
    for v in shown:
        if goal is None or good_when_above is None or v is None:
            colors.append(PALETTE[0])
        else:
            colors.append(GOOD if (v >= goal) == good_when_above else BAD)
    trace = {
        "type": "bar",
        "x": shown,
        "y": list(labels),
        "orientation": "h",
        "marker": {"color": colors},
        "text": [None if v is None else _bar_text(v, unit) for v in shown],
        "textposition": "auto",
        "hovertemplate": "%{y}<br>%{x:,.1f}" + ("%" if rate else "") + "<extra></extra>",
    }
    marks = []
    if goal is not None:
        marks.append(_target_line(goal, target_label, 1.5, vertical=True, position="top"))
    return figure(
        [trace],
        title,
        height=max(HEIGHT, 28 * len(labels) + 90),
        xaxis={"ticksuffix": "%" if rate else "", "rangemode": "tozero"},
        yaxis={"autorange": "reversed", "type": "category"},
        marks=marks,
        showlegend=False,
    )


def grouped_bars(
    x: Sequence,
    series: dict[str, Sequence[float | None]],
    title: str,
    x_title: str | None = None,
    y_title: str | None = None,
    line: tuple[str, Sequence[float | None]] | None = None,
    line_title: str | None = None,
    line_is_rate: bool = False,
) -> go.Figure:
    """Vertical bars per x, one colour per series side by side; an optional line on a second
    axis (e.g. utilization over staffed and busy hours)."""
    traces = [
        {
            "type": "bar",
            "x": list(x),
            "y": list(values),
            "name": name,
            "marker": {"color": PALETTE[i % len(PALETTE)]},
        }
        for i, (name, values) in enumerate(series.items())
    ]
    layout = {}
    if line is not None:
        name, values = line
        traces.append(
            {
                "type": "scatter",
                "x": list(x),
                "y": _percent(values) if line_is_rate else list(values),
                "name": name,
                "yaxis": "y2",
                "mode": "lines+markers",
                "line": {"color": PALETTE[5], "width": 2},
            }
        )
        layout["yaxis2"] = {
            "overlaying": "y",
            "side": "right",
            "title": {"text": line_title},
            "ticksuffix": "%" if line_is_rate else "",
            "tickformat": ".0f",
            "rangemode": "tozero",
            "showgrid": False,
        }
    xaxis = day_axis(x) if _dates(x) else {"type": "category"}
    return figure(
        traces,
        title,
        xaxis=xaxis | {"title": {"text": x_title}},
        yaxis={"title": {"text": y_title}, "rangemode": "tozero"},
        barmode="group",
        **layout,
    )


def stacked_shares(
    labels: Sequence[str],
    parts: dict[str, Sequence[int]],
    colors: Sequence[str],
    title: str,
) -> go.Figure:
    """100 % horizontal bars: for each label the share of each part (e.g. ratings 1–5 per
    channel), the count in the hover."""
    totals = [sum(v[i] for v in parts.values()) for i in range(len(labels))]
    traces = [
        {
            "type": "bar",
            "y": list(labels),
            "x": [v / n * 100 if n else 0 for v, n in zip(values, totals, strict=True)],
            "customdata": list(values),
            "name": name,
            "orientation": "h",
            "marker": {"color": color},
            "hovertemplate": "%{y} · " + name + "<br>%{x:.1f}% (%{customdata:,})<extra></extra>",
        }
        for (name, values), color in zip(parts.items(), colors, strict=True)
    ]
    return figure(
        traces,
        title,
        height=max(260, 40 * len(labels) + 110),
        xaxis={"ticksuffix": "%", "range": [0, 100]},
        yaxis={"autorange": "reversed", "type": "category"},
        barmode="stack",
    )


def two_lines(
    x: Sequence,
    first: tuple[str, Sequence[float]],
    second: tuple[str, Sequence[float]],
    title: str,
    first_axis: str,
    second_axis: str,
) -> go.Figure:
    """Two series on their own y axes over the same x (open windows against people waiting)."""
    traces = [
        {
            "type": "scatter",
            "x": list(x),
            "y": list(first[1]),
            "name": first[0],
            "line": {"color": PALETTE[0], "width": 2, "shape": "hv"},
            "hovertemplate": "%{x}<br>%{y:.1f}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": list(x),
            "y": list(second[1]),
            "name": second[0],
            "yaxis": "y2",
            "fill": "tozeroy",
            "line": {"color": PALETTE[1], "width": 1.5},
            "hovertemplate": "%{x}<br>%{y:.1f}<extra></extra>",
        },
    ]
    return figure(
        traces,
        title,
        xaxis={"type": "category", "nticks": 16},
        yaxis={"title": {"text": first_axis}, "rangemode": "tozero", "tickformat": ".0f"},
        yaxis2={
            "title": {"text": second_axis},
            "tickformat": ".0f",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
        },
    )


RATING_COLORS = (BAD, "#E69F00", NEUTRAL, "#56B4E9", GOOD)  # ratings 1..5
