"""Importing one file into one contract table: streamed, validated, in one transaction.

    report = import_file(engine, "tickets", Path("取号记录.csv"))

By default a file is all-or-nothing: one rejected row and nothing is written. With
`skip_bad`, the good rows are written and every rejected row goes, unchanged and with its
reasons, to the rejects file. Rows upsert by primary key, so importing a file twice changes
nothing and a corrected file updates the rows it names. A hall's service hours have no key
(seasonal versions of a slot share one); a file replaces the timetable of the halls it names.
The transaction commits only at the end: an error, a crash or a killed process leaves every
table as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import os
import queue
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy.engine import Connection, Engine

from imports.batches import Batch, batches, record_batches
from imports.contract import IMPORT_ORDER, TableSpec, sa_table, table_spec
from imports.limits import LimitsError
from imports.mapping import (
    Mapping,
    MappingError,
    load_mapping_file,
    recognised_count,
    resolve_mapping,
)
from imports.personal import describe as personal_describe
from imports.personal import personal_headers
from imports.presets import header_synonyms
from imports.sources import Record, Source, SourceError, open_source
from imports.validate import IDX, LINE, ChunkValidator, Problem, References
from metrics.settings import load_settings
from queries import partitioning, rollups
from queries.db import ensure_calendar, has_schema
from queries.schema import ROLLUP_TABLES, metadata
from queries.upsert import (
    count_rows,
    insert_new,
    replace_rows,
    restore_indexes,
    suspend_indexes,
    unchanged,
    upsert,
)
from reports.cells import csv_row

CHUNK_ROWS = 50_000
# a load this large into a fact table is vacuumed and analysed once committed (PostgreSQL,
# `partitioning.vacuum_analyze`): a million tickets take about a second, and until then the
# figures read the new rows at half speed
VACUUM_AFTER_ROWS = 100_000
MAX_LISTED = 1_000  # problems kept for the report; all are counted and all go to rejects
SPAN_COLUMN = {
    "tickets": "issued_at",
    "cases": "accepted_at",
    "evaluations": "evaluated_at",
    "attendance": "work_date",
}
REJECT_COLUMNS = ("行号 line", "错误原因 reason")


class FileRejected(Exception):
    """The file as a whole cannot be imported; the message says why and where."""


@dataclass
class ImportReport:
    file: str
    table: str
    source: Source | None = None
    mapping: Mapping | None = None
    dry_run: bool = False
    skip_bad: bool = False
    rows_read: int = 0
    imported: int = 0
    rejected: int = 0
    rejected_again: int = 0  # known_bad rows rejected again (not in `rejected`, not in rejects)
    new_rows: int = 0
    replaced: int = 0
    unchanged: int = 0  # rows the table held already with the same values: not written again
    problems: list[Problem] = field(default_factory=list)
    problem_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    warning_lines: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    personal: list[str] = field(default_factory=list)  # headers of personal data, dropped
    calendar_added: int = 0
    rollup_days: int = 0
    import_seconds: float = 0.0  # until the rows were written (checked, upserted, indexed)
    rollup_seconds: float = 0.0  # rebuilding the daily rollups after that, before the commit
    vacuum_seconds: float = 0.0  # VACUUM (ANALYZE) after a bulk load's commit (PostgreSQL)
    committed: bool = False
    rejects_file: Path | None = None
    newest: dt.datetime | None = None  # the latest issued/accepted/evaluated time of the rows
    seconds: float = 0.0

    def audit_detail(self) -> dict:
        """What the audit trail keeps of an import: counts, not rows."""
        return {
            "file": self.file,
            "table": self.table,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "new_rows": self.new_rows,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "skip_bad": self.skip_bad,
            "committed": self.committed,
            "personal_not_stored": self.personal,
        }

    @property
    def ok(self) -> bool:
        """True when the file was accepted (bad rows only count as failure without skip_bad)."""
        return self.rejected == 0 or self.skip_bad

    def summary_lines(self, listed: int = 50) -> list[str]:
        lines = [p.text(self.file) for p in self.problems[:listed]]
        more = self.rejected_problem_total - min(listed, len(self.problems))
        if more > 0:
            lines.append(f"… and {more:,} more problems")
        if self.problem_counts:
            lines.append("problems by column and reason:")
            for (column, reason), n in self.problem_counts.most_common():
                lines.append(f"  {n:>9,}  {column or '(row)'}: {reason}")
        for label, n in self.warnings.most_common():
            examples = ", ".join(str(x) for x in self.warning_lines.get(label, []))
            lines.append(f"data-quality warning: {n:,} rows {label} (imported; lines {examples})")
        lines.extend(self.notes)
        verb = "checked (dry run)" if self.dry_run else "imported"
        if not self.committed and not self.dry_run:
            verb = "NOT imported"
        head = (
            f"{self.file} → {self.table}: {self.rows_read:,} rows read, "
            f"{self.rejected:,} rejected; {verb}"
        )
        if self.committed:
            updated = self.imported - self.new_rows
            head += f" {self.imported:,} ({self.new_rows:,} new, {updated:,} already there)"
            if self.unchanged:
                head += f"; {self.unchanged:,} of them unchanged, not written again"
            if self.replaced:
                head += f"; {self.replaced:,} old rows replaced"
        if self.rejects_file is not None:
            head += f"; rejected rows written to {self.rejects_file}"
        if self.calendar_added:
            lines.append(f"calendar: {self.calendar_added:,} dates added from China's schedule")
        if self.rollup_days:
            lines.append(
                f"daily rollups: {self.rollup_days:,} days rebuilt in {self.rollup_seconds:.1f} s "
                f"in the import's transaction (rows written after {self.import_seconds:.1f} s)"
            )
        if self.vacuum_seconds:
            lines.append(
                f"{self.table}: vacuumed and analysed in {self.vacuum_seconds:.1f} s after the "
                "commit, so that the figures read the new rows at full speed"
            )
        if self.rejected and not self.skip_bad:
            lines.append(
                "nothing was written: fix the rows above, or import the good rows with "
                "--skip-bad --rejects FILE"
            )
        lines.append(f"{head} in {self.seconds:.1f} s")
        return lines

    @property
    def rejected_problem_total(self) -> int:
        return sum(self.problem_counts.values())

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "table": self.table,
            "committed": self.committed,
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "new": self.new_rows,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "replaced": self.replaced,
            "problems": [
                {"line": p.line, "column": p.column, "value": p.value, "reason": p.reason}
                for p in self.problems
            ],
            "problem_counts": [
                {"column": c, "reason": r, "rows": n} for (c, r), n in self.problem_counts.items()
            ],
            "warnings": [
                {"warning": k, "rows": n, "lines": self.warning_lines.get(k, [])}
                for k, n in self.warnings.items()
            ],
            "notes": self.notes,
            "personal_not_stored": self.personal,
            "calendar_added": self.calendar_added,
            "rollup_days": self.rollup_days,
            "rejects_file": str(self.rejects_file) if self.rejects_file else None,
            "seconds": round(self.seconds, 3),
        }


def inspect_file(
    table: str,
    path: Path,
    name: str | None = None,
    mapping_file: Path | None = None,
    declared: dict | None = None,
) -> tuple[TableSpec, Source, Mapping]:
    """Open a file and match its columns to the table (what `--show-mapping` prints)."""
    try:
        spec = table_spec(table)
    except KeyError as exc:
        raise FileRejected(str(exc.args[0])) from None
    name = name or Path(path).name
    try:
        if mapping_file is not None:
            declared = load_mapping_file(Path(mapping_file))
        origin = str(mapping_file) if mapping_file else "mapping"

        source = open_source(
            Path(path), name, lambda headers: recognised_count(spec, headers, declared)
        )
        mapping = resolve_mapping(spec, source.header, declared, origin)
    except (SourceError, MappingError, LimitsError) as exc:
        raise FileRejected(str(exc)) from None
    missing = mapping.missing(spec)
    if missing:
        wanted = "; ".join(
            f"{c} ({', '.join(s for k, _, s in header_synonyms(table, c)[:4] if k)})"
            for c in missing
        )
        hint = ""
        if not mapping.columns and source.encoding == "gb18030":
            hint = " — no column was recognised: is the file really GBK?"
        raise FileRejected(
            f"{name}: line {source.header_line}: {table} needs the column(s) {wanted}, which "
            f"the file does not have{hint}. The file's columns: {', '.join(source.header)}. "
            'Name them in a mapping file ([columns] contract_column = "header") or give a '
            "[constants] value."
        )
    return spec, source, mapping


def import_file(
    engine: Engine,
    table: str,
    path: Path,
    *,
    name: str | None = None,
    mapping_file: Path | None = None,
    declared: dict | None = None,
    skip_bad: bool = False,
    rejects: Path | None = None,
    dry_run: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    log: Callable[[str], None] | None = None,
    before_commit: Callable[[Connection, ImportReport], None] | None = None,
    progress: Callable[[ImportReport, float | None], None] | None = None,
) -> ImportReport:
    """Import one file into one table (see the module docstring); raises FileRejected when
    the file as a whole is unusable, and lets database errors through after rolling back.
    `before_commit(conn, report)` runs in the import's transaction just before it commits
    (a feed records what it took in the same transaction as the rows). `progress(report,
    fraction)` is called after each batch with the share of the file read (None when not
    known), instead of `log`'s line per batch."""
    started = time.perf_counter()
    spec, source, mapping = inspect_file(table, path, name, mapping_file, declared)
    return import_rows(
        engine,
        spec,
        source,
        mapping,
        batches(source, chunk_rows, source.limits.chunk_bytes),
        skip_bad=skip_bad,
        rejects=rejects,
        dry_run=dry_run,
        chunk_rows=chunk_rows,
        log=log,
        before_commit=before_commit,
        started=started,
        progress=progress,
    )


def import_rows(
    engine: Engine,
    spec: TableSpec,
    source: Source,
    mapping: Mapping,
    rows: Iterable[Record] | Iterable[Batch],
    *,
    skip_bad: bool = False,
    rejects: Path | None = None,
    dry_run: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    log: Callable[[str], None] | None = None,
    before_commit: Callable[[Connection, ImportReport], None] | None = None,
    allow_empty: bool = False,
    known_bad: Iterable[int] = (),
    started: float | None = None,
    progress: Callable[[ImportReport, float | None], None] | None = None,
) -> ImportReport:
    """The one path of every import: rows of a `Source` (a file's, or a query result's whose
    header is the cursor's columns) validated, upserted in one transaction, the rollups of the
    days touched invalidated and rebuilt in it. A rejects file is complete before
    the transaction commits (a crash after the commit never loses the rejected rows).
    `known_bad` lines (a feed re-reading rows it already rejected, unchanged since) are
    rejected again without being counted or written to the rejects file a second time.
    `rows` are records, or batches of them (`imports.batches`: a file read in blocks)."""
    started = time.perf_counter() if started is None else started
    report = ImportReport(
        file=source.name,
        table=spec.name,
        source=source,
        mapping=mapping,
        dry_run=dry_run,
        skip_bad=skip_bad,
    )
    report.notes.extend(source.notes)
    personal = personal_headers(mapping.ignored)
    others = [h for h in mapping.ignored if h not in personal]
    if others:
        report.notes.append(f"ignored columns (not in the contract): {', '.join(others)}")
    if personal:
        report.personal = list(personal)
        report.notes.append(
            f"personal data not stored (个人信息未保存): {personal_describe(personal, 'en')}"
        )
    rejects_tmp = _RejectsWriter(rejects, source.header) if rejects else None
    try:
        with engine.connect() as conn, conn.begin() as trans:
            if not dry_run and not has_schema(engine):
                metadata.create_all(conn)  # in the transaction: a refused file leaves none
            run = _Run(conn, spec, source, mapping, report, rejects_tmp)
            run.known_bad = frozenset(known_bad)
            run.progress = progress
            try:
                run.execute(rows, chunk_rows, log)
            except SourceError as exc:  # found while reading rows, e.g. an unclosed quote
                raise FileRejected(str(exc)) from None
            if run.span:
                newest = max(run.span)
                report.newest = newest if isinstance(newest, dt.datetime) else None
            if report.rows_read == 0 and not allow_empty:
                raise FileRejected(
                    f"{source.name}: the file has a header (line {source.header_line}) but no "
                    "data rows"
                )
            if dry_run or not report.ok:
                trans.rollback()
                if not dry_run:
                    report.imported = report.new_rows = report.replaced = 0
            else:
                report.import_seconds = time.perf_counter() - started
                if run.stale is not None:
                    # the daily rollups of the days the file touched, built in the database
                    # (INSERT … SELECT) in the rows' transaction: they commit together
                    if log:
                        log(f"rebuilding the daily rollups of {run.stale.first} … {run.stale.last}")
                    report.rollup_days = run.stale.rebuild(
                        conn, wait_target_s=load_settings().wait_target_min * 60
                    )
                    report.rollup_seconds = time.perf_counter() - started - report.import_seconds
                if rejects_tmp and report.rejected:
                    report.rejects_file = rejects_tmp.finish()
                if before_commit is not None:
                    before_commit(conn, report)
                trans.commit()
                report.committed = True
        written = report.imported - report.unchanged
        if (
            report.committed
            and engine.dialect.name == "postgresql"
            and written >= VACUUM_AFTER_ROWS
        ):
            done = time.perf_counter()
            rebuilt = [t.name for t in ROLLUP_TABLES] if report.rollup_days else []
            partitioning.vacuum_analyze(engine, [spec.name, *rebuilt])
            report.vacuum_seconds = time.perf_counter() - done
        if not report.import_seconds:
            report.import_seconds = time.perf_counter() - started
    except BaseException:
        if rejects_tmp:
            rejects_tmp.discard()
        raise
    if rejects_tmp and report.rejects_file is None:
        report.rejects_file = rejects_tmp.finish()
    report.seconds = time.perf_counter() - started
    return report


class _Run:
    """One file going into one table on one connection: the state the chunks share."""

    def __init__(
        self,
        conn: Connection,
        spec: TableSpec,
        source: Source,
        mapping: Mapping,
        report: ImportReport,
        rejects: _RejectsWriter | None,
    ):
        self.conn = conn
        self.spec = spec
        self.source = source
        self.report = report
        self.rejects = rejects
        self.table = sa_table(spec.name)
        fed = set(mapping.columns) | set(mapping.constants)
        targets = {c.references for c in spec.columns if c.references and c.name in fed}
        self.validator = ChunkValidator(
            spec, mapping, source.header, References(conn, targets), source.limits
        )
        self.keyless: list[pl.DataFrame] = []  # service hours: checked and written as a whole
        self.keyless_records: dict[int, Record] = {}
        self.span: list[object] = []  # first and last day of each chunk of facts
        self.touched: list[object] = []  # first and last value of each rollup day column
        self.stale: rollups.Stale | None = None  # the rollups the rows made stale
        self.known_bad: frozenset[int] = frozenset()
        self.lookup: str | None = None  # a fact table's key: the writer looks stored rows up
        self.progress: Callable[[ImportReport, float | None], None] | None = None
        try:
            self.size = source.path.stat().st_size if source.format == "csv" else 0
        except (OSError, AttributeError, TypeError):
            self.size = 0

    def execute(
        self,
        rows: Iterable[Record] | Iterable[Batch],
        chunk_rows: int,
        log: Callable[[str], None] | None,
    ) -> None:
        report = self.report
        writing = not report.dry_run
        before = count_rows(self.conn, self.table) if writing else 0
        lookup = (
            self.spec.name in rollups.FACTS and len(self.spec.key) == 1 and self.spec.key[0]
        ) or None
        suspended: list[str] = []
        fresh = writing and before == 0 and bool(self.spec.key) and self.spec.name in rollups.FACTS
        if fresh:
            # an empty fact table: its indexes (on PostgreSQL its foreign keys too) are built
            # once at the end (`suspend_indexes`), and no stored row can be replaced (keys
            # repeated in the file are rejected): rows are only inserted
            suspended = suspend_indexes(self.conn, self.table)
            lookup = None
        self.lookup = lookup
        writer = _BackgroundWriter(self.conn, self.table, self.spec.key, lookup, fresh=fresh)
        try:
            for batch in self._batched(rows, chunk_rows):
                good = self._check(batch)
                if report.rejected and not report.skip_bad:
                    writing = False  # keep checking for the full report; nothing will commit
                if not self.spec.key:
                    self.keyless.append(good)
                    for i in range(batch.rows):
                        rec = batch.record(i)
                        self.keyless_records[rec.line] = rec
                elif writing and good.height:
                    writer.put(good.drop(IDX, LINE))
                    report.imported += good.height
                if self.progress:
                    known = batch.position is not None and self.size
                    self.progress(report, batch.position / self.size if known else None)
                elif log:
                    log(f"{report.rows_read:,} rows checked, {report.rejected:,} rejected")
            writer.close()
        finally:
            writer.stop()
        restore_indexes(self.conn, suspended)
        self.touched.extend(writer.days)
        report.unchanged = writer.unchanged
        if self.keyless:
            frame = _check_service_hours(
                pl.concat(self.keyless), report, self.rejects, self.keyless_records
            )
            if writing and report.ok:
                report.replaced = replace_rows(
                    self.conn, self.table, frame.drop(IDX, LINE), "hall_id"
                )
                report.imported = frame.height
        if writing and report.ok:
            report.new_rows = count_rows(self.conn, self.table) - before + report.replaced
            report.calendar_added = self._extend_calendar()
            # stale rollups go with the rows (rebuilt before the commit, `import_rows`)
            # rows that were there already: their old days are in `touched` when the writer
            # looked them up (facts), else every day is stale
            changed = report.new_rows < report.imported and lookup is None
            self.stale = rollups.invalidate_after_write(
                self.conn, self.spec.name, self.touched, changed_existing=changed
            )

    def _batched(self, rows: Iterable[Record] | Iterable[Batch], size: int) -> Iterator[Batch]:
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return
        rows = itertools.chain([first], rows)
        if isinstance(first, Batch):
            yield from rows
            return
        width = len(self.source.header)  # records: grouped here
        yield from record_batches(rows, width, size, self.source.limits.chunk_bytes)

    def _check(self, batch: Batch) -> pl.DataFrame:
        """Validate a chunk, account for it in the report and the rejects; its good rows."""
        report = self.report
        result = self.validator.check_batch(batch)
        report.rows_read += batch.rows
        if self.known_bad:  # rejected in an earlier round and unchanged: not reported again
            again = {i for i in result.rejected if batch.line(i) in self.known_bad}
            report.rejected_again += len(again)
            result.rejected = {i: r for i, r in result.rejected.items() if i not in again}
            result.problems = [p for p in result.problems if p.line not in self.known_bad]
        report.rejected += len(result.rejected)
        for p in result.problems:
            report.problem_counts[(p.column, re.sub(r"line \d+", "line N", p.reason))] += 1
        room = MAX_LISTED - len(report.problems)
        if room > 0:
            report.problems.extend(result.problems[:room])
        for label, n in result.warnings.items():
            report.warnings[label] += n
            report.warning_lines.setdefault(label, result.warning_lines[label])
        if self.rejects is not None:
            for idx, reasons in sorted(result.rejected.items()):
                self.rejects.write(batch.record(idx), "; ".join(reasons))
        good = result.good
        if self.spec.name in SPAN_COLUMN and good.height:
            col = good[SPAN_COLUMN[self.spec.name]]
            self.span.extend([col.min(), col.max()])
        if not self.lookup:  # else the writer notes the days of the rows it writes
            self.touched.extend(_days(good, self.spec.name))
        return good

    def _extend_calendar(self) -> int:
        """China's calendar for the years the facts span (deadlines run up to 200 days on)."""
        if not self.span:
            return 0
        first, last = min(self.span), max(self.span)
        first = first.date() if isinstance(first, dt.datetime) else first
        last = last.date() if isinstance(last, dt.datetime) else last
        return ensure_calendar(
            self.conn,
            dt.date(first.year, 1, 1),
            dt.date((last + dt.timedelta(days=200)).year, 12, 31),
        )


def _days(frame: pl.DataFrame, table: str) -> list:
    """The first and last value of each column the rollups place `table`'s rows by."""
    if frame.is_empty():
        return []
    columns = [c for c in rollups.FACTS.get(table, ()) if c in frame.columns]
    return [v for c in columns for v in (frame[c].min(), frame[c].max())]


class _BackgroundWriter:
    """One thread that upserts chunks on the import's connection, one chunk behind the reader.

    The queue holds one chunk, so memory stays at about three chunks. The connection is used
    by this thread only until `close()` returns; an error here is raised in the caller at the
    next `put()` or at `close()`, and the caller's transaction then rolls back.
    """

    def __init__(
        self,
        conn: Connection,
        table,
        key: tuple[str, ...],
        lookup: str | None = None,
        *,
        fresh: bool = False,
    ):
        self.conn, self.table, self.key = conn, table, key
        # a fact table's key: rows stored with the same values are not written again; the
        # stored days of the others are noted before upserting, with the days they bring
        self.lookup = lookup
        self.fresh = fresh  # the table was empty and the file's keys are unique: insert only
        self.days: list = []  # the rollup days the written rows touch (with `lookup`)
        self.unchanged = 0
        self.queue: queue.Queue[pl.DataFrame | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._work, name="hallpulse-import-writer")
        self.thread.start()

    def _work(self) -> None:
        while (frame := self.queue.get()) is not None:
            if self.error is None:
                try:
                    if self.lookup:
                        same = unchanged(self.conn, self.table, frame, self.lookup)
                        self.unchanged += int(same.sum())
                        frame = frame.filter(~same)
                        keys = frame[self.lookup].to_list()
                        days, _ = rollups.old_fact_days(self.conn, self.table.name, keys)
                        self.days.extend([*days, *_days(frame, self.table.name)])
                    if self.fresh:
                        insert_new(self.conn, self.table, frame, self.key)
                    else:
                        upsert(self.conn, self.table, frame, self.key)
                except BaseException as exc:  # handed to the caller's thread
                    self.error = exc

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def put(self, frame: pl.DataFrame) -> None:
        self._raise()
        self.queue.put(frame)

    def close(self) -> None:
        """Wait until every chunk is written; raise the writer's error if there was one."""
        self.stop()
        self._raise()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()


def _check_service_hours(
    frame: pl.DataFrame,
    report: ImportReport,
    rejects: _RejectsWriter | None,
    raw: dict[int, Record],
) -> pl.DataFrame:
    """Reject a slot that overlaps an earlier slot of the same hall, weekday and validity."""
    keep, seen = [], []
    for row in frame.sort(LINE).iter_rows(named=True):
        clash = next(
            (
                other
                for other in seen
                if other["hall_id"] == row["hall_id"]
                and other["weekday"] == row["weekday"]
                and row["start"] < other["end"]
                and other["start"] < row["end"]
                and (
                    other["valid_to"] is None
                    or row["valid_from"] is None
                    or row["valid_from"] <= other["valid_to"]
                )
                and (
                    row["valid_to"] is None
                    or other["valid_from"] is None
                    or other["valid_from"] <= row["valid_to"]
                )
            ),
            None,
        )
        if clash is None:
            seen.append(row)
            keep.append(row[LINE])
            continue
        reason = (
            f"overlaps the slot on line {clash[LINE]} "
            f"({clash['start']:%H:%M}–{clash['end']:%H:%M}) of the same hall and weekday"
        )
        problem = Problem(row[LINE], "start", f"{row['start']:%H:%M}", reason)
        report.rejected += 1
        report.problem_counts[(problem.column, "overlaps another slot")] += 1
        if len(report.problems) < MAX_LISTED:
            report.problems.append(problem)
        if rejects is not None:
            rejects.write(raw[row[LINE]], f"start: {reason}")
    return frame.filter(pl.col(LINE).is_in(keep))


class _RejectsWriter:
    """Rejected rows, unchanged, with line and reason, into a temporary file that takes the
    final name only when the import finishes (never a half-written rejects file)."""

    def __init__(self, target: Path, header: list[str]):
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".rejects-", suffix=".csv", dir=self.target.parent)
        self.tmp = Path(tmp)
        self.fh = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.fh)
        # line and reason first: a row with too many fields keeps all of them after these
        self.writer.writerow([*REJECT_COLUMNS, *header])

    def write(self, rec: Record, reason: str) -> None:
        self.writer.writerow(csv_row([rec.line, reason, *rec.fields]))  # text stays text

    def finish(self) -> Path:
        self.fh.close()
        os.replace(self.tmp, self.target)
        return self.target

    def discard(self) -> None:
        self.fh.close()
        self.tmp.unlink(missing_ok=True)


__all__ = [
    "IMPORT_ORDER",
    "FileRejected",
    "ImportReport",
    "import_file",
    "import_rows",
    "inspect_file",
]
