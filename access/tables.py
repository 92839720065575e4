"""Creating the access tables when first needed, and the time they record."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from queries import schema as s
from workdays import clock


def ensure(conn: Connection, *only: sa.Table) -> None:
    """Create hallpulse_users, _grants, _audit and _kiosk_links (or `only` these) where
    missing (idempotent). Called before a function's first write: MariaDB commits on DDL."""
    s.metadata.create_all(conn, tables=list(only or s.ACCESS_TABLES), checkfirst=True)


def exists(conn: Connection, table: sa.Table) -> bool:
    return sa.inspect(conn).has_table(table.name)


def network_now(conn: Connection) -> dt.datetime:
    """Now on the network's clock (naive, hall-local, to the second): the zone most halls keep
    (`clock.network_zone`), Asia/Shanghai before any hall is imported. Accounts, audit rows
    and kiosk links belong to the whole network, so they use one clock."""
    zones: list[str | None] = []
    if exists(conn, s.halls):
        zones = [tz for (tz,) in conn.execute(sa.select(s.halls.c.timezone))]
    return clock.now(clock.network_zone(zones))
