"""Cached reads for the analysis pages, keyed by plain values: the database URL, dates, the
as-of moment and the filters as a sorted tuple of (name, value) pairs.

Every figure comes from `metrics.figures.compute` (the same numbers as `hall metrics`); the
lists behind them from `queries.details`, finished by `metrics.drilldown`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboard.state import engine_for
from metrics import drilldown
from metrics.catalog import SECTIONS
from metrics.engine import Deadlines, bad_review_status
from metrics.figures import compute
from metrics.settings import Settings, load_settings
from queries import details
from queries.db import calendar_frame
from queries.live import hall_zones
from queries.metric_queries import Scope, due_soon_end, ticket_histograms
from queries.quality import quality_findings
from workdays import clock

TTL_SECONDS = 300
Filters = tuple[tuple[str, str], ...]


def scope(first: dt.date, last: dt.date, as_of: dt.datetime, filters: Filters) -> Scope:
    return Scope(first, last, as_of, dict(filters))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def settings() -> Settings:
    return load_settings()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def figures(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters = (),
    dimension: str | None = None,
    sections: tuple[str, ...] = SECTIONS,
) -> dict:
    """`compute()` for the scope: the four sections, or `{"groups": [...]}` by a dimension;
    with `sections`, only those are read (a table of one section's figures)."""
    with engine_for(url).connect() as conn:
        return compute(conn, scope(first, last, as_of, filters), settings(), dimension, sections)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def zones(url: str) -> dict[str, str]:
    """hall_id → the hall's time zone (`halls.timezone`)."""
    with engine_for(url).connect() as conn:
        return hall_zones(conn)


def zone_of(url: str, hall: str | None = None) -> str:
    """The zone a page's "now" runs in: the hall's for a page about one hall, else the
    network's (the most common zone of the halls)."""
    known = zones(url)
    if hall:
        return known.get(hall, clock.DEFAULT_TZ)
    return clock.network_zone(known.values())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def reference(url: str) -> dict[str, pl.DataFrame]:
    with engine_for(url).connect() as conn:
        return details.reference(conn)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def ticket_page(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    limit: int,
    offset: int,
) -> tuple[pl.DataFrame, int]:
    """(one page of tickets, newest first; how many tickets in all)."""
    sc = scope(first, last, as_of, filters)
    with engine_for(url).connect() as conn:
        return details.ticket_list(conn, sc, limit, offset), details.ticket_count(conn, sc)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def weekday_hour(
    url: str, first: dt.date, last: dt.date, as_of: dt.datetime, filters: Filters
) -> pl.DataFrame:
    with engine_for(url).connect() as conn:
        frame = details.hour_by_day(conn, scope(first, last, as_of, filters))
    return drilldown.weekday_hour(frame, first, last)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def sparklines(
    url: str, first: dt.date, last: dt.date, as_of: dt.datetime, filters: Filters, dimension: str
) -> dict[str, dict[str, list]]:
    with engine_for(url).connect() as conn:
        frame = details.daily_by(conn, scope(first, last, as_of, filters), dimension)
    return drilldown.sparklines(frame, first, last)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def histograms(
    url: str, first: dt.date, last: dt.date, as_of: dt.datetime, filters: Filters
) -> pl.DataFrame:
    """Waits and service times per whole minute: kind ("wait" / "service"), minute, n."""
    with engine_for(url).connect() as conn:
        hist = ticket_histograms(conn, scope(first, last, as_of, filters), None)
    if hist.is_empty():
        return pl.DataFrame(schema={"kind": pl.String, "minute": pl.Int64, "n": pl.Int64})
    return (
        hist.group_by("kind", (pl.col("bucket") // 10).alias("minute"))
        .agg(pl.col("n").sum())
        .sort("kind", "minute")
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def open_cases(url: str, as_of: dt.datetime, filters: Filters) -> pl.DataFrame:
    """Cases open at as_of with their deadline, overdue / due-soon flags and ageing."""
    sc = Scope(as_of.date(), as_of.date(), as_of, dict(filters))
    with engine_for(url).connect() as conn:
        frame = details.open_case_list(conn, sc)
        calendar = calendar_frame(conn)
    return drilldown.with_deadlines(frame, calendar, as_of, due_soon_end(calendar, as_of))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def case_channels(
    url: str, first: dt.date, last: dt.date, as_of: dt.datetime, filters: Filters
) -> pl.DataFrame:
    with engine_for(url).connect() as conn:
        return details.case_breakdown(conn, scope(first, last, as_of, filters))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def bad_reviews(
    url: str, first: dt.date, last: dt.date, as_of: dt.datetime, filters: Filters
) -> pl.DataFrame:
    """The bad reviews of the period with their return-call and rectification deadlines and
    where each stands at as_of (`metrics.engine.bad_review_status`)."""
    with engine_for(url).connect() as conn:
        frame = details.bad_review_list(conn, scope(first, last, as_of, filters))
        calendar = calendar_frame(conn)
    return bad_review_status(frame, as_of, settings(), Deadlines(calendar))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def ratings(
    url: str, first: dt.date, last: dt.date, as_of: dt.datetime, filters: Filters
) -> pl.DataFrame:
    with engine_for(url).connect() as conn:
        return details.rating_by_channel(conn, scope(first, last, as_of, filters))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def comments(
    url: str, first: dt.date, last: dt.date, as_of: dt.datetime, filters: Filters
) -> pl.DataFrame:
    with engine_for(url).connect() as conn:
        return details.comment_list(conn, scope(first, last, as_of, filters))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def attendance_exceptions(
    url: str, first: dt.date, last: dt.date, as_of: dt.datetime, filters: Filters
) -> pl.DataFrame:
    grace_s = settings().late_grace_min * 60
    with engine_for(url).connect() as conn:
        return details.attendance_exceptions(conn, scope(first, last, as_of, filters), grace_s)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def occupancy(
    url: str, first: dt.date, last: dt.date, as_of: dt.datetime, filters: Filters
) -> pl.DataFrame:
    sc = scope(first, last, as_of, filters)
    with engine_for(url).connect() as conn:
        shifts = details.staffed_intervals(conn, sc)
        tickets = details.ticket_intervals(conn, sc)
    return drilldown.occupancy(shifts, tickets)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def quality(url: str, first: dt.date | None, last: dt.date | None) -> list[dict]:
    with engine_for(url).connect() as conn:
        return quality_findings(conn, first, last)
