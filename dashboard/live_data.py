"""Cached reads of the big screen, keyed by plain values (URL, hall, time).

The live figures are keyed by the second they describe and kept two seconds, so every refresh
reads the database again (a few index-served queries of today) while screens showing the same
hall at the same moment share one read. The month's figures are keyed by a five-minute slot:
they are read once per slot, not on every refresh.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboard.state import engine_for
from metrics import screen
from metrics.live import ScreenSettings, load_screen_settings
from metrics.settings import Settings, load_settings
from queries import live as q

PERIOD_SLOT_MIN = 5


@st.cache_data(ttl=60, show_spinner=False)
def settings() -> tuple[Settings, ScreenSettings]:
    """hallpulse.toml's [metrics] and [screen] (re-read once a minute)."""
    return load_settings(), load_screen_settings()


@st.cache_data(ttl=300, show_spinner=False)
def halls(url: str) -> pl.DataFrame:
    with engine_for(url).connect() as conn:
        return q.hall_list(conn)


@st.cache_data(ttl=2, show_spinner=False, max_entries=32)
def live(url: str, hall_id: str, now: dt.datetime) -> screen.LiveFigures:
    metric_settings, screen_settings = settings()
    with engine_for(url).connect() as conn:
        return screen.live_figures(conn, hall_id, now, metric_settings, screen_settings)


def period_slot(now: dt.datetime) -> dt.datetime:
    """`now` rounded down to the five-minute slot the month's figures are read for."""
    return now.replace(minute=now.minute - now.minute % PERIOD_SLOT_MIN, second=0)


@st.cache_data(ttl=PERIOD_SLOT_MIN * 60 * 2, show_spinner=False, max_entries=16)
def period(url: str, hall_id: str, slot: dt.datetime) -> screen.PeriodFigures:
    metric_settings, screen_settings = settings()
    with engine_for(url).connect() as conn:
        return screen.period_figures(conn, hall_id, slot, metric_settings, screen_settings.rank_key)
