"""What each feed has taken: `hallpulse_sync_state` (one row per source) and
`hallpulse_sync_files` (the files a folder feed took, by content hash).

A round's rows and its state row are written on the same connection in the same transaction
(`record_success` runs in the import's `before_commit`), so after a crash at any moment the
watermark is exactly as far as the rows that are in. Failures are recorded in a transaction of
their own, since the round that failed wrote nothing.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from queries.schema import sync_files, sync_state
from workdays import clock

ERROR_MAX = 4000  # characters of an error message kept


@dataclass(frozen=True)
class Watermark:
    value: object  # datetime | date | int | Decimal | float | str
    kind: str  # datetime | date | int | decimal | float | text

    def encode(self) -> tuple[str, str]:
        v = self.value
        if isinstance(v, dt.datetime | dt.date):
            return v.isoformat(), self.kind
        return str(v), self.kind

    @classmethod
    def of(cls, value: object) -> Watermark:
        if isinstance(value, dt.datetime):
            return cls(value, "datetime")
        if isinstance(value, dt.date):
            return cls(value, "date")
        if isinstance(value, bool):
            return cls(int(value), "int")
        if isinstance(value, int):
            return cls(value, "int")
        if isinstance(value, decimal.Decimal):
            return cls(value, "decimal")
        if isinstance(value, float):
            return cls(value, "float")
        if isinstance(value, bytes):
            return cls(value.decode("utf-8", "replace"), "text")
        return cls(str(value), "text")

    @classmethod
    def decode(cls, text: str | None, kind: str | None) -> Watermark | None:
        if text is None or kind is None:
            return None
        if kind == "datetime":
            return cls(dt.datetime.fromisoformat(text), kind)
        if kind == "date":
            return cls(dt.date.fromisoformat(text), kind)
        if kind == "int":
            return cls(int(text), kind)
        if kind == "decimal":
            return cls(decimal.Decimal(text), kind)
        if kind == "float":
            return cls(float(text), kind)
        return cls(text, kind)

    def is_time(self) -> bool:
        return self.kind in ("datetime", "date")


def ensure_tables(engine: Engine) -> None:
    sync_state.metadata.create_all(engine, tables=[sync_state, sync_files])


def _now() -> dt.datetime:
    return clock.now()


def load(conn: Connection, name: str) -> dict | None:
    row = conn.execute(sa.select(sync_state).where(sync_state.c.name == name)).mappings().first()
    return dict(row) if row else None


def watermark(row: dict | None) -> Watermark | None:
    if not row:
        return None
    return Watermark.decode(row["watermark"], row["watermark_type"])


def _write(conn: Connection, name: str, values: dict) -> None:
    """Update the source's row, or insert it (one runner per database writes these rows)."""
    done = conn.execute(sync_state.update().where(sync_state.c.name == name).values(**values))
    if not done.rowcount:
        conn.execute(sync_state.insert().values(name=name, **values))


def record_success(
    conn: Connection,
    name: str,
    kind: str,
    table: str,
    *,
    mark: Watermark | None,
    rows: int,
    new_rows: int,
    rejected: int,
    newest: dt.datetime | None,
    error: str | None,
    first_of_round: bool,
) -> None:
    """A committed batch (call in its transaction): the watermark, counts and newest time.
    `rows` were written (new or updated: a row re-read within the look-back counts again in
    `rows_last`), `new_rows` were not in the table before (`rows_total` adds these up).
    `first_of_round` starts the round's counts; later batches of the round add to them."""
    now = _now()
    old = load(conn, name) or {}
    values: dict = {
        "kind": kind,
        "table_name": table,
        "last_run_at": now,
        "last_success_at": now,
        "rows_last": rows if first_of_round else (old.get("rows_last") or 0) + rows,
        "rows_total": (old.get("rows_total") or 0) + new_rows,
        "rejected_last": rejected if first_of_round else (old.get("rejected_last") or 0) + rejected,
        "rejected_total": (old.get("rejected_total") or 0) + rejected,
        "failures": 0,
        "next_try_at": None,
    }
    if mark is not None:
        values["watermark"], values["watermark_type"] = mark.encode()
    if newest is not None:
        prior = old.get("newest_source_at")
        values["newest_source_at"] = max(newest, prior) if prior else newest
    if error:
        values["last_error"] = error[:ERROR_MAX]
        values["last_error_at"] = now
    elif first_of_round and old.get("failures"):
        # recovered: the failure's message goes; a note of rejected rows stays until the next
        # one (with its time), so that it is seen
        values["last_error"] = None
    _write(conn, name, values)


def record_quiet_round(
    conn: Connection,
    name: str,
    kind: str,
    table: str,
    *,
    error: str | None = None,
    first_of_round: bool = True,
) -> None:
    """A round that took no rows but succeeded (nothing new, or a refused file moved aside
    with `error` saying so): the source is alive, its watermark unchanged."""
    record_success(
        conn,
        name,
        kind,
        table,
        mark=None,
        rows=0,
        new_rows=0,
        rejected=0,
        newest=None,
        error=error,
        first_of_round=first_of_round,
    )


def record_failure(
    engine: Engine, name: str, kind: str, table: str, error: str, interval_s: float, cap_s: float
) -> tuple[int, float]:
    """A failed round: the error, one more consecutive failure, and when to try again
    (the interval doubled per failure, at most `cap_s`). Returns (failures, delay)."""
    now = _now()
    with engine.begin() as conn:
        old = load(conn, name) or {}
        failures = (old.get("failures") or 0) + 1
        delay = backoff(failures, interval_s, cap_s)
        _write(
            conn,
            name,
            {
                "kind": kind,
                "table_name": table,
                "last_run_at": now,
                "last_error": error[:ERROR_MAX],
                "last_error_at": now,
                "failures": failures,
                "next_try_at": now + dt.timedelta(seconds=round(delay)),
            },
        )
    return failures, delay


def backoff(failures: int, interval_s: float, cap_s: float) -> float:
    """Seconds to wait after the n-th consecutive failure: interval, 2×, 4× … up to cap_s."""
    return min(max(interval_s, 1.0) * 2 ** max(failures - 1, 0), cap_s)


def file_seen(conn: Connection, source: str, sha256: str) -> dict | None:
    row = (
        conn.execute(
            sa.select(sync_files).where(
                sync_files.c.source == source, sync_files.c.sha256 == sha256
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def record_file(
    conn: Connection,
    source: str,
    sha256: str,
    file_name: str,
    status: str,
    imported: int,
    rejected: int,
) -> None:
    conn.execute(
        sync_files.insert().values(
            source=source,
            sha256=sha256,
            file_name=file_name[:255],
            status=status,
            rows_imported=imported,
            rows_rejected=rejected,
            taken_at=_now(),
        )
    )


def all_states(conn: Connection) -> list[dict]:
    """Every source's row (empty when the table does not exist yet)."""
    if not sa.inspect(conn).has_table(sync_state.name):
        return []
    return [dict(r) for r in conn.execute(sa.select(sync_state)).mappings()]
