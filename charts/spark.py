"""Small SVG charts that need no chart library in the browser: a KPI tile's sparkline, and
the `<img>` that carries any SVG into a page.

A tile's trend is a few dozen numbers. Drawn by Streamlit's own metric chart it made every
page with tiles load vega-embed (about a megabyte of script) before its first tile showed: on
总览 that put the tiles behind Plotly's chunk, 4.1–4.2 s after the request instead of 2.8 s
in one Chromium page (2026-12-08). An SVG image is drawn by the browser as it arrives.

No Streamlit here: the functions return strings (`dashboard.widgets` and the big screen put
them into pages).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import quote

# the drawing's own units; the image is stretched to the tile's width (preserveAspectRatio)
WIDTH = 240
HEIGHT = 48
PAD = 3  # room for the line's width at the top and bottom
BAR_SHARE = 0.7  # of each day's band


def _scale(values: Sequence[float], floor: float | None) -> tuple[float, float]:
    """(low, high) of the y axis: from `floor` (bars stand on zero) or the lowest value; a flat
    series gets a span of one so it is drawn across the middle."""
    low = min(values) if floor is None else min(floor, min(values))
    high = max(values)
    if high - low < 1e-12:
        return low - 0.5, high + 0.5
    return low, high


def sparkline(values: Sequence[float], *, bars: bool, color: str) -> str:
    """The SVG of a day-by-day trend: bars from zero (counts) or a line with a light area
    beneath (rates, minutes). `values` are the days in order, None left out by the caller.
    Fewer than two values draw nothing (an empty string)."""
    if len(values) < 2:
        return ""
    low, high = _scale(values, 0.0 if bars else None)
    inner = HEIGHT - 2 * PAD

    def y(value: float) -> float:
        return PAD + inner * (1 - (value - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" preserveAspectRatio="none">'
    ]
    if bars:
        band = WIDTH / len(values)
        width = band * BAR_SHARE
        base = y(max(low, 0.0))
        for i, value in enumerate(values):
            top = min(y(value), base - 1)  # a zero day still shows as a sliver
            parts.append(
                f'<rect x="{band * i + (band - width) / 2:.2f}" y="{top:.2f}" '
                f'width="{width:.2f}" height="{base - top:.2f}" fill="{color}"/>'
            )
    else:
        step = WIDTH / (len(values) - 1)
        points = " ".join(f"{step * i:.2f},{y(v):.2f}" for i, v in enumerate(values))
        parts.append(
            f'<polygon points="0,{HEIGHT} {points} {WIDTH},{HEIGHT}" fill="{color}" '
            'fill-opacity="0.12"/>'
            f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2" '
            'stroke-linejoin="round" vector-effect="non-scaling-stroke"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_image(svg: str, alt: str, *, css_class: str = "", style: str = "") -> str:
    """An `<img>` whose source is the SVG itself (a data URL): Streamlit's st.html keeps no
    inline `<svg>` (its sanitiser allows HTML only), and an image is one element to lay out."""
    attributes = [f'class="{css_class}"'] if css_class else []
    attributes.append(f'alt="{escape(alt)}"')
    if style:
        attributes.append(f'style="{style}"')
    source = quote(svg, safe="=',:/()")
    return f'<img {" ".join(attributes)} src="data:image/svg+xml;charset=utf-8,{source}">'
