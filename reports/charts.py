"""The report's charts, drawn offline with matplotlib (no browser, no network) as 200 dpi PNG:
sharp in print, and about a second faster to lay out than the same charts as SVG outlines
(the unattended run has a 15 s budget per hall-week).

Colours are the app's (`charts.theme`); Chinese text uses Noto Sans CJK from Debian's
fonts-noto-cjk. Each function takes plain frames and returns the PNG as bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
import polars as pl
from matplotlib import font_manager
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from charts.theme import BAD, LIGHT, NEUTRAL, PALETTE, SEQUENTIAL, TARGET
from i18n.text import t
from metrics.catalog import BY_KEY
from reports.content import weekday_name

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONT_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
FONT_FAMILY = "Noto Sans CJK SC"
WIDTH_IN = 6.9  # the A4 text width at 20 mm margins
BLUE, ORANGE = PALETTE[0], PALETTE[1]


class FontMissing(RuntimeError):
    """Noto Sans CJK is not installed: the report would print boxes instead of Chinese."""


@cache
def register_fonts() -> None:
    """Make Noto Sans CJK known to matplotlib (once per process)."""
    found = [FONT_DIR / name for name in FONT_FILES if (FONT_DIR / name).exists()]
    if not found:
        raise FontMissing(f"Noto Sans CJK not found in {FONT_DIR}: apt-get install fonts-noto-cjk")
    for path in found:
        font_manager.fontManager.addfont(str(path))


STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY, "DejaVu Sans"],
    "font.size": 8.5,
    "axes.titlesize": 9.5,
    "axes.edgecolor": LIGHT["grid"],
    "axes.labelcolor": LIGHT["text"],
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": LIGHT["grid"],
    "grid.linewidth": 0.6,
    "xtick.color": LIGHT["text"],
    "ytick.color": LIGHT["text"],
    "text.color": LIGHT["text"],
    "legend.frameon": False,
    "axes.unicode_minus": False,
}


def _chart(draw):
    """Run a chart function with the CJK font registered and the house style in force (a
    context, so nothing global changes; pyplot is never used, so no backend state either)."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        register_fonts()
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return wrapper


DPI = 200


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.04)
    return buf.getvalue()


def _thousands(ax, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


@_chart
def daily_volumes(this_week: list[tuple[dt.date, int]], last_week: list[int], lang: str) -> bytes:
    """Grouped bars: tickets per weekday, this week beside the week before."""
    fig = Figure(figsize=(WIDTH_IN, 2.5))
    ax = fig.subplots()
    x = np.arange(7)
    width = 0.38
    cur = [n for _, n in this_week]
    ax.bar(x - width / 2, cur, width, color=BLUE, label=t("rep.col.this_week", lang))
    ax.bar(x + width / 2, last_week, width, color="#b8c4cf", label=t("rep.col.last_week", lang))
    for xi, n in zip(x, cur, strict=True):
        if n:
            ax.annotate(
                f"{n:,}",
                (xi - width / 2, n),
                ha="center",
                va="bottom",
                fontsize=7,
                xytext=(0, 1.5),
                textcoords="offset points",
            )
    labels = [
        f"{weekday_name(d, lang)}\n{d.month}-{d.day:02d}"
        if lang == "zh"
        else f"{weekday_name(d, lang)}\n{d.day} {d:%b}"
        for d, _ in this_week
    ]
    ax.set_xticks(x, labels)
    ax.grid(axis="x", visible=False)
    _thousands(ax)
    ax.legend(loc="upper right", ncols=2, fontsize=7.5)
    ax.margins(y=0.15)
    return _png(fig)


@_chart
def heatmap(arrivals: pl.DataFrame, lang: str) -> bytes:
    """Tickets per weekday (rows, Monday on top) and hour (columns), numbers in the cells."""
    hours = list(range(int(arrivals["hour"].min()), int(arrivals["hour"].max()) + 1))
    grid = np.zeros((7, len(hours)), dtype=int)
    per = arrivals.group_by("weekday", "hour").agg(pl.col("n").sum())
    for wd, hour, n in per.iter_rows():
        grid[wd - 1, hours.index(hour)] = n
    cmap = LinearSegmentedColormap.from_list("hallpulse", list(SEQUENTIAL))
    fig = Figure(figsize=(WIDTH_IN, 2.7))
    ax = fig.subplots()
    image = ax.imshow(grid, cmap=cmap, aspect="auto", vmin=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_yticks(range(7), [weekday_name(i, lang) for i in range(1, 8)])
    ax.set_xticks(range(len(hours)), [f"{h}" for h in hours])
    ax.set_xlabel(t("rep.col.hour", lang) + (" (h)" if lang == "en" else "（时）"))
    ax.tick_params(length=0)
    top = grid.max() or 1
    for r in range(7):
        for col in range(len(hours)):
            n = grid[r, col]
            if n:
                ax.text(
                    col,
                    r,
                    f"{n}",
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if n > top * 0.55 else LIGHT["text"],
                )
    bar = fig.colorbar(image, ax=ax, pad=0.01, fraction=0.03)
    bar.outline.set_visible(False)
    bar.ax.tick_params(labelsize=7, length=0)
    return _png(fig)


@_chart
def wait_distribution(waits: pl.DataFrame, target_min: float, bin_min: int, lang: str) -> bytes:
    """Bars per wait bin, blue within the target and orange beyond, the target as a line."""
    fig = Figure(figsize=(WIDTH_IN, 2.4))
    ax = fig.subplots()
    lower = waits["lower_min"].to_numpy()
    counts = waits["n"].to_numpy()
    within = lower + bin_min <= target_min
    ax.bar(
        lower[within],
        counts[within],
        width=bin_min * 0.9,
        align="edge",
        color=BLUE,
        label=t("rep.chart.within", lang, target=f"{target_min:g}"),
    )
    ax.bar(
        lower[~within],
        counts[~within],
        width=bin_min * 0.9,
        align="edge",
        color=ORANGE,
        label=t("rep.chart.beyond", lang, target=f"{target_min:g}"),
    )
    ax.axvline(target_min, color=TARGET, linewidth=1, linestyle="--")
    ax.set_yscale("symlog", linthresh=10)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(t("rep.col.wait_bin", lang))
    ax.set_ylabel(t("rep.col.tickets", lang))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=14))
    ax.set_xlim(0, max(float(lower.max()) + bin_min, target_min + bin_min))
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper right", fontsize=7.5)
    return _png(fig)


@_chart
def satisfaction_trend(
    days: list[dt.date], rates: list[float | None], counts: list[int], target: float, lang: str
) -> bytes:
    """Daily satisfaction (line, left axis, %) over evaluations per day (bars, right axis)."""
    fig = Figure(figsize=(WIDTH_IN, 2.4))
    ax = fig.subplots()
    x = np.arange(len(days))
    right = ax.twinx()
    right.bar(x, counts, width=0.6, color="#dde3e9", zorder=0)
    right.set_ylabel(BY_KEY["count"].label(lang), color=NEUTRAL)
    right.tick_params(colors=NEUTRAL, labelsize=7)
    right.grid(False)
    right.spines["right"].set_visible(True)
    right.spines["right"].set_color(LIGHT["grid"])
    _thousands(right)
    ax.set_zorder(right.get_zorder() + 1)
    ax.patch.set_visible(False)
    values = np.array([np.nan if r is None else r * 100 for r in rates])
    ax.plot(x, values, color=BLUE, marker="o", markersize=3.5, linewidth=1.6)
    for xi, v in zip(x, values, strict=True):
        if not np.isnan(v):
            ax.annotate(
                f"{v:.1f}",
                (xi, v),
                ha="center",
                va="bottom",
                fontsize=6.5,
                xytext=(0, 3),
                textcoords="offset points",
            )
    ax.axhline(
        target * 100,
        color=TARGET,
        linewidth=1,
        linestyle="--",
        label=t("rep.chart.target", lang, v=f"{target:.1%}"),
    )
    ax.legend(loc="lower left", fontsize=7.5)
    finite = values[~np.isnan(values)]
    low = min([*finite, target * 100]) if finite.size else target * 100
    ax.set_ylim(max(0, low - 1.5), 100.4)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.1f}%"))
    ax.set_xticks(
        x,
        [f"{d.month}-{d.day:02d}\n{weekday_name(d, lang)}" for d in days],
        fontsize=7,
    )
    ax.axvline(6.5, color=LIGHT["grid"], linewidth=1)
    ax.grid(axis="x", visible=False)
    return _png(fig)


@_chart
def forecast_bars(frame: pl.DataFrame, lang: str) -> bytes:
    """Expected tickets per day next week, with the interval when the forecast has one."""
    fig = Figure(figsize=(WIDTH_IN, 2.2))
    ax = fig.subplots()
    days = frame["date"].to_list()
    x = np.arange(len(days))
    expected = frame["expected"].to_numpy().astype(float)
    ax.bar(x, expected, width=0.6, color=PALETTE[4])
    if {"lower", "upper"} <= set(frame.columns):
        low = np.maximum(expected - frame["lower"].to_numpy().astype(float), 0)
        high = np.maximum(frame["upper"].to_numpy().astype(float) - expected, 0)
        ax.errorbar(x, expected, yerr=[low, high], fmt="none", ecolor=BAD, capsize=3, lw=1)
    ax.set_xticks(x, [f"{weekday_name(d, lang)}\n{d.month}-{d.day:02d}" for d in days])
    ax.grid(axis="x", visible=False)
    _thousands(ax)
    return _png(fig)
