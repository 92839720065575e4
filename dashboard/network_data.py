"""Cached reads for the network page, in the reader's scope (`dashboard.cached.scoped`)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from access.scope import Scope
from dashboard.cached import period, scoped, settings
from dashboard.state import engine_for
from queries.network import hall_items, hall_partials, network_halls


@scoped
def network(
    url: str, first: dt.date, last: dt.date, as_of: dt.datetime, *, scope: Scope
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(halls, partials per hall, items per hall) of the period inside `scope`."""
    p = period(first, last, as_of, ())
    target = settings().wait_target_min * 60
    with engine_for(url).connect() as conn:
        return (
            network_halls(conn, scope=scope),
            hall_partials(conn, p, wait_target_s=target, scope=scope),
            hall_items(conn, p, scope=scope),
        )
