"""Figures of the 预测与排班 page: plain functions returning `go.Figure` (no Streamlit here)."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from charts.theme import BAD, PALETTE, template
from i18n.text import t

BAND = "rgba(0, 114, 178, 0.18)"  # the forecast's blue, translucent


def demand_figure(history: pl.DataFrame, daily: pl.DataFrame, lang: str) -> go.Figure:
    """Tickets per day: the recent past as dots, the forecast as a line in its 80% band.

    `history`: date, arrivals; `daily`: date, open, yhat, yhat_lower, yhat_upper.
    """
    future = daily.filter(pl.col("open"))
    fig = go.Figure(layout={"template": template()})
    fig.add_trace(
        go.Scatter(
            x=future["date"].to_list() + future["date"].reverse().to_list(),
            y=future["yhat_upper"].to_list() + future["yhat_lower"].reverse().to_list(),
            fill="toself",
            fillcolor=BAND,
            line={"width": 0},
            hoverinfo="skip",
            name=t("fc.band", lang),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=history["date"],
            y=history["arrivals"],
            mode="markers",
            marker={"color": PALETTE[7], "size": 6},
            name=t("fc.actual", lang),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=future["date"],
            y=future["yhat"],
            mode="lines+markers",
            line={"color": PALETTE[0], "width": 2},
            name=t("fc.forecast", lang),
        )
    )
    fig.update_layout(
        height=360,
        yaxis_title=t("fc.tickets_per_day", lang),
        hovermode="x unified",
    )
    return fig


def day_figure(plan: pl.DataFrame, lang: str) -> go.Figure:
    """One day by half-hour: forecast arrivals (bars), windows recommended and rostered
    (lines, right axis); extended-hours slots shaded."""
    fig = go.Figure(layout={"template": template()})
    top = max(plan["staff_needed"].max() or 0, plan["windows_rostered"].max() or 0, 1)
    labels = plan["start"].dt.strftime("%H:%M").to_list()
    extended = plan["kind"].to_list()
    fig.add_trace(
        go.Bar(
            x=labels,
            y=plan["arrivals"],
            marker_color=[PALETTE[4] if k == "extended" else PALETTE[0] for k in extended],
            name=t("fc.arrivals", lang),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=plan["staff_needed"],
            mode="lines+markers",
            line={"color": PALETTE[2], "width": 2, "shape": "hv"},
            name=t("fc.staff_needed", lang),
            yaxis="y2",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=plan["windows_rostered"],
            mode="lines",
            line={"color": BAD, "width": 2, "dash": "dot", "shape": "hv"},
            name=t("fc.rostered", lang),
            yaxis="y2",
        )
    )
    fig.update_layout(
        height=340,
        yaxis={"title": t("fc.arrivals_per_slot", lang)},
        yaxis2={
            "title": t("fc.windows", lang),
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "dtick": max(1, math.ceil(top / 6)),  # whole windows
            "showgrid": False,
        },
        bargap=0.15,
    )
    return fig


def review_figure(frame: pl.DataFrame, lang: str) -> go.Figure:
    """计划与实际: per past half-hour, the service level the model predicted from the actual
    arrivals and open windows (line) against the observed one (dots); under-staffed
    half-hours marked in red, over-staffed in orange."""
    fig = go.Figure(layout={"template": template()})
    labels = frame["start"].dt.strftime("%m-%d %H:%M").to_list()
    flags = frame["flag"].to_list() if "flag" in frame.columns else ["ok"] * frame.height
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=frame["predicted_service_level"],
            mode="lines",
            line={"color": PALETTE[0], "width": 2},
            name=t("fc.rev.predicted", lang),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=frame["observed_service_level"],
            mode="markers",
            marker={
                "size": 7,
                "color": [
                    BAD if f == "under" else PALETTE[4] if f == "over" else PALETTE[7]
                    for f in flags
                ],
            },
            name=t("fc.rev.observed", lang),
        )
    )
    fig.update_layout(
        height=340,
        yaxis={"title": t("fc.rev.sl", lang), "tickformat": ".0%", "range": [0, 1.05]},
        xaxis={"type": "category", "nticks": 14},
        hovermode="x unified",
    )
    return fig


def tradeoff_figure(options: pl.DataFrame, lang: str) -> go.Figure:
    """Staff-hours of the extended hours against the expected service level: the plan with
    one window more or fewer in every extended half-hour, and today's roster."""
    fig = go.Figure(layout={"template": template()})
    plan = options.filter(pl.col("option") == "plan").sort("delta")
    fig.add_trace(
        go.Scatter(
            x=plan["staff_hours"],
            y=plan["service_level"],
            mode="lines+markers+text",
            text=[t("fc.trade.delta", lang, d=d) for d in plan["delta"]],
            textposition="top left",
            line={"color": PALETTE[0], "width": 2},
            name=t("fc.trade.plan", lang),
        )
    )
    roster = options.filter(pl.col("option") == "roster")
    if roster.height:
        fig.add_trace(
            go.Scatter(
                x=roster["staff_hours"],
                y=roster["service_level"],
                mode="markers",
                marker={"color": BAD, "size": 12, "symbol": "diamond"},
                name=t("fc.trade.roster", lang),
            )
        )
    fig.update_layout(
        height=340,
        xaxis_title=t("fc.trade.hours", lang),
        yaxis={"title": t("fc.rev.sl", lang), "tickformat": ".0%"},
    )
    return fig
