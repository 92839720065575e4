"""The audit trail (`hallpulse_audit`): who did what, when, in which scope.

Append-only: this module writes rows and reads them; it has no update and no delete. `at` is
naive hall-local time on the network's clock (`access.tables.network_now`, the zone most halls
keep), like every other timestamp of the database.

    record(engine_or_conn, who="d2", role="director", action="download", target="tickets.csv",
           scope=scope, detail={"rows": 120}, client="10.0.0.7")
    read(conn, first=date(2026, 12, 1), last=date(2026, 12, 4), who="d2")
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from access import tables
from queries import schema as s
from queries.frames import read_frame

ACTIONS: dict[str, tuple[str, str]] = {
    "sign_in": ("登录", "Sign-in"),
    "sign_in_failed": ("登录失败", "Failed sign-in"),
    "sign_out": ("退出", "Sign-out"),
    "page_view": ("查看页面", "Page view"),
    "download": ("下载", "Download"),
    "report": ("报表", "Report"),
    "import": ("导入", "Import"),
    "sync_change": ("同步变更", "Sync change"),
    "user_change": ("账户变更", "User change"),
    "kiosk_add": ("新建大屏链接", "Kiosk link made"),
    "kiosk_revoke": ("撤销大屏链接", "Kiosk link revoked"),
    "cli_metrics": ("命令行查询", "CLI metrics"),
}
COLUMNS: dict[str, pl.DataType] = {
    "audit_id": pl.Int64(),
    "at": pl.Datetime("us"),
    "who": pl.String(),
    "role": pl.String(),
    "action": pl.String(),
    "target": pl.String(),
    "scope": pl.String(),
    "detail": pl.String(),
    "client": pl.String(),
}
_TEXT_LIMITS = {"who": 100, "target": 255, "client": 64}


def record(
    where: Engine | Connection,
    *,
    who: str,
    action: str,
    role: str | None = None,
    target: str | None = None,
    scope: Any = None,
    detail: dict[str, Any] | None = None,
    client: str | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Append one row and return its audit_id.

    With an engine the row is committed in a transaction of its own (a failed sign-in must be
    recorded even when the caller's work rolls back); with a connection it joins the caller's
    transaction, so the change and its record commit together. `scope` is a `Scope` (its
    `describe()` is stored) or text.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")
    if isinstance(where, Engine):
        with where.begin() as conn:
            return record(
                conn,
                who=who,
                action=action,
                role=role,
                target=target,
                scope=scope,
                detail=detail,
                client=client,
                at=at,
            )
    conn = where
    tables.ensure(conn, s.audit)
    values = {
        "at": (at or tables.network_now(conn)).replace(microsecond=0),
        "who": who,
        "role": role,
        "action": action,
        "target": target,
        "scope": scope if scope is None or isinstance(scope, str) else scope.describe(),
        "detail": None
        if detail is None
        else json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
        "client": client,
    }
    for key, limit in _TEXT_LIMITS.items():
        if values[key] is not None and len(values[key]) > limit:
            values[key] = values[key][: limit - 1] + "…"
    result = conn.execute(s.audit.insert().values(**values))
    return int(result.inserted_primary_key[0])


def _bound(value: dt.date | dt.datetime, end: bool) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    day = value + dt.timedelta(days=1) if end else value
    return dt.datetime.combine(day, dt.time(0))


def read(
    conn: Connection,
    first: dt.date | dt.datetime | None = None,
    last: dt.date | dt.datetime | None = None,
    who: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> pl.DataFrame:
    """Audit rows, oldest first: from `first` through `last` (dates are whole days; a
    date-time is exact, `last` exclusive), of one `who` and/or one `action`; the newest
    `limit` rows when given. No table yet: no rows."""
    a = s.audit
    if not tables.exists(conn, a):
        return pl.DataFrame(schema=COLUMNS)
    stmt = sa.select(*(a.c[name] for name in COLUMNS))
    if first is not None:
        stmt = stmt.where(a.c.at >= _bound(first, end=False))
    if last is not None:
        stmt = stmt.where(a.c.at < _bound(last, end=True))
    if who is not None:
        stmt = stmt.where(a.c.who == who)
    if action is not None:
        stmt = stmt.where(a.c.action == action)
    if limit is not None:
        newest = stmt.order_by(a.c.audit_id.desc()).limit(limit)
        return read_frame(conn, newest, COLUMNS).sort("audit_id")
    return read_frame(conn, stmt.order_by(a.c.audit_id), COLUMNS)
