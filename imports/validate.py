"""Checking rows against the data contract, a chunk at a time, vectorised in polars.

A row is rejected (with file, line, column, value and reason) when it breaks the contract:
a required value missing, text that is not of the column's type, a timestamp that does not
exist, an unknown enumeration value, a value too long for its column, a reference that does
not resolve, a key already seen earlier in the file. A row that is possible but suspicious (a
ticket called before it was issued) is imported and counted as a data-quality warning, because
the metrics know how to treat it.

References resolve by id, or else by the name a person would type (a window's label such as
`A12` within the row's hall, a queue's or an item's name, a staff member's name within the
hall), because vendor exports rarely carry the ids.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from imports import parse
from imports.batches import IDX, LINE, Batch, field_column
from imports.contract import INT_RANGES, TEXT_MAX_BYTES, TableSpec
from imports.limits import ImportLimits
from imports.mapping import Mapping
from imports.presets import BOOL_FALSE, BOOL_TRUE, EMPTY_ANY_CASE
from imports.sources import Record
from queries import schema
from reports.cells import csv_unescape
from workdays import clock

DEFAULT_TZ = "Asia/Shanghai"
HALL = "__hall_id"  # the row's hall after names are resolved (its time zone)
SHOWN_MAX = 200  # characters of a bad value kept in a problem (the rejects file has it all)

# What a name in a file may stand for: table → (id column, name column, scoped by hall?)
ALIASES: dict[str, tuple[str, str, bool]] = {
    "halls": ("hall_id", "name", False),
    "departments": ("dept_id", "name", False),
    "windows": ("window_id", "label", True),
    "staff": ("staff_id", "name", True),
    "items": ("item_id", "name", False),
    "queues": ("queue_id", "name", True),
    "bundles": ("bundle_id", "name", False),  # 一件事 packages, by id or by name
}
# References that must lie in the row's own hall (a ticket at another hall's window is a
# broken export). Staff are not checked: a staff member may be lent to another hall.
SAME_HALL = ("windows", "queues")
# Timestamps of things that happened: not later than the hall's now (plus a tolerance for
# clocks that differ a little). Deadlines, appointment slots and rosters may lie ahead.
HAPPENED: dict[str, tuple[str, ...]] = {
    "tickets": ("issued_at", "called_at", "finished_at"),
    "cases": ("accepted_at", "completed_at"),
    "evaluations": ("evaluated_at", "revisited_at", "rectified_at"),
    "attendance": ("clock_in", "clock_out"),
}
NUL_REASON = "contains a NUL byte (\\x00): a broken export, not text"
FUTURE_REASON = "in the future: later than the hall's current time plus {minutes:g} minutes"
COMPLETED_REASON = "required when the status is completed (办结)"

REFERENCE_NOUN = {
    "halls": "hall",
    "departments": "department",
    "windows": "window",
    "staff": "staff member",
    "items": "item (事项)",
    "queues": "queue",
    "bundles": "package (一件事)",
}


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    value: str
    reason: str

    def text(self, file: str) -> str:
        where = f"{file}:{self.line}"
        if not self.column:
            return f"{where}: {self.reason}"
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "…"
        return f"{where}: {self.column} = {shown!r}: {self.reason}"


@dataclass
class ChunkResult:
    good: pl.DataFrame  # typed contract columns of the rows that pass
    rejected: dict[int, list[str]]  # chunk index → reasons
    problems: list[Problem]
    warnings: Counter[str] = field(default_factory=Counter)
    warning_lines: dict[str, list[int]] = field(default_factory=dict)


def _shown(record: Record) -> str:
    """The value a reader problem is about: the last field read (where a quote was left open)."""
    return record.fields[-1].rstrip("\r\n")[:SHOWN_MAX] if record.fields else ""


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


class References:
    """Ids and names of the reference tables a file may point at, read once per import."""

    def __init__(self, conn: Connection | None, tables: set[str]):
        self.ids: dict[str, set[str]] = {}
        self.aliases: dict[str, pl.DataFrame] = {}
        self.timezones: dict[str, str] = {}
        self.window_halls: dict[str, str] = {}
        self.owner_halls: dict[str, dict[str, str]] = {}  # windows/staff/queues: id → hall
        have = set(sa.inspect(conn).get_table_names()) if conn is not None else set()
        for name in tables | {"halls"}:
            id_col, alias_col, scoped = ALIASES[name]
            t = schema.metadata.tables[name]
            cols = [t.c[id_col], t.c[alias_col]] + ([t.c.hall_id] if scoped else [])
            rows = list(conn.execute(sa.select(*cols))) if name in have else []
            self.ids[name] = {r[0] for r in rows}
            self.aliases[name] = self._alias_frame(
                [(r[2] if scoped else None, r[1], r[0]) for r in rows]
            )
            if scoped:
                self.owner_halls[name] = {r[0]: r[2] for r in rows if r[2] is not None}
            if name == "windows":
                self.window_halls = {r[0]: r[2] for r in rows}
        if "halls" in have:
            t = schema.halls
            for hall_id, tz in conn.execute(sa.select(t.c.hall_id, t.c.timezone)):
                self.timezones[hall_id] = tz or DEFAULT_TZ

    @staticmethod
    def _alias_frame(rows: list[tuple[str | None, str, str]]) -> pl.DataFrame:
        frame = pl.DataFrame(
            [(s, _norm(str(a)), i) for s, a, i in rows if a is not None],
            schema={"scope": pl.String, "alias": pl.String, "target": pl.String},
            orient="row",
        )
        return frame.group_by("scope", "alias").agg(
            pl.col("target").first(), pl.col("target").n_unique().alias("matches")
        )


@dataclass(frozen=True)
class _Flag:
    """A rule of a batch: the rows of `frame` (None: the raw frame) where `mask` holds are
    wrong in `column` for `reason`."""

    mask: pl.Expr
    column: str
    reason: str | pl.Expr
    frame: pl.DataFrame | None
    raw: pl.DataFrame

    @property
    def source(self) -> pl.DataFrame:
        return self.raw if self.frame is None else self.frame

    def rows(self) -> pl.DataFrame:
        """(IDX, LINE, column, value, reason) of the rows the rule hits."""
        source, column, raw = self.source, self.column, self.raw
        value = pl.col(column).cast(pl.String) if column in source.columns else pl.lit("")
        if self.frame is not None and column in raw.columns:  # show the text as it came
            shown = raw.select(IDX, pl.col(column).alias("__shown"))
            source = source.join(shown, on=IDX, how="left", maintain_order="left")
            value = pl.col("__shown")
        reason = self.reason if isinstance(self.reason, pl.Expr) else pl.lit(self.reason)
        return source.filter(self.mask).select(
            pl.col(IDX),
            pl.col(LINE),
            pl.lit(column).alias("column"),
            value.fill_null("").str.slice(0, SHOWN_MAX).alias("value"),
            reason.alias("reason"),
        )


def _flagged(flags: list[_Flag]) -> pl.DataFrame:
    """The rows every rule hits, in the rules' order: the rules on one frame are tested in one
    pass (`any` of each mask), and only those that hit are filtered for their rows."""
    by_source: dict[int, list[int]] = {}
    for i, f in enumerate(flags):
        by_source.setdefault(id(f.source), []).append(i)
    hit: set[int] = set()
    for positions in by_source.values():
        source = flags[positions[0]].source
        tests = [flags[i].mask.fill_null(False).any().alias(f"__{i}") for i in positions]
        row = source.select(tests).row(0)
        hit.update(i for i, any_ in zip(positions, row, strict=True) if any_)
    found = [flags[i].rows() for i in range(len(flags)) if i in hit]
    return pl.concat(found) if found else pl.DataFrame()


class ChunkValidator:
    def __init__(
        self,
        spec: TableSpec,
        mapping: Mapping,
        header: list[str],
        refs: References,
        limits: ImportLimits | None = None,
    ):
        self.spec = spec
        self.mapping = mapping
        self.refs = refs
        self.limits = limits or ImportLimits()
        self.header = header
        self.positions = {col: header.index(src) for col, src in mapping.columns.items()}
        # key → line of its first row, across chunks
        self.seen = pl.DataFrame(schema={"__key": pl.String, "__first": pl.Int64})
        self.value_maps = {c.name: mapping.value_map(c.name) for c in spec.columns}

    # --- building the raw frame --------------------------------------------------------------

    def raw_frame(self, frame: pl.DataFrame) -> pl.DataFrame:
        """A batch's text columns as the contract's (IDX, LINE, then the columns the file or
        the mapping's constants give), stripped, empty as null."""
        data = [pl.col(IDX), pl.col(LINE)]
        for col in self.spec.column_names:
            if col in self.positions:
                data.append(pl.col(field_column(self.positions[col])).alias(col))
            elif col in self.mapping.constants:
                data.append(pl.lit(self.mapping.constants[col]).cast(pl.String).alias(col))
        frame = frame.select(data)
        cleaned = []
        empty = list(EMPTY_ANY_CASE)
        for col in frame.columns[2:]:
            # stripped, and an exported CSV's apostrophe before "=", "+", … taken off again
            # (the regular expression only where a value starts with one: a tenth of the cost)
            text = pl.col(col).cast(pl.String).str.strip_chars()
            text = pl.when(text.str.starts_with("'")).then(csv_unescape(text)).otherwise(text)
            cleaned.append(pl.when(text.is_in(empty)).then(None).otherwise(text).alias(col))
        return frame.with_columns(cleaned)

    # --- checks ------------------------------------------------------------------------------

    def check(self, records: list[Record]) -> ChunkResult:
        """Check a list of records (see `check_batch`); IDX is the index in the list."""
        return self.check_batch(Batch.from_records(records, len(self.header)))

    def check_batch(self, batch: Batch) -> ChunkResult:
        """Check a batch of rows: the good rows typed, the rejected ones by IDX with reasons."""
        problems: list[_Flag] = []
        odd = sorted(batch.odd.items())
        reader_problems = [
            Problem(r.line, r.column, _shown(r) if r.column else "", r.problem) for _, r in odd
        ]
        rejected: dict[int, list[str]] = {
            i: [f"{r.column}: {r.problem}" if r.column else r.problem] for i, r in odd
        }
        raw = self.raw_frame(batch.frame)
        typed = raw.select(IDX, LINE)

        def flag(mask: pl.Expr, column: str, reason: str | pl.Expr, frame=None) -> None:
            # noted here, evaluated together in `_flagged` (most rules hit no row of a batch)
            problems.append(_Flag(mask, column, reason, frame, raw))

        # a NUL byte: SQLite and MariaDB would store it, PostgreSQL refuses the whole statement
        for name in raw.columns[2:]:
            flag(pl.col(name).str.contains("\x00", literal=True), name, NUL_REASON)
        nul_problems = problems[:]
        problems.clear()
        # references first: a hall given by name needs its id for its time zone; their problems
        # are listed after the column checks, as a person reads a row
        typed = self._resolve_references(raw, typed, flag)
        reference_problems = problems[:]
        problems.clear()
        if "hall_id" in typed.columns:
            raw = raw.with_columns(typed["hall_id"].alias(HALL))
        hall_tz = self._hall_timezones(raw)
        for col in self.spec.columns:
            if col.name not in raw.columns:
                continue
            c = pl.col(col.name)
            present = c.is_not_null()
            if col.required:
                flag(~present, col.name, "required, but empty")
            values = self.value_maps[col.name]
            if col.kind in ("text",) and col.enum:
                code = c.str.to_lowercase().replace_strict(values, default=None)
                expected = ", ".join(
                    f"{k} ({schema.ENUMS[(self.spec.name, col.name)][k][0]})" for k in col.enum
                )
                flag(present & code.is_null(), col.name, f"unknown value; expected {expected}")
                typed = typed.with_columns(raw.select(code.alias(col.name)))
            elif col.kind == "text":
                if col.max_length:
                    too_long = c.str.len_chars() > col.max_length
                    flag(too_long, col.name, f"longer than {col.max_length} characters")
                else:
                    too_long = c.str.len_bytes() > TEXT_MAX_BYTES
                    flag(too_long, col.name, f"longer than {TEXT_MAX_BYTES:,} bytes")
                if not col.references:  # references hold their resolved ids already
                    typed = typed.with_columns(raw.select(c))
            elif col.kind == "int":
                mapped = c.str.to_lowercase().replace_strict(values, default=c) if values else c
                number = parse.int_expr(mapped)
                flag(present & number.is_null(), col.name, "not a whole number")
                lo, hi = INT_RANGES.get((self.spec.name, col.name), (0, 2_000_000_000))
                flag(
                    number.is_not_null() & ~number.is_between(lo, hi),
                    col.name,
                    f"must be between {lo} and {hi}",
                )
                typed = typed.with_columns(raw.select(number.cast(pl.Int32).alias(col.name)))
            elif col.kind == "bool":
                low = c.str.to_lowercase()
                low = low.replace_strict(values, default=low) if values else low
                value = (
                    pl.when(low.is_in(list(BOOL_TRUE)))
                    .then(True)
                    .when(low.is_in(list(BOOL_FALSE)))
                    .then(False)
                )
                flag(
                    present & value.is_null(),
                    col.name,
                    "not a yes/no value (true/false, 1/0, yes/no, 是/否)",
                )
                if not col.required:  # flags: empty means false
                    value = pl.when(present).then(value).otherwise(False)
                typed = typed.with_columns(raw.select(value.alias(col.name)))
            elif col.kind == "time":
                value, shape, next_day = parse.time_of_day_expr(c)
                flag(present & ~shape, col.name, "not a time of day (expected e.g. 09:00)")
                flag(present & shape & value.is_null(), col.name, "no such time of day")
                flag(present & next_day, col.name, "a time of day cannot be on the next day")
                typed = typed.with_columns(raw.select(value.alias(col.name)))
            elif col.kind == "date":
                value, shape, has_time = parse.date_expr(c, self.mapping.formats.get(col.name))
                flag(present & ~shape, col.name, "not a date (expected e.g. 2026-03-02)")
                flag(present & shape & value.is_null(), col.name, "no such date")
                flag(present & has_time, col.name, "a date is expected, not a time of day")
                day = raw.select(value.alias(col.name)).to_series()
                typed = typed.with_columns(self._plausible_year(raw, col.name, day, flag))
            elif col.kind == "datetime":
                typed = typed.with_columns(
                    self._datetime(raw, col.name, hall_tz, flag).alias(col.name)
                )
        problems.extend(reference_problems)
        problems.extend(nul_problems)
        self._future(typed, flag)
        self._cross_checks(typed, raw, flag)

        found = _flagged(problems)
        bad_idx = set(found[IDX].to_list()) if found.height else set()
        for idx, reason, column in (
            found.select(IDX, "reason", "column").iter_rows() if found.height else []
        ):
            rejected.setdefault(idx, []).append(f"{column}: {reason}")
        good = typed.filter(~pl.col(IDX).is_in(list(bad_idx | set(rejected))))
        good, dup_problems = self._duplicates(good, raw)
        for p, idx in dup_problems:
            rejected.setdefault(idx, []).append(f"{p.column}: {p.reason}")
        listed = reader_problems + [
            Problem(line, column, value, reason)
            for line, column, value, reason in (
                found.select(LINE, "column", "value", "reason").iter_rows() if found.height else []
            )
        ]
        listed += [p for p, _ in dup_problems]
        listed.sort(key=lambda p: p.line)
        result = ChunkResult(good=good, rejected=rejected, problems=listed)
        self._warnings(good, result)
        return result

    def _hall_timezones(self, raw: pl.DataFrame) -> pl.Expr:
        if HALL not in raw.columns or not self.refs.timezones:
            return pl.lit(DEFAULT_TZ)
        return pl.col(HALL).replace_strict(self.refs.timezones, default=DEFAULT_TZ)

    def _datetime(self, raw: pl.DataFrame, name: str, hall_tz: pl.Expr, flag) -> pl.Series:
        """Most exports write one canonical format: parse that fast, and run the general parser
        (formats, offsets, Excel serials, clock times) only on the rows it did not take."""
        text = raw[name]
        fast = text.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
        leap = text.str.ends_with(":60").fill_null(False)  # chrono rolls second 60 over
        fast = pl.select(pl.when(~leap).then(fast)).to_series()
        rest = raw.filter(fast.is_null() & raw[name].is_not_null())
        if name in self.mapping.formats:
            rest = raw
        if rest.is_empty():
            value = fast
        elif rest.height == raw.height:
            value = self._datetime_general(rest, name, hall_tz, flag)
        else:
            general = self._datetime_general(rest, name, hall_tz, flag)
            patch = rest.select(IDX).with_columns(general.alias("__parsed"))
            merged = raw.select(IDX).join(patch, on=IDX, how="left", maintain_order="left")
            value = fast.fill_null(merged["__parsed"])
        return self._plausible_year(raw, name, value.alias(name), flag)

    def _plausible_year(self, raw: pl.DataFrame, name: str, value: pl.Series, flag) -> pl.Series:
        """A service hall's timestamps lie in 1970–2099; year 0026 or 9999 is a typo."""
        lo, hi = parse.YEARS
        odd = value.is_not_null() & ~value.dt.year().is_between(lo, hi)
        if not odd.any():
            return value
        flag(pl.lit(odd), name, f"the year is outside {lo}–{hi}")
        return pl.select(pl.when(~odd).then(value)).to_series().alias(name)

    def _datetime_general(self, raw: pl.DataFrame, name: str, hall_tz: pl.Expr, flag) -> pl.Series:
        c = pl.col(name)
        present = c.is_not_null()
        zones = tuple(sorted({DEFAULT_TZ, *self.refs.timezones.values()}))
        value, shape = parse.datetime_expr(
            c, hall_tz, self.mapping.formats.get(name), timezones=zones
        )
        if self.spec.name == "attendance" and "work_date" in raw.columns:
            # DingTalk exports give clock times on the row's date: 08:52, 次日 01:30
            clock, clock_shape, next_day = parse.time_of_day_expr(c)
            day, _, _ = parse.date_expr(pl.col("work_date"))
            on_day = day.dt.combine(clock) + pl.when(next_day).then(pl.duration(days=1)).otherwise(
                pl.duration(days=0)
            )
            value = pl.when(clock_shape).then(on_day).otherwise(value)
            shape = shape | clock_shape
        example = "2026-03-02 09:14:05"
        flag(present & ~shape, name, f"not a date-time (expected e.g. {example})", raw)
        flag(present & shape & value.is_null(), name, "no such date or time", raw)
        return raw.select(value.alias(name)).to_series()

    def _resolve_references(self, raw: pl.DataFrame, typed: pl.DataFrame, flag) -> pl.DataFrame:
        """Replace names by ids where a name was given; flag what does not resolve."""
        order = sorted(
            (c for c in self.spec.columns if c.references and c.name in raw.columns),
            key=lambda c: c.name != "hall_id",  # hall first: others resolve within the hall
        )
        frame = raw.select(IDX, LINE, *(c.name for c in order))
        for col in order:
            target = col.references
            noun = REFERENCE_NOUN[target]
            own = self.spec.name == target  # a hall's parent in the same file
            ids = set(self.refs.ids.get(target, set()))
            if own:
                ids |= set(raw[ALIASES[target][0]].drop_nulls().to_list())
            c = pl.col(col.name)
            is_id = c.is_in(list(ids))
            _, _, scoped = ALIASES[target]
            aliases = self.refs.aliases.get(target, pl.DataFrame())
            scope = (
                pl.col("hall_id")
                if scoped and "hall_id" in frame.columns
                else pl.lit(None, dtype=pl.String)
            )
            lookup = frame.select(
                IDX,
                scope.alias("scope"),
                pl.when(~is_id).then(c.str.normalize("NFKC").str.to_lowercase()).alias("alias"),
            )
            if aliases.height and lookup["alias"].null_count() < lookup.height:
                lookup = lookup.join(
                    aliases,
                    on=["scope", "alias"],
                    how="left",
                    nulls_equal=True,
                    maintain_order="left",
                )
            else:
                lookup = lookup.with_columns(
                    pl.lit(None, dtype=pl.String).alias("target"),
                    pl.lit(None, dtype=pl.UInt32).alias("matches"),
                )
            frame = frame.with_columns(
                lookup["target"].alias("__target"), lookup["matches"].alias("__matches")
            )
            unresolved = c.is_not_null() & ~is_id
            where = " in that hall" if scoped else ""
            flag(
                unresolved & (pl.col("__matches") > 1),
                col.name,
                f"this name fits several {noun}s{where}; give the id",
                frame,
            )
            flag(
                unresolved & pl.col("__target").is_null(),
                col.name,
                f"unknown {noun}: not in {target}{where} (import {target} first)",
                frame,
            )
            resolved = pl.when(is_id).then(c).otherwise(pl.col("__target"))
            owners = self.refs.owner_halls.get(target, {})
            if target in SAME_HALL and "hall_id" in frame.columns and owners and not own:
                # a name resolves within the row's hall already; an id may point anywhere
                owner = c.replace_strict(owners, default=None, return_dtype=pl.String)
                elsewhere = is_id & owner.is_not_null() & pl.col("hall_id").is_not_null()
                flag(
                    elsewhere & (owner != pl.col("hall_id")),
                    col.name,
                    pl.concat_str(
                        pl.lit(f"this {noun} is in hall "),
                        owner,
                        pl.lit(", not in the row's hall "),
                        pl.col("hall_id"),
                    ),
                    frame,
                )
            frame = frame.with_columns(resolved.alias(col.name)).drop("__target", "__matches")
            typed = typed.with_columns(frame[col.name])
        return typed

    def _future(self, typed: pl.DataFrame, flag) -> None:
        """Flag what happened later than the hall's local now plus the tolerance: a ticket
        dated 2031 would add years of calendar and make every age negative."""
        columns = [c for c in HAPPENED.get(self.spec.name, ()) if c in typed.columns]
        if not columns:
            return
        tolerance = dt.timedelta(minutes=self.limits.future_tolerance_min)
        default = clock.now(DEFAULT_TZ) + tolerance
        latest = {hall: clock.now(tz) + tolerance for hall, tz in self.refs.timezones.items()}
        if "hall_id" in typed.columns and latest:
            limit = pl.col("hall_id").replace_strict(
                latest, default=default, return_dtype=pl.Datetime("us")
            )
        else:
            limit = pl.lit(default, dtype=pl.Datetime("us"))
        reason = FUTURE_REASON.format(minutes=self.limits.future_tolerance_min)
        for name in columns:
            if typed.schema[name] == pl.Date:
                continue
            flag(pl.col(name) > limit, name, reason, typed)

    def _cross_checks(self, typed: pl.DataFrame, raw: pl.DataFrame, flag) -> None:
        """Rules that involve two columns of one row and make the row wrong, not suspicious."""
        if self.spec.name == "cases" and "status" in typed.columns:
            # a completed case without its completion time would count as open for ever
            done_text = (
                raw["completed_at"]
                if "completed_at" in raw.columns
                else pl.Series([None] * raw.height, dtype=pl.String)
            )
            frame = typed.with_columns(done_text.alias("__done_text"))
            flag(
                (pl.col("status") == "completed") & pl.col("__done_text").is_null(),
                "completed_at",
                COMPLETED_REASON,
                frame,
            )
        if self.spec.name == "service_hours":
            flag(pl.col("end") <= pl.col("start"), "end", "the slot ends before it starts", typed)
        if {"valid_from", "valid_to"} <= set(typed.columns):
            flag(pl.col("valid_to") < pl.col("valid_from"), "valid_to", "before valid_from", typed)
        if self.spec.name == "cases" and "bundle_id" in typed.columns:
            application = (
                pl.col("application_id").is_null()
                if "application_id" in typed.columns
                else pl.lit(True)
            )
            flag(
                pl.col("bundle_id").is_not_null() & application,
                "application_id",
                "a case filed under a package (bundle_id) needs its application_id",
                typed,
            )

    def _duplicates(
        self, good: pl.DataFrame, raw: pl.DataFrame
    ) -> tuple[pl.DataFrame, list[tuple[Problem, int]]]:
        """Reject a row whose key an earlier row of the file already had (first one wins)."""
        key = self.spec.key
        if not key or good.is_empty():
            return good, []
        keyed = good.select(
            IDX,
            LINE,
            pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator="\x1f").alias(
                "__key"
            ),
        )
        earlier = keyed.join(self.seen, on="__key", how="left", maintain_order="left")
        first_line = pl.coalesce(
            pl.col("__first"),
            pl.when(~pl.col("__key").is_first_distinct()).then(pl.col(LINE).first().over("__key")),
        )
        earlier = earlier.with_columns(first_line.alias("__first"))
        dup = earlier.filter(pl.col("__first").is_not_null())
        fresh = earlier.filter(pl.col("__first").is_null())
        self.seen = pl.concat(
            [self.seen, fresh.select("__key", pl.col(LINE).alias("__first"))], rechunk=False
        )
        if dup.is_empty():
            return good, []
        problems = [
            (
                Problem(
                    line, key[0], k.replace("\x1f", ", "), f"duplicate key: already on line {first}"
                ),
                idx,
            )
            for idx, line, k, first in dup.select(IDX, LINE, "__key", "__first").iter_rows()
        ]
        return good.filter(~pl.col(IDX).is_in(dup[IDX].implode())), problems

    def _warnings(self, good: pl.DataFrame, result: ChunkResult) -> None:
        rules = WARNINGS.get(self.spec.name, {})
        for label, rule in rules.items():
            needed = rule.meta.root_names()
            if not set(needed) <= set(good.columns):
                continue
            hit = good.filter(rule.fill_null(False))
            if hit.height:
                result.warnings[label] += hit.height
                result.warning_lines[label] = hit[LINE].head(5).to_list()


c = pl.col
# Data-quality findings: imported, counted, shown with example lines.
WARNINGS: dict[str, dict[str, pl.Expr]] = {
    "tickets": {
        "called before it was issued": c("called_at") < c("issued_at"),
        "finished before it was called": c("finished_at") < c("called_at"),
        "served without a finish time": (c("status") == "served") & c("finished_at").is_null(),
        "served or no-show without a call time": c("status").is_in(["served", "no_show"])
        & c("called_at").is_null(),
        "appointment without its slot": (c("source") == "appointment")
        & c("appointment_start").is_null(),
    },
    "cases": {
        "completed before it was accepted": c("completed_at") < c("accepted_at"),
        "due before it was accepted": c("due_at") < c("accepted_at"),
    },
    "evaluations": {
        "return call before the evaluation": c("revisited_at") < c("evaluated_at"),
        "rectified before the evaluation": c("rectified_at") < c("evaluated_at"),
    },
    "attendance": {
        "clocked out before clocking in": c("clock_out") < c("clock_in"),
        "shift ends before it starts": c("scheduled_end") <= c("scheduled_start"),
    },
    "items": {
        "instant item with a promised time limit": (c("kind") == "instant")
        & (c("promised_workdays") > 0),
    },
}
del c
