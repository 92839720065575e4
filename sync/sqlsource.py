"""A vendor database as a feed: a table or a SELECT, read incrementally by a watermark column.

Each round reads

    SELECT * FROM (<query>) q WHERE q.<watermark> >= :since ORDER BY q.<watermark>

with since = the stored watermark − the look-back (the first round reads every row with a
watermark), streamed with a server-side cursor, and feeds the rows through the same path as
`hall import` (`imports.importer.import_rows`: the mapping with the result's column names as
the header, the validator, upsert by key, rollup invalidation and rebuild). Every `batch_rows`
rows commit together with the watermark they reach (the largest of the batch), so a crash at
any moment leaves the watermark exactly at rows that are in; rows with that same watermark
value not read yet are read again next time (`>=`), and an upsert makes re-reading harmless.

Values come typed from the cursor and are handed to the validator as the text it parses:
a naive timestamp as hall-local `2026-03-02 09:14:05`, an aware one with its offset (converted
into the row's hall zone like an offset in a file), numbers and decimals as digits.

Rows that break the contract are written to a rejects file of the round (nothing is lost),
named in the state's last error with their key and field, and do not stop the feed: the good
rows go in and the watermark advances past them. Read again unchanged inside the look-back
(their watermark below the stored one), they are not reported a second time.
"""

from __future__ import annotations

import datetime as dt
import decimal
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from imports.contract import table_spec
from imports.importer import FileRejected, ImportReport, import_rows
from imports.mapping import MappingError, resolve_mapping
from imports.sources import Record, Source
from sync import state
from sync.config import SourceConfig
from workdays import clock


class SyncSourceError(RuntimeError):
    """A round that could not run; the message names the source."""


@dataclass
class RoundResult:
    rows: int = 0
    rejected: int = 0
    batches: int = 0
    rejects_files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def db_text(value: object) -> str:
    """A cursor value as the text `hall import` would read in a file."""
    kind = value.__class__
    if kind is str:  # the common cases first: this runs for every value of every row
        return value
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.microsecond:  # the contract keeps seconds; round like a spreadsheet cell
            value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        if value.tzinfo is not None:
            text += value.strftime("%z")
        return text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.replace(microsecond=0).strftime("%H:%M:%S")
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def source_engine(url: str) -> Engine:
    """An engine on the vendor database that never creates anything: a SQLite file is opened
    read-only (a missing file is an error, not a new empty database)."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        path = u.database or ""
        if not path or path == ":memory:":
            raise SyncSourceError("an in-memory SQLite database cannot be a source")

        def connect():
            if not Path(path).exists():
                raise sqlite3.OperationalError(f"unable to open database file {path}: no such file")
            return sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)

        return sa.create_engine("sqlite://", creator=connect, poolclass=sa.pool.NullPool)
    if backend == "mysql" and "charset" not in u.query:
        u = u.update_query_dict({"charset": "utf8mb4"})
    return sa.create_engine(u, pool_pre_ping=True, pool_recycle=3600)


class SqlSource:
    def __init__(self, cfg: SourceConfig, rejects_dir: Path):
        self.cfg = cfg
        self.rejects_dir = rejects_dir
        self.spec = table_spec(cfg.table)
        self._engine: Engine | None = None

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = source_engine(self.cfg.url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def statement(self, engine: Engine, since: object | None) -> sa.TextClause:
        cfg = self.cfg
        prep = engine.dialect.identifier_preparer
        if cfg.query is not None:
            inner = cfg.query
        else:
            inner = "SELECT * FROM " + ".".join(prep.quote(p) for p in cfg.source_table.split("."))
        wm = f"q.{prep.quote(cfg.watermark)}"
        where = f"{wm} >= :since" if since is not None else f"{wm} IS NOT NULL"
        stmt = sa.text(f"SELECT * FROM ({inner}) q WHERE {where} ORDER BY {wm}")
        return stmt.bindparams(since=since) if since is not None else stmt

    def since(self, mark: state.Watermark | None) -> object | None:
        if mark is None:
            return None
        v = mark.value
        if mark.kind == "datetime":
            return v - dt.timedelta(minutes=self.cfg.lookback_min)
        if mark.kind == "date":
            return v - dt.timedelta(days=-(-self.cfg.lookback_min // 1440))
        if mark.kind in ("int", "decimal", "float"):
            return v - self.cfg.lookback_ids
        moment = _text_time(v)  # a time stored as text (SQLite, some vendors' VARCHAR)
        if moment is not None:  # the look-back in the same text form, compared as text
            earlier = moment - dt.timedelta(minutes=self.cfg.lookback_min)
            return earlier.isoformat(sep="T" if "T" in v else " ")
        return v

    def run_round(
        self,
        target: Engine,
        stop: threading.Event,
        log: Callable[[str], None] | None = None,
    ) -> RoundResult:
        cfg = self.cfg
        with target.connect() as tconn:
            row = state.load(tconn, cfg.name)
        mark = state.watermark(row)
        since = self.since(mark)
        result = RoundResult()
        engine = self.engine()
        started_at = clock.now().strftime("%Y%m%d-%H%M%S")
        with engine.connect() as sconn:
            cursor = sconn.execution_options(stream_results=True, yield_per=cfg.batch_rows).execute(
                self.statement(engine, since)
            )
            header = list(map(str, cursor.keys()))
            wm_index = _column_index(header, cfg.watermark, cfg.name)
            source = Source(
                path=Path(cfg.name), name=cfg.name, format="sql", header=header, header_line=0
            )
            try:
                mapping = resolve_mapping(
                    self.spec, header, cfg.declared, str(cfg.mapping or f"{cfg.name}: mapping")
                )
            except MappingError as exc:
                raise SyncSourceError(f"{cfg.name}: {exc}") from None
            missing = mapping.missing(self.spec)
            if missing:
                raise SyncSourceError(
                    f"{cfg.name}: {cfg.table} needs the column(s) {', '.join(missing)}, which the "
                    f"query does not give (it gives: {', '.join(header)}); name them in the "
                    'mapping ([columns] contract_column = "column") or give a [constants] value'
                )
            key_index = [
                header.index(mapping.columns[k]) for k in self.spec.key if k in mapping.columns
            ]
            line = 0
            for part in cursor.partitions(cfg.batch_rows):
                records = []
                for values in part:
                    line += 1
                    records.append(Record(line, [db_text(v) for v in values]))
                top = max(v[wm_index] for v in part)
                # rows not changed since an earlier round (watermark below the stored one) were
                # checked then: rejected again, they are not reported twice (rows AT the stored
                # watermark may not have been read before a crash: they count as new)
                seen = _seen_lines(records, part, wm_index, mark)
                self._commit_batch(
                    target, source, mapping, records, top, result, key_index, started_at, seen
                )
                if log:
                    log(
                        f"{cfg.name}: {result.rows:,} rows taken"
                        + (f", {result.rejected:,} rejected" if result.rejected else "")
                        + f" (watermark {state.Watermark.of(top).encode()[0]})"
                    )
                if stop.is_set():
                    cursor.close()
                    result.notes.append("stopped between batches")
                    break
        if result.batches == 0:  # nothing new: the round still succeeded
            with target.begin() as tconn:
                state.record_quiet_round(
                    tconn,
                    cfg.name,
                    cfg.kind,
                    cfg.table,
                )
        return result

    def _commit_batch(
        self,
        target: Engine,
        source: Source,
        mapping,
        records: list[Record],
        top: object,
        result: RoundResult,
        key_index: list[int],
        started_at: str,
        seen: set[int],
    ) -> None:
        cfg = self.cfg
        mark = state.Watermark.of(top)
        newest_time = None
        if isinstance(top, dt.datetime):
            newest_time = clock.to_hall(top)
        elif isinstance(top, str) and (moment := _text_time(top)) is not None:
            newest_time = clock.to_hall(moment)
        rejects = self.rejects_dir / f"{cfg.name}-{started_at}-{result.batches + 1:04d}.csv"
        n = 1
        while rejects.exists():  # two rounds in one second: never overwrite an earlier file
            n += 1
            rejects = rejects.with_name(f"{cfg.name}-{started_at}-{result.batches + 1:04d}-{n}.csv")
        first = result.batches == 0

        def before_commit(conn: Connection, report: ImportReport) -> None:
            newest = newest_time or report.newest
            error = None
            if report.rejected:
                error = _rejected_message(cfg.name, report, records, key_index, source.header)
            state.record_success(
                conn,
                cfg.name,
                cfg.kind,
                cfg.table,
                mark=mark,
                rows=report.imported,
                new_rows=report.new_rows,
                rejected=report.rejected,
                newest=newest,
                error=error,
                first_of_round=first,
            )

        try:
            report = import_rows(
                target,
                self.spec,
                source,
                mapping,
                records,
                skip_bad=True,
                rejects=rejects,
                allow_empty=True,
                known_bad=seen,
                before_commit=before_commit,
            )
        except FileRejected as exc:
            raise SyncSourceError(str(exc)) from None
        result.batches += 1
        result.rows += report.imported
        result.rejected += report.rejected
        if report.rejected:
            result.rejects_files.append(rejects)
        else:
            rejects.unlink(missing_ok=True)


def _text_time(text: str) -> dt.datetime | None:
    """`2026-03-02 09:14:05` (or ISO with T, fractions, an offset) as a datetime, else None."""
    if not isinstance(text, str) or len(text) < 16 or text[4] != "-":
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _seen_lines(
    records: list[Record], values: list, wm_index: int, mark: state.Watermark | None
) -> set[int]:
    if mark is None:
        return set()
    try:
        return {
            rec.line for rec, v in zip(records, values, strict=True) if v[wm_index] < mark.value
        }
    except TypeError:  # a watermark whose type changed (naive vs aware): treat all as new
        return set()


def _column_index(header: list[str], name: str, source: str) -> int:
    if name in header:
        return header.index(name)
    lowered = [h.lower() for h in header]
    if name.lower() in lowered:
        return lowered.index(name.lower())
    raise SyncSourceError(
        f"{source}: watermark {name!r} is not a column of the result ({', '.join(header)})"
    )


def _rejected_message(
    name: str,
    report: ImportReport,
    records: list[Record],
    key_index: list[int],
    header: list[str],
) -> str:
    first = report.problems[0] if report.problems else None
    text = f"{name}: {report.rejected:,} rows rejected"
    if first is not None:
        rec = records[first.line - records[0].line] if records else None
        key = ""
        if rec is not None and key_index:
            key = ", ".join(f"{header[i]}={rec.fields[i]}" for i in key_index)
        where = f"row {key}" if key else f"row {first.line}"
        text += f"; first: {where}: {first.column} = {first.value!r}: {first.reason}"
    if report.rejects_file is not None:
        text += f"; rejected rows in {report.rejects_file}"
    return text
