"""One look for every chart: a Plotly template with a CJK font and a colour-blind-safe palette.

No Streamlit here: the weekly report renders the same figures. `apply()` registers the
templates `hallpulse` (light, for pages and print) and `hallpulse_dark` (the big screen);
figure builders call `template(dark)` rather than naming colours themselves.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Okabe–Ito: distinguishable with every common colour-vision deficiency
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # green
    "#CC79A7",  # purple
    "#56B4E9",  # sky
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#999999",  # grey
)
GOOD = "#009E73"
BAD = "#D55E00"
NEUTRAL = "#999999"
TARGET = "#D55E00"  # target lines
# sequential scale for heatmaps (light → dark blue), readable in grey too
SEQUENTIAL = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
SEQUENTIAL_DARK = ("#0b1a2e", "#123d6b", "#1f6fb2", "#56B4E9", "#d6f0ff")

FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"

LIGHT = {"paper": "#ffffff", "plot": "#ffffff", "text": "#1f2933", "grid": "#e4e7eb"}
DARK = {"paper": "#0e1117", "plot": "#0e1117", "text": "#e6edf3", "grid": "#2b3440"}


def _template(colors: dict[str, str], font_size: int) -> go.layout.Template:
    axis = {
        "gridcolor": colors["grid"],
        "linecolor": colors["grid"],
        "zerolinecolor": colors["grid"],
        "tickfont": {"color": colors["text"]},
        "title": {"font": {"color": colors["text"]}},
        "automargin": True,
    }
    return go.layout.Template(
        layout={
            "font": {"family": FONT, "size": font_size, "color": colors["text"]},
            "colorway": list(PALETTE),
            "paper_bgcolor": colors["paper"],
            "plot_bgcolor": colors["plot"],
            "xaxis": axis,
            "yaxis": axis,
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
            "hoverlabel": {"font": {"family": FONT}},
            "separators": ".,",
        }
    )


def apply() -> None:
    """Register the templates (idempotent); `hallpulse` becomes Plotly's default."""
    pio.templates["hallpulse"] = _template(LIGHT, 14)
    pio.templates["hallpulse_dark"] = _template(DARK, 22)
    pio.templates.default = "hallpulse"


def template(dark: bool = False) -> str:
    """The template's name for a figure, registered on first use. Building the two templates
    costs about 8 ms (Plotly validates every property): once per process, not per figure."""
    if "hallpulse" not in pio.templates or "hallpulse_dark" not in pio.templates:
        apply()
    return "hallpulse_dark" if dark else "hallpulse"
