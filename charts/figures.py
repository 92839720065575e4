"""The dashboard's figures (see the package docstring): trends, heatmaps, distributions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from charts.theme import BAD, GOOD, NEUTRAL, PALETTE, SEQUENTIAL, TARGET, template

HEIGHT = 320


def _layout(fig: go.Figure, title: str | None, height: int = HEIGHT, **layout) -> go.Figure:
    """The template, the title at the top left and the legend on its own line under it."""
    legend = layout.pop("showlegend", True) and len(fig.data) > 1
    top = (34 if title else 10) + (28 if legend else 0)
    fig.update_layout(
        template=template(),
        title={
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
        height=height,
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "yref": "paper"},
        margin={"l": 10, "r": 10, "t": top + 10, "b": 10},
        **layout,
    )
    return fig


def _dates(x: Sequence) -> bool:
    """Dates, or ISO date strings as the metrics' date groups are."""
    first = x[0] if len(x) else None
    if isinstance(first, dt.date):
        return True
    return isinstance(first, str) and len(first) == 10 and first[4] == "-" and first[7] == "-"


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
    fig = go.Figure()
    rate = unit == "rate"
    for i, (name, values) in enumerate(series.items()):
        fig.add_trace(
            go.Scatter(
                x=list(days),
                y=_percent(values) if rate else list(values),
                name=name,
                mode="lines+markers" if len(days) <= 31 else "lines",
                line={"color": PALETTE[i % len(PALETTE)], "width": 2},
                connectgaps=False,
                hovertemplate="%{x|%Y-%m-%d}<br>%{y:,.1f}"
                + ("%" if rate else "")
                + "<extra></extra>",
            )
        )
    if target is not None:
        fig.add_hline(
            y=target * 100 if rate else target,
            line={"color": TARGET, "dash": "dash", "width": 1.5},
            annotation_text=target_label,
            annotation_position="top right",
            annotation_font_color=TARGET,
        )
    fig.update_xaxes(tickformat="%m-%d")
    fig.update_yaxes(ticksuffix="%" if rate else "", rangemode="normal" if rate else "tozero")
    return _layout(fig, title)


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
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            x=[f"{h}{hour_suffix}" for h in hours],
            y=list(weekday_names),
            colorscale=[[i / (len(SEQUENTIAL) - 1), c] for i, c in enumerate(SEQUENTIAL)],
            hoverongaps=False,
            colorbar={"title": {"text": colorbar, "side": "right"}, "thickness": 12},
            hovertemplate="%{y} %{x}<br>%{z:" + number_format + "}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(showgrid=False, type="category")
    return _layout(fig, title, height=300)


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
    fig = go.Figure(
        go.Bar(
            x=list(minutes),
            y=list(counts),
            marker_color=color,
            offset=0,
            width=[(minutes[1] - minutes[0]) if len(minutes) > 1 else 1] * len(minutes),
            hovertemplate="%{x}–<br>%{y:,}<extra></extra>",
        )
    )
    if target is not None:
        fig.add_vline(
            x=target,
            line={"color": TARGET, "dash": "dash", "width": 2},
            annotation_text=target_label,
            annotation_position="top right",
            annotation_font_color=TARGET,
        )
    fig.update_xaxes(title_text=x_title, rangemode="tozero")
    fig.update_yaxes(title_text=y_title)
    return _layout(fig, title, showlegend=False, bargap=0.05)


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
    fig = go.Figure(
        go.Bar(
            x=shown,
            y=list(labels),
            orientation="h",
            marker_color=colors,
            text=[None if v is None else _bar_text(v, unit) for v in shown],
            textposition="auto",
            hovertemplate="%{y}<br>%{x:,.1f}" + ("%" if rate else "") + "<extra></extra>",
        )
    )
    if goal is not None:
        fig.add_vline(
            x=goal,
            line={"color": TARGET, "dash": "dash", "width": 1.5},
            annotation_text=target_label,
            annotation_position="top",
            annotation_font_color=TARGET,
        )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(ticksuffix="%" if rate else "", rangemode="tozero")
    return _layout(fig, title, height=max(HEIGHT, 28 * len(labels) + 90), showlegend=False)


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
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_trace(
            go.Bar(x=list(x), y=list(values), name=name, marker_color=PALETTE[i % len(PALETTE)])
        )
    if line is not None:
        name, values = line
        fig.add_trace(
            go.Scatter(
                x=list(x),
                y=_percent(values) if line_is_rate else list(values),
                name=name,
                yaxis="y2",
                mode="lines+markers",
                line={"color": PALETTE[5], "width": 2},
            )
        )
        fig.update_layout(
            yaxis2={
                "overlaying": "y",
                "side": "right",
                "title": {"text": line_title},
                "ticksuffix": "%" if line_is_rate else "",
                "tickformat": ".0f",
                "rangemode": "tozero",
                "showgrid": False,
            }
        )
    if _dates(x):
        fig.update_xaxes(tickformat="%m-%d", type="date")
    else:
        fig.update_xaxes(type="category")
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    return _layout(fig, title, barmode="group")


def stacked_shares(
    labels: Sequence[str],
    parts: dict[str, Sequence[int]],
    colors: Sequence[str],
    title: str,
) -> go.Figure:
    """100 % horizontal bars: for each label the share of each part (e.g. ratings 1–5 per
    channel), the count in the hover."""
    totals = [sum(v[i] for v in parts.values()) for i in range(len(labels))]
    fig = go.Figure()
    for (name, values), color in zip(parts.items(), colors, strict=True):
        fig.add_trace(
            go.Bar(
                y=list(labels),
                x=[v / n * 100 if n else 0 for v, n in zip(values, totals, strict=True)],
                customdata=list(values),
                name=name,
                orientation="h",
                marker_color=color,
                hovertemplate="%{y} · " + name + "<br>%{x:.1f}% (%{customdata:,})<extra></extra>",
            )
        )
    fig.update_xaxes(ticksuffix="%", range=[0, 100])
    fig.update_yaxes(autorange="reversed", type="category")
    return _layout(fig, title, barmode="stack", height=max(260, 40 * len(labels) + 110))


def two_lines(
    x: Sequence,
    first: tuple[str, Sequence[float]],
    second: tuple[str, Sequence[float]],
    title: str,
    first_axis: str,
    second_axis: str,
) -> go.Figure:
    """Two series on their own y axes over the same x (open windows against people waiting)."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=list(x),
            y=list(first[1]),
            name=first[0],
            line={"color": PALETTE[0], "width": 2, "shape": "hv"},
            hovertemplate="%{x}<br>%{y:.1f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=list(x),
            y=list(second[1]),
            name=second[0],
            yaxis="y2",
            fill="tozeroy",
            line={"color": PALETTE[1], "width": 1.5},
            hovertemplate="%{x}<br>%{y:.1f}<extra></extra>",
        )
    )
    fig.update_layout(
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
    fig.update_xaxes(type="category", nticks=16)
    return _layout(fig, title)


RATING_COLORS = (BAD, "#E69F00", NEUTRAL, "#56B4E9", GOOD)  # ratings 1..5
