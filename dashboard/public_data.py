"""The public page's reads: a database engine of its own (so a busy analysis page's
connections never hold it up) and one read per 20-second slot shared by every visitor."""

from __future__ import annotations

import datetime as dt

import streamlit as st
from sqlalchemy.engine import Engine

from metrics import live
from metrics.public import PublicBoard, public_board
from queries.db import make_engine

SLOT_S = 20


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    """The public page's own connection pool (the analysis pages use `state.engine_for`)."""
    return make_engine(url)


@st.cache_data(ttl=60, show_spinner=False)
def recent_min() -> float:
    return live.load_screen_settings().recent_call_min


def slot(now: dt.datetime) -> str:
    """The 20-second slot a read belongs to: visitors within one slot share it."""
    return now.replace(second=now.second - now.second % SLOT_S, microsecond=0).isoformat()


@st.cache_data(ttl=SLOT_S * 2, show_spinner=False, max_entries=16)
def board(url: str, slot_key: str) -> PublicBoard:
    """Every hall's open state and queue counts, judged at each hall's own now."""
    with _engine(url).connect() as conn:
        return public_board(conn, live.now, recent_min())
