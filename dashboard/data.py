"""Cached reads for the pages: keyed by plain values (the URL), refreshed after a TTL."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa
import streamlit as st

from access.scope import Scope, scope_filter
from dashboard.outage import remembered
from dashboard.state import engine_for
from metrics import freshness
from queries import schema
from queries.db import get_meta, has_schema
from queries.frames import read_frame
from queries.overview import (
    calendar_around,
    global_overview,
    service_hours_frame,
    table_overview,
)
from queries.sync_status import sync_status

TTL_SECONDS = 60


@remembered  # the last good result while the database cannot be reached
@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def schema_ready(url: str) -> bool:
    return has_schema(engine_for(url))


@remembered  # the last good result while the database cannot be reached
@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def meta(url: str) -> dict[str, str]:
    with engine_for(url).connect() as conn:
        return get_meta(conn)


@remembered  # the last good result while the database cannot be reached
@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def feeds(url: str, *, scope: Scope) -> pl.DataFrame:
    """The state of the `hall sync` feeds (empty when none has run, and for every scope but
    the unrestricted one)."""
    with engine_for(url).connect() as conn:
        return sync_status(conn, scope=scope)


@remembered  # the last good result while the database cannot be reached
@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def overview(url: str, *, scope: Scope) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(per hall and table, shared tables, halls with their level), in the reader's scope."""
    with engine_for(url).connect() as conn:
        per_hall = table_overview(conn, scope=scope)
        shared = global_overview(conn, scope=scope)
        halls = read_frame(
            conn,
            sa.select(schema.halls.c.hall_id, schema.halls.c.level).where(
                scope_filter(scope, schema.halls)
            ),
            {"hall_id": pl.String, "level": pl.String},
        )
    return per_hall, shared, halls


@remembered  # the last good result while the database cannot be reached
@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def open_halls(url: str, now: dt.datetime) -> set[str]:
    """Halls in service hours at `now` (pass a time rounded to the minute to share the cache)."""
    with engine_for(url).connect() as conn:
        hours = service_hours_frame(conn)
        cal = calendar_around(conn, now.date())
    return freshness.open_halls(hours, cal, now)
