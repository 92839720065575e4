"""The hall's clock: every "now" of the product is the hall's local wall time.

Stored timestamps are hall-local and naive (the data contract), so "now" must be too: the
time in the hall's zone (`halls.timezone`, default Asia/Shanghai) whatever zone the server
runs in. A server set to UTC would otherwise call 11:02 in Beijing 03:02 and see no tickets.

    clock.now("Asia/Shanghai")   # naive hall-local datetime, to the second
    clock.today(tz)              # the hall's date
    clock.network_zone(zones)    # one zone for pages that span several halls

`$HALLPULSE_NOW` (ISO date-time) pins the clock for tests, benchmarks and demos of a past
day. Without an offset it is read as hall-local; with one (`…+08:00`, `…Z`) it is converted
into the hall's zone.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TZ = "Asia/Shanghai"
NOW_ENV = "HALLPULSE_NOW"


class ClockError(ValueError):
    """A time zone name that is not in the tz database, or an unreadable $HALLPULSE_NOW."""


@cache
def zone(name: str | None = None) -> ZoneInfo:
    """The tz database zone for a hall's `timezone` (empty → Asia/Shanghai)."""
    key = (name or "").strip() or DEFAULT_TZ
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise ClockError(
            f"unknown time zone {key!r} (halls.timezone takes a tz database name such as "
            f"{DEFAULT_TZ!r})"
        ) from None


def pinned(tz: str | None = None) -> dt.datetime | None:
    """$HALLPULSE_NOW as a naive hall-local datetime, or None when the clock runs free."""
    fixed = os.environ.get(NOW_ENV, "").strip()
    if not fixed:
        return None
    try:
        value = dt.datetime.fromisoformat(fixed.replace("Z", "+00:00"))
    except ValueError:
        raise ClockError(f"${NOW_ENV}={fixed!r} is not an ISO date-time") from None
    if value.tzinfo is not None:
        value = value.astimezone(zone(tz)).replace(tzinfo=None)
    return value


def now(tz: str | None = None) -> dt.datetime:
    """The hall's local wall time, naive, to the second."""
    fixed = pinned(tz)
    if fixed is not None:
        return fixed.replace(microsecond=0)
    return dt.datetime.now(zone(tz)).replace(tzinfo=None, microsecond=0)


def today(tz: str | None = None) -> dt.date:
    """The hall's local date."""
    return now(tz).date()


def to_hall(moment: dt.datetime, tz: str | None = None) -> dt.datetime:
    """An aware datetime (a server's or a vendor's UTC stamp) as naive hall-local time;
    a naive one is taken as hall-local already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone(tz)).replace(tzinfo=None)


def network_zone(zones: Iterable[str | None]) -> str:
    """One zone for a view over several halls: the most common of their zones (a network
    normally shares one), else Asia/Shanghai."""
    counts = Counter(z.strip() for z in zones if z and z.strip())
    return counts.most_common(1)[0][0] if counts else DEFAULT_TZ


def hall_nows(zones: Mapping[str, str | None]) -> dict[str, dt.datetime]:
    """hall_id → that hall's "now" (`queries.live.hall_zones` gives the zones)."""
    by_zone = {z: now(z) for z in {z or DEFAULT_TZ for z in zones.values()}}
    return {hall_id: by_zone[z or DEFAULT_TZ] for hall_id, z in zones.items()}
