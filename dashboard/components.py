"""Small pieces every page uses: the demo-data banner."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from i18n.text import t


def demo_banner(url: str, lang: str) -> None:
    """Say plainly when the numbers on the page come from the simulated demo network."""
    info = data.meta(url)
    if "demo_seed" in info:
        st.info(
            t(
                "demo.banner",
                lang,
                seed=info["demo_seed"],
                days=info.get("demo_days", "?"),
                end=info.get("demo_end", "?"),
            ),
            icon=":material/science:",
        )
