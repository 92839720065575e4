"""The alerts' bookkeeping: episodes (`hallpulse_alert_episodes`) and every message sent, failed
or held back (`hallpulse_alerts`). Created on first use; not part of the data contract.

An episode is claimed by one atomic write — an INSERT of a new key (a second writer hits the
primary key) or an UPDATE of a cleared one `WHERE status = 'cleared'` (a second writer finds it
open) — in the same transaction as its pending alert rows, so two passes running at once never
send the same episode twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from queries import schema as s
from queries.frames import read_frame

ep, al = s.alert_episodes, s.alerts
COUNTED = ("pending", "sent", "failed", "retried")  # what a channel's rate limit counts
STR, DTM, F64, I64 = pl.String(), pl.Datetime("us"), pl.Float64(), pl.Int64()


def ensure_tables(engine: Engine | Connection) -> None:
    """Create the two tables when they are missing."""
    s.metadata.create_all(engine, tables=list(s.ALERT_TABLES), checkfirst=True)


def has_tables(conn: Connection) -> bool:
    return sa.inspect(conn).has_table(al.name)


def open_episodes(conn: Connection, rules: Sequence[str]) -> pl.DataFrame:
    """episode_key, rule, hall_id of the rules' open episodes."""
    stmt = sa.select(ep.c.episode_key, ep.c.rule, ep.c.hall_id).where(
        ep.c.status == "open", ep.c.rule.in_(sorted(set(rules)))
    )
    return read_frame(conn, stmt, {"episode_key": STR, "rule": STR, "hall_id": STR})


def claim_episode(
    conn: Connection, key: str, rule: str, hall_id: str | None, now: dt.datetime
) -> bool:
    """Open the episode `key` unless it is open already; True when this call opened it. Run it
    first in the transaction that records the episode's alerts, and treat an IntegrityError
    of that transaction as "not claimed"."""
    reopened = conn.execute(
        sa.update(ep)
        .where(ep.c.episode_key == key, ep.c.status == "cleared")
        .values(status="open", opened_at=now, cleared_at=None, rule=rule, hall_id=hall_id)
    ).rowcount
    if reopened:
        return True
    exists = conn.execute(sa.select(ep.c.status).where(ep.c.episode_key == key)).first()
    if exists is not None:
        return False
    # another pass may insert the key between our SELECT and this INSERT: the primary key then
    # raises IntegrityError, and the caller rolls its transaction back (nothing was claimed)
    conn.execute(
        sa.insert(ep).values(
            episode_key=key, rule=rule, hall_id=hall_id, status="open", opened_at=now
        )
    )
    return True


def clear_episodes(conn: Connection, keys: Sequence[str], now: dt.datetime) -> int:
    """Mark open episodes cleared (their alerts get `cleared_at`); how many were open."""
    if not keys:
        return 0
    keys = sorted(set(keys))
    cleared = conn.execute(
        sa.update(ep)
        .where(ep.c.episode_key.in_(keys), ep.c.status == "open")
        .values(status="cleared", cleared_at=now)
    ).rowcount
    conn.execute(
        sa.update(al)
        .where(al.c.episode_key.in_(keys), al.c.cleared_at.is_(None))
        .values(cleared_at=now)
    )
    return cleared


def sent_within(conn: Connection, channel: str, since: dt.datetime) -> int:
    """Messages a channel sent or tried since `since` (its rate limit's count)."""
    stmt = sa.select(sa.func.count()).where(
        al.c.channel == channel, al.c.fired_at > since, al.c.status.in_(COUNTED)
    )
    return int(conn.execute(stmt).scalar_one())


@dataclass(frozen=True)
class AlertRow:
    episode_key: str
    rule: str
    kind: str
    hall_id: str | None
    target_kind: str | None
    target_id: str | None
    value: float | None
    threshold: float | None
    title: str
    message: str
    link: str
    channel: str
    status: str  # pending / rate_limited
    fired_at: dt.datetime


def add_alert(conn: Connection, row: AlertRow) -> int:
    """Insert one alert row; its id."""
    values = {**row.__dict__, "title": row.title[:500], "link": row.link[:1000] or None}
    result = conn.execute(sa.insert(al).values(**values))
    return int(result.inserted_primary_key[0])


def finish_alert(
    conn: Connection, alert_id: int, status: str, error: str | None, sent_at: dt.datetime
) -> None:
    """Record how sending went: sent, or failed with its error."""
    conn.execute(
        sa.update(al)
        .where(al.c.alert_id == alert_id)
        .values(status=status, error=error, sent_at=sent_at if status == "sent" else None)
    )


def failed_messages(conn: Connection, keys: Sequence[str]) -> pl.DataFrame:
    """Per open episode of `keys` and channel whose every message so far failed: episode_key,
    channel, attempts, alert_id (the latest failure, status `failed`)."""
    if not keys:
        return pl.DataFrame(
            schema={"episode_key": STR, "channel": STR, "attempts": I64, "alert_id": I64}
        )
    not_failed = sa.func.sum(sa.case((al.c.status.in_(("failed", "retried")), 0), else_=1))
    stmt = (
        sa.select(
            al.c.episode_key,
            al.c.channel,
            sa.func.count().label("attempts"),
            not_failed.label("others"),
            sa.func.max(al.c.alert_id).label("alert_id"),
        )
        .where(al.c.episode_key.in_(sorted(set(keys))), al.c.cleared_at.is_(None))
        .group_by(al.c.episode_key, al.c.channel)
    )
    frame = read_frame(
        conn,
        stmt,
        {"episode_key": STR, "channel": STR, "attempts": I64, "others": I64, "alert_id": I64},
    )
    return frame.filter(pl.col("others") == 0).drop("others")


def claim_retry(conn: Connection, alert_id: int) -> bool:
    """Mark a failed message `retried` before sending it again; False when another pass did."""
    return bool(
        conn.execute(
            sa.update(al)
            .where(al.c.alert_id == alert_id, al.c.status == "failed")
            .values(status="retried")
        ).rowcount
    )


ALERT_LIST = {
    "alert_id": I64,
    "fired_at": DTM,
    "hall_id": STR,
    "rule": STR,
    "kind": STR,
    "target_kind": STR,
    "target_id": STR,
    "value": F64,
    "threshold": F64,
    "title": STR,
    "channel": STR,
    "status": STR,
    "error": STR,
    "sent_at": DTM,
    "cleared_at": DTM,
    "link": STR,
    "episode_key": STR,
}


def alert_list(
    conn: Connection,
    first: dt.date,
    last: dt.date,
    hall_ids: Sequence[str] | None = None,
    status: str | None = None,
    rule: str | None = None,
    limit: int = 1000,
) -> pl.DataFrame:
    """Alerts fired from `first` to `last` (whole days), newest first (ALERT_LIST columns);
    only the halls of `hall_ids` when given (network-wide alerts have no hall: they are
    listed only when `hall_ids` is None). Empty before the first pass made the table."""
    if not has_tables(conn):
        return pl.DataFrame(schema=ALERT_LIST)
    start = dt.datetime.combine(first, dt.time(0))
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0))
    where = [al.c.fired_at >= start, al.c.fired_at < end]
    if hall_ids is not None:
        where.append(al.c.hall_id.in_(sorted(set(hall_ids))))
    if status:
        where.append(al.c.status == status)
    if rule:
        where.append(al.c.rule == rule)
    stmt = (
        sa.select(*(al.c[name] for name in ALERT_LIST))
        .where(*where)
        .order_by(al.c.fired_at.desc(), al.c.alert_id.desc())
        .limit(limit)
    )
    return read_frame(conn, stmt, ALERT_LIST)


def alert_rules(conn: Connection) -> list[str]:
    """The rule names that have alerts, for a filter."""
    if not has_tables(conn):
        return []
    return sorted(r for (r,) in conn.execute(sa.select(al.c.rule).distinct()).all())
