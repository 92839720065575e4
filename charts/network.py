"""The network page's figures: the 区-街道-社区 tree as a sunburst, and each level's share of
demand as bars. Frames in (see `metrics.network`), `go.Figure` out; texts come translated."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from charts.figures import figure
from charts.theme import PALETTE


def tree_sunburst(rolled: pl.DataFrame, labels: dict[str, str], title: str) -> go.Figure:
    """The tree from `metrics.network.rolled_up`: each hall a sector sized by the tickets of
    its subtree (`branchvalues="total"`), its hover the subtree's mean wait and satisfaction.
    `labels` maps hall_id to the text to show."""
    ids = rolled["hall_id"].to_list()
    known = set(ids)
    parents = [p if p in known else "" for p in rolled["parent_hall_id"].to_list()]
    waits = rolled["wait_mean_min"].to_list()
    sats = rolled["satisfaction_rate"].to_list()
    hover = [
        f"{labels.get(h, h)}<br>{n:,} · {'—' if w is None else f'{w:.1f} min'} · "
        f"{'—' if s is None else f'{s:.1%}'}"
        for h, n, w, s in zip(ids, rolled["issued"].to_list(), waits, sats, strict=True)
    ]
    sunburst = {
        "type": "sunburst",
        "ids": ids,
        "labels": [labels.get(h, h) for h in ids],
        "parents": parents,
        "values": [max(int(v or 0), 0) for v in rolled["issued"].to_list()],
        "branchvalues": "total",
        "hovertext": hover,
        "hoverinfo": "text",
        "insidetextorientation": "horizontal",
        "marker": {"colors": [PALETTE[d % len(PALETTE)] for d in rolled["depth"].to_list()]},
    }
    return figure([sunburst], title, height=420, showlegend=False)


def level_share_bars(
    shares: pl.DataFrame, level_labels: dict[str, str], series: dict[str, str], title: str
) -> go.Figure:
    """Horizontal bars, one group per measure (`series`: column → label, e.g. ticket_share,
    case_share), one bar per level: the share of that measure each level carries."""
    traces = []
    for i, level in enumerate(shares["level"].to_list()):
        row = shares.row(i, named=True)
        traces.append(
            {
                "type": "bar",
                "name": level_labels.get(level, level),
                "y": list(series.values()),
                "x": [row[c] or 0.0 for c in series],
                "orientation": "h",
                "marker": {"color": PALETTE[i % len(PALETTE)]},
                "text": [f"{(row[c] or 0.0):.0%}" for c in series],
                "textposition": "inside",
            }
        )
    return figure(
        traces, title, height=240, xaxis={"tickformat": ".0%", "range": [0, 1]}, barmode="stack"
    )
