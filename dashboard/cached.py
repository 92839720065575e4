"""Cached reads for the analysis pages, keyed by plain values: the database URL, dates, the
as-of moment and the filters as a sorted tuple of (name, value) pairs.

Every figure comes from `metrics.figures.compute` (the same numbers as `hall metrics`); the
lists behind them from `queries.details`, finished by `metrics.drilldown`.

Every read runs in the reader's scope (`access.scope.Scope`): `@scoped` readers take it as a
required keyword, part of the cache key (two readers never share an entry), and fill it from
`dashboard.state.scope()` — the one place a page's scope comes from — when a page calls them
without one. A page cannot read outside its scope by forgetting to pass it.
"""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl
import streamlit as st

from access.scope import Scope
from dashboard import state
from dashboard.outage import remembered
from dashboard.state import engine_for
from dashboard.together import side_by_side
from metrics import drilldown
from metrics.catalog import SECTIONS
from metrics.engine import Deadlines, bad_review_status, needs
from metrics.figures import compute
from metrics.settings import Settings, load_settings
from queries import details, metric_inputs, metric_queries
from queries.db import calendar_frame
from queries.live import hall_zones
from queries.metric_queries import Filters as Period
from queries.metric_queries import due_soon_end
from queries.occupancy import occupancy_counts
from queries.quality import TABLES as QUALITY_TABLES
from queries.quality import quality_findings
from queries.ratings import rating_by_channel
from workdays import clock

TTL_SECONDS = 300
Filters = tuple[tuple[str, str], ...]


def period(first: dt.date, last: dt.date, as_of: dt.datetime, filters: Filters) -> Period:
    return Period(first, last, as_of, dict(filters))


def scoped(reader):
    """A cached reader in the reader's scope: `scope` is a keyword of `reader` (hashed into the
    cache key: its rights, `Scope.rights`, so readers who may see the same rows share an
    entry); a call without it runs in `dashboard.state.scope()`."""
    # while the database cannot be reached, the last good result (outage.remembered)
    cached = remembered(st.cache_data(ttl=TTL_SECONDS, show_spinner=False)(reader))

    @functools.wraps(reader)
    def call(*args, scope: Scope | None = None, **kwargs):
        scope = state.scope() if scope is None else scope
        return cached(*args, scope=scope.rights(), **kwargs)  # shared by readers of equal rights

    call.clear = cached.clear
    return call


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def settings() -> Settings:
    return load_settings()


@scoped
def figures(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters = (),
    dimension: str | None = None,
    sections: tuple[str, ...] = SECTIONS,
    keys: tuple[str, ...] | None = None,
    *,
    scope: Scope,
) -> dict:
    """`compute()` for the scope: the four sections, or `{"groups": [...]}` by a dimension;
    with `sections`, only those are read (a table of one section's figures); with `keys`,
    only those figures and the partials they are finished from. The packages' partials,
    for the totals or by package, come from `package_rows` (read once for the period's
    figures and its packages table)."""
    given = {}
    partials = None if keys is None else needs(keys)[1]
    names = [
        n for n in PACKAGE_PARTIALS if ("cases" in sections if keys is None else n in partials)
    ]
    if names and dimension in (None, "bundle"):
        rows = package_rows(url, first, last, as_of, filters, scope=scope)
        for name in names:
            # by package, `group` is the case's bundle_id; the totals take the same rows
            # without it (the engine counts an application once: its distinct application_id)
            given[name] = rows[name] if dimension else rows[name].drop("group")
    wanted = "tickets" in sections if keys is None else "histograms" in partials
    if wanted and dimension is None:  # the partial a distribution chart shows (`histograms`)
        kinds = metric_inputs.histogram_kinds(partials)
        hist = histogram_buckets(url, first, last, as_of, filters, kinds, scope=scope)
        given["histograms"] = hist
    with engine_for(url).connect() as conn:
        return compute(
            conn,
            period(first, last, as_of, filters),
            settings(),
            dimension,
            sections,
            scope=scope,
            keys=keys,
            given=given or None,
            parallel=True,  # reads only: a few connections at once on a server
        )


PACKAGE_PARTIALS = ("bundle_cases", "bundle_intake")


@scoped
def package_rows(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    *,
    scope: Scope,
) -> dict[str, pl.DataFrame]:
    """The packages' partials of the period by package, read from the rows: the cases of
    the applications completed in it (`metric_queries.bundle_cases`) and the packaged cases
    accepted in it and their applications (`bundle_intake`). The rows behind both the package
    tiles of 办件时效 and its packages table, read once for both."""
    sc = period(first, last, as_of, filters)
    with engine_for(url).connect() as conn:
        return {
            "bundle_cases": metric_queries.bundle_cases(conn, sc, "bundle", scope=scope),
            "bundle_intake": metric_queries.bundle_intake(conn, sc, "bundle", scope=scope),
        }


@remembered
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


@scoped
def reference(url: str, *, scope: Scope) -> dict[str, pl.DataFrame]:
    with engine_for(url).connect() as conn:
        return details.reference(conn, scope=scope)


@scoped
def ticket_page(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    limit: int,
    offset: int,
    *,
    scope: Scope,
) -> tuple[pl.DataFrame, int]:
    """(one page of tickets, newest first; how many tickets in all)."""
    sc = period(first, last, as_of, filters)
    with engine_for(url).connect() as conn:
        return (
            details.ticket_list(conn, sc, limit, offset, scope=scope),
            details.ticket_count(conn, sc, scope=scope),
        )


@scoped
def weekday_hour(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    *,
    scope: Scope,
) -> pl.DataFrame:
    with engine_for(url).connect() as conn:
        # the closed days from the hourly rollup, the open day from the rows
        frame = metric_inputs.hour_by_day(conn, period(first, last, as_of, filters), scope=scope)
    return drilldown.weekday_hour(frame, first, last)


@scoped
def sparklines(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    dimension: str,
    *,
    scope: Scope,
) -> dict[str, dict[str, list]]:
    with engine_for(url).connect() as conn:
        frame = metric_inputs.daily_by(
            conn, period(first, last, as_of, filters), dimension, scope=scope
        )
    return drilldown.sparklines(frame, first, last)


@scoped
def histograms(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    kinds: tuple[str, ...] = ("wait", "service"),
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Waits and service times (only `kinds`) per whole minute: kind ("wait" / "service"),
    minute, n."""
    hist = histogram_buckets(url, first, last, as_of, filters, kinds, scope=scope)
    if hist.is_empty():
        return pl.DataFrame(schema={"kind": pl.String, "minute": pl.Int64, "n": pl.Int64})
    return (
        hist.group_by("kind", (pl.col("bucket") // 10).alias("minute"))
        .agg(pl.col("n").sum())
        .sort("kind", "minute")
    )


@scoped
def histogram_buckets(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    kinds: tuple[str, ...],
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Waits and service times (only `kinds`) in 0.1-minute buckets for the whole period
    (`metric_inputs.histograms`: kind, bucket, n, sum_s): read once for the period's figures
    (their quantiles) and its distribution chart (`histograms`)."""
    with engine_for(url).connect() as conn:
        return metric_inputs.histograms(
            conn,
            period(first, last, as_of, filters),
            wait_target_min=settings().wait_target_min,
            scope=scope,
            kinds=kinds,
        )


@scoped
def open_cases(url: str, as_of: dt.datetime, filters: Filters, *, scope: Scope) -> pl.DataFrame:
    """The cases open at as_of that are overdue or due soon, with their deadline, flags and
    ageing (the others are not read: `details.open_case_list`'s `due_by`)."""
    sc = Period(as_of.date(), as_of.date(), as_of, dict(filters))
    with engine_for(url).connect() as conn:
        calendar = calendar_frame(conn)
        soon_end = due_soon_end(calendar, as_of)
        frame = details.open_case_list(conn, sc, scope=scope, due_by=soon_end)
    flagged = drilldown.with_deadlines(frame, calendar, as_of, soon_end)
    return flagged.filter(pl.col("overdue") | pl.col("due_soon"))


@scoped
def case_channels(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Cases accepted in the period by channel, from the intake rollup where it holds the days
    (`metric_inputs.case_channels`)."""
    with engine_for(url).connect() as conn:
        return metric_inputs.case_channels(conn, period(first, last, as_of, filters), scope=scope)


@scoped
def bad_reviews(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """The bad reviews of the period with their return-call and rectification deadlines and
    where each stands at as_of (`metrics.engine.bad_review_status`)."""
    with engine_for(url).connect() as conn:
        frame = details.bad_review_list(conn, period(first, last, as_of, filters), scope=scope)
        calendar = calendar_frame(conn)
    return bad_review_status(frame, as_of, settings(), Deadlines(calendar))


@scoped
def ratings(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    *,
    scope: Scope,
) -> pl.DataFrame:
    with engine_for(url).connect() as conn:
        return rating_by_channel(conn, period(first, last, as_of, filters), scope=scope)


@scoped
def comments(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    *,
    scope: Scope,
) -> pl.DataFrame:
    with engine_for(url).connect() as conn:
        return details.comment_list(conn, period(first, last, as_of, filters), scope=scope)


@scoped
def attendance_exceptions(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    *,
    scope: Scope,
) -> pl.DataFrame:
    grace_s = settings().late_grace_min * 60
    with engine_for(url).connect() as conn:
        return details.attendance_exceptions(
            conn, period(first, last, as_of, filters), grace_s, scope=scope
        )


@scoped
def occupancy(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Open windows against people waiting per quarter-hour, counted in the database
    (`queries.occupancy`): a year's view reads no ticket row, its waits from a rollup."""
    sc = period(first, last, as_of, filters)
    with engine_for(url).connect() as conn:
        counts = occupancy_counts(conn, sc, scope=scope)
    return drilldown.occupancy_from_counts(counts)


@scoped
def quality(
    url: str,
    first: dt.date | None,
    last: dt.date | None,
    as_of: dt.datetime,
    *,
    scope: Scope,
) -> list[dict]:
    """`quality_findings` at as_of, each table's checks on a connection of its own at the same
    time (the city's year: a pass over 2 M evaluations joined to every ticket and case)."""

    def of(table: str) -> list[dict]:
        with engine_for(url).connect() as conn:
            return quality_findings(conn, first, last, scope=scope, as_of=as_of, tables=(table,))

    found = side_by_side([functools.partial(of, table) for table in QUALITY_TABLES])
    return [finding for part in found for finding in part]


@scoped
def packages(
    url: str,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime,
    filters: Filters,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """一件事一次办: one row per package of the period (`metrics.bundles.package_table`)."""
    from metrics.bundles import package_table

    rows = package_rows(url, first, last, as_of, filters, scope=scope)  # the tiles' read
    with engine_for(url).connect() as conn:
        return package_table(
            conn, period(first, last, as_of, filters), settings(), scope=scope, given=rows
        )
