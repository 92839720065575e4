"""The SQL behind the metrics: filtering and the heavy aggregation run in the database.

Every function takes a `Filters` (dates, as_of, filters), the reader's `scope` (an
`access.scope.Scope`, keyword-only and required: no read can be written without one; its
`scope_filter` is ANDed into every WHERE) and an optional grouping dimension and returns a
polars frame of *additive partial aggregates* (counts, sums, maxima, histograms), one row per
group (column `group`), which `metrics.engine` finishes. Grouping by weekday is done by
grouping by date here and summing there, so no dialect's weekday numbering leaks.

Dimensions reach each fact table through its own columns or a reference table: a ticket's
department is its queue's, a case's its item's, an evaluation's its item's (else its window's),
a shift's its staff member's. A dimension a table does not have (a case's queue) selects no rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import replacement_traverse

from access.scope import Scope, scope_filter
from queries import partitioning
from queries import schema as s
from queries.dialect import (
    day_of,
    flag,
    hour_of,
    int_div,
    seconds_between,
    time_text,
    unindexed,
)
from queries.frames import read_frame

DIMENSIONS = (
    "hall",
    "department",
    "window",
    "staff",
    "queue",
    "item",
    "bundle",  # a case's 一件事 package; no other table has one
    "date",
    "hour",
    "weekday",
)
FILTERS = ("hall", "department", "window", "staff", "queue", "item")
WAIT_BUCKET_S = 6  # histogram resolution for quantiles: 0.1 min, reported within 0.05 min
TERMINAL = ("returned", "rejected", "withdrawn")
OPEN_STATUSES = s.OPEN_CASE_STATUSES  # with "completed" later than as_of: open
SECTIONS = ("tickets", "cases", "evaluations", "attendance")
_NOTHING = "nothing"  # a filter no table has: WHERE false (collect's skipped sections)


@dataclass(frozen=True)
class Filters:
    first: dt.date
    last: dt.date
    as_of: dt.datetime
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(0))

    @property
    def end(self) -> dt.datetime:
        """Exclusive end: midnight after `last`."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(0))


def _sql_group(dimension: str | None) -> str | None:
    return "date" if dimension == "weekday" else dimension


def _group_type(dimension: str | None) -> pl.DataType:
    if dimension in ("date", "weekday"):
        return pl.Date()
    if dimension == "hour":
        return pl.Int32()
    return pl.String()


class _Dims:
    """The expressions of each dimension for one fact table, and the joins they need."""

    def __init__(self, base: sa.Table, exprs: dict[str, ColumnElement | None], joins):
        self.base = base
        self.exprs = exprs
        self.joins = joins  # callable(from_clause, needed dims) -> from_clause

    def where(self, period: Filters, scope: Scope) -> list[ColumnElement]:
        """The period's filters and the reader's scope, in SQL.

        A short period without a hall filter or a hall scope names the halls anyway (every
        hall of `halls`): the fact tables' indexes lead with the hall, so a day or a month
        (today's rows, the days the rollups do not hold yet) is read through them instead of
        scanning every row ever written."""
        out = [scope_filter(scope, self.base)]
        if (period.last - period.first).days < SHORT_PERIOD_DAYS:
            out += every_hall(self.base, period, scope)
        for name, value in period.filters.items():
            expr = self.exprs.get(name)
            out.append(sa.false() if expr is None else expr == value)
        return out

    def group(self, dimension: str | None) -> ColumnElement | None:
        if dimension is None:
            return None
        return self.exprs.get(_sql_group(dimension))

    def from_(self, dimension: str | None, period: Filters, extra: set[str] = frozenset()):
        needed = set(period.filters) | ({_sql_group(dimension)} if dimension else set()) | extra
        return self.joins(self.base, needed)


SHORT_PERIOD_DAYS = 62  # up to two months: read through the (hall, time) indexes


def every_hall(table, period: Filters, scope: Scope) -> list[ColumnElement]:
    """`hall_id IN (every hall)` where neither the filters nor the scope name the halls: it
    selects the same rows, and lets the database use the indexes that lead with the hall."""
    if "hall" in period.filters or scope.hall_ids is not None:
        return []
    if partitioning.reading_partitioned():  # months prune instead; the join would stop the
        return []  # aggregation from running partition by partition (shard by shard)
    return [table.c.hall_id.in_(sa.select(s.halls.c.hall_id))]


t, c, e, a = s.tickets, s.cases, s.evaluations, s.attendance
q_dept = s.queues.alias("q_dept")
i_case = s.items.alias("i_case")
i_eval = s.items.alias("i_eval")
w_eval = s.windows.alias("w_eval")
st_att = s.staff.alias("st_att")


def _ticket_joins(base, needed):
    if "department" in needed:
        base = base.outerjoin(q_dept, q_dept.c.queue_id == t.c.queue_id)
    return base


def _case_joins(base, needed):
    return base.join(i_case, i_case.c.item_id == c.c.item_id)  # kind, promised, legal: always


def _eval_joins(base, needed):
    if "department" in needed:
        base = base.outerjoin(i_eval, i_eval.c.item_id == e.c.item_id).outerjoin(
            w_eval, w_eval.c.window_id == e.c.window_id
        )
    return base


def _att_joins(base, needed):
    if "department" in needed:
        base = base.outerjoin(st_att, st_att.c.staff_id == a.c.staff_id)
    return base


def ticket_dims() -> _Dims:
    return _Dims(
        t,
        {
            "hall": t.c.hall_id,
            "department": q_dept.c.dept_id,
            "window": t.c.window_id,
            "staff": t.c.staff_id,
            "queue": t.c.queue_id,
            "item": None,
            "date": day_of(t.c.issued_at),
            "hour": hour_of(t.c.issued_at),
        },
        _ticket_joins,
    )


def case_dims(basis: ColumnElement) -> _Dims:
    """Cases placed in time by `basis` (accepted_at for intake, completed_at for completion)."""
    return _Dims(
        c,
        {
            "hall": c.c.hall_id,
            "department": i_case.c.dept_id,
            "window": c.c.window_id,
            "staff": c.c.staff_id,
            "queue": None,
            "item": c.c.item_id,
            "bundle": c.c.bundle_id,
            "channel": c.c.channel,  # a rollup member and the intake-by-channel grouping
            "date": day_of(basis),
            "hour": hour_of(basis),
        },
        _case_joins,
    )


def eval_dims() -> _Dims:
    return _Dims(
        e,
        {
            "hall": e.c.hall_id,
            "department": sa.func.coalesce(i_eval.c.dept_id, w_eval.c.dept_id),
            "window": e.c.window_id,
            "staff": e.c.staff_id,
            "queue": None,
            "item": e.c.item_id,
            "date": day_of(e.c.evaluated_at),
            "hour": hour_of(e.c.evaluated_at),
        },
        _eval_joins,
    )


def attendance_dims() -> _Dims:
    return _Dims(
        a,
        {
            "hall": a.c.hall_id,
            "department": st_att.c.dept_id,
            "window": a.c.window_id,
            "staff": a.c.staff_id,
            "queue": None,
            "item": None,
            "date": a.c.work_date,
            "hour": None,
        },
        _att_joins,
    )


Aggregates = dict[str, tuple[ColumnElement, pl.DataType]]  # name: (expression, type)


def _grouped(
    conn: Connection,
    dims: _Dims,
    dimension: str | None,
    period: Filters,
    where: list[ColumnElement],
    columns: Aggregates,
    extra_group: Aggregates | None = None,
    extra_joins: set[str] = frozenset(),
    grain: tuple[str, ...] = (),
    *,
    scope: Scope,
    unindexed_columns: tuple[sa.Column, ...] = (),
) -> pl.DataFrame:
    """SELECT group, extra groups, aggregates FROM table [joins] WHERE … GROUP BY …

    `grain` adds dimensions as further group columns (`hall` as `hall_id`, `date` as `day`,
    the others by their name): the daily rollups are these partials at that grain.
    `unindexed_columns` are kept from SQLite's choice of index wherever the WHERE names them
    (`dialect.unindexed`), filters and scope included."""
    group, extra_group, conditions, from_ = _grouping(
        dims, dimension, period, where, extra_group, extra_joins, grain, scope, unindexed_columns
    )
    return _read_groups(conn, dimension, group, extra_group, columns, from_, conditions)


def _read_groups(
    conn: Connection,
    dimension: str | None,
    group: ColumnElement | None,
    extra_group: Aggregates,
    columns: Aggregates,
    from_: sa.FromClause,
    conditions: Sequence[ColumnElement] = (),
) -> pl.DataFrame:
    """SELECT the dimension's group, the extra groups and the aggregates `columns` FROM
    `from_` WHERE `conditions` GROUP BY the groups, read into a frame; a group without a
    value left out."""
    selected, schema, group_by = [], {}, []
    if dimension is not None:
        selected.append(group.label("group"))
        schema["group"] = _group_type(dimension)
        group_by.append(group)
    for name, (expr, dtype) in extra_group.items():
        selected.append(expr.label(name))
        schema[name] = dtype
        group_by.append(expr)
    for name, (expr, dtype) in columns.items():
        selected.append(expr.label(name))
        schema[name] = dtype
    stmt = sa.select(*selected).select_from(from_).where(*conditions)
    if group_by:
        stmt = stmt.group_by(*group_by)
    frame = read_frame(conn, stmt, schema)
    if dimension is not None:
        frame = frame.filter(pl.col("group").is_not_null())  # no value for X: left out
    return frame


def _grouping(
    dims: _Dims,
    dimension: str | None,
    period: Filters,
    where: list[ColumnElement],
    extra_group: dict[str, tuple[ColumnElement, pl.DataType]] | None,
    extra_joins: set[str],
    grain: tuple[str, ...],
    scope: Scope,
    unindexed_columns: tuple[sa.Column, ...],
):
    """What `_grouped` and `_grouped_rows` share: (the dimension's group expression or None,
    the grain's and the extra groups, the WHERE conditions, the FROM clause)."""
    extra_group = {**grain_columns(dims, grain), **(extra_group or {})}
    extra_joins = set(extra_joins) | set(grain)
    group = dims.group(dimension)
    if dimension is not None and group is None:  # the table has no such dimension
        where = [*where, sa.false()]
        group = sa.literal(None)
    if group is not None and any(group is col for col in unindexed_columns):
        group = unindexed(group)  # nor its GROUP BY: SQLite would scan that column's index
    conditions = [*where, *dims.where(period, scope)]
    if unindexed_columns:
        conditions = [_unindexed(w, unindexed_columns) for w in conditions]
    return group, extra_group, conditions, dims.from_(dimension, period, extra_joins)


def _grouped_rows(
    conn: Connection,
    dims: _Dims,
    dimension: str | None,
    period: Filters,
    where: list[ColumnElement],
    row_values: dict[str, ColumnElement],
    columns: Callable[[sa.ColumnCollection], Aggregates],
    extra_group: Callable[[sa.ColumnCollection], Aggregates] | None = None,
    grain: tuple[str, ...] = (),
    *,
    scope: Scope,
) -> pl.DataFrame:
    """`_grouped` for aggregates of values worked out per row (a wait, a service time):
    `row_values` are computed once per row in an inner SELECT (with the group, the grain,
    the joins and the WHERE `_grouped` would use), and `columns(r)` and `extra_group(r)`
    aggregate and group its columns `r`. Neither SQLite nor PostgreSQL shares a repeated
    expression: a wait in four aggregates was worked out four times a row. The inner SELECT
    carries `OFFSET 0` (SQLite: `LIMIT -1 OFFSET 0`), which keeps the databases from merging
    it back into the outer one (PostgreSQL's subquery pull-up, SQLite's flattening; MariaDB
    materializes it). The tickets' counts of ten days of the city on PostgreSQL 0.60 -> 0.32 s
    (the same rows); on SQLite, where sorting the groups costs most, a month of a
    million-ticket hall 0.88 -> 0.81 s; MariaDB no slower (2026-12-08). Not on partitioned
    facts (`partitioning.reading_partitioned`): there the aggregate must stand on the table
    itself to run partition by partition, on a shard by the shard (partition-wise
    aggregation), so the inner SELECT is merged back as before."""
    group, grains, conditions, from_ = _grouping(
        dims, dimension, period, where, None, set(), grain, scope, ()
    )
    inner = [] if dimension is None else [group.label("group")]
    inner += [expr.label(name) for name, (expr, _) in grains.items()]
    inner += [expr.label(name) for name, expr in row_values.items()]
    rows = sa.select(*inner).select_from(from_).where(*conditions)
    if not partitioning.reading_partitioned():
        rows = rows.offset(0)  # the fence (see above)
    per_row = rows.subquery("r")
    r = per_row.c
    groups = {name: (r[name], dtype) for name, (_, dtype) in grains.items()}
    groups |= extra_group(r) if extra_group else {}
    group = None if dimension is None else r.group
    return _read_groups(conn, dimension, group, groups, columns(r), per_row)


def _unindexed(clause: ColumnElement, columns: tuple[sa.Column, ...]) -> ColumnElement:
    """`clause` with each of `columns` wrapped in `dialect.unindexed`."""
    return replacement_traverse(
        clause, {}, lambda el: unindexed(el) if any(el is col for col in columns) else None
    )


# a done application's cases are few, whatever the period: always through their index (a month
# of the hall through (hall_id, accepted_at) read every case of the hall: 1.2 s on a demo year)
_PACKAGE_CASE_COLUMNS = (c.c.hall_id, c.c.item_id, c.c.window_id)


def _through_packages(period: Filters) -> tuple[sa.Column, ...]:
    """The columns of `cases` to keep from SQLite's index choice in a long period: a
    year's packaged cases are read through the `application_id` index (a few percent of the
    cases), not every case of the hall through (hall_id, accepted_at)."""
    if (period.last - period.first).days < SHORT_PERIOD_DAYS:
        return ()
    # and the indexed columns a grouping by item or window would otherwise read in order
    return _PACKAGE_CASE_COLUMNS


I64, F64 = pl.Int64(), pl.Float64()


def grain_column(dimension: str) -> str:
    """The column a dimension has in a rollup table (and in a partial with that grain)."""
    return {"hall": "hall_id", "date": "day"}.get(dimension, dimension)


def grain_columns(dims: _Dims, grain: tuple[str, ...]) -> dict:
    out = {}
    for name in grain:
        expr = dims.exprs.get(name)
        dtype = pl.Date() if name == "date" else pl.String()
        out[grain_column(name)] = (sa.null() if expr is None else expr, dtype)
    return out


def _sum(expr: ColumnElement) -> ColumnElement:
    return sa.func.coalesce(sa.func.sum(expr), 0)


# --- tickets -----------------------------------------------------------------------------------


def _wait_parts():
    """(valid wait condition, wait seconds): appointments wait from their slot, floored at 0;
    a ticket called before it was issued has no valid wait."""
    late_slot = (t.c.source == "appointment") & (t.c.appointment_start > t.c.issued_at)
    start_ref = sa.case((late_slot, t.c.appointment_start), else_=t.c.issued_at)
    valid = (t.c.status == "served") & t.c.called_at.isnot(None) & (t.c.called_at >= t.c.issued_at)
    wait = sa.case((t.c.called_at < start_ref, 0), else_=seconds_between(t.c.called_at, start_ref))
    return valid, wait


def ticket_counts(
    conn: Connection,
    period: Filters,
    dimension: str | None,
    wait_target_s: float,
    grain: tuple[str, ...] = (),
    *,
    scope: Scope,
) -> pl.DataFrame:
    valid, wait = _wait_parts()
    service_ok = (t.c.status == "served") & t.c.called_at.isnot(None) & t.c.finished_at.isnot(None)
    # each ticket's wait and service time worked out once (`_grouped_rows`)
    per_ticket = {
        "status": t.c.status,
        "source": t.c.source,
        "wait_ok": flag(valid),
        "wait_s": sa.case((valid, wait)),
        "service_ok": flag(service_ok),
        "service_s": sa.case((service_ok, seconds_between(t.c.finished_at, t.c.called_at))),
        "before_issued": flag(t.c.called_at < t.c.issued_at),
    }

    def counted(r) -> Aggregates:
        return {
            "issued": (sa.func.count(), I64),
            "served": (_sum(flag(r.status == "served")), I64),
            "no_show": (_sum(flag(r.status == "no_show")), I64),
            "cancelled": (_sum(flag(r.status == "cancelled")), I64),
            "appointment": (_sum(flag(r.source == "appointment")), I64),
            "wait_n": (_sum(r.wait_ok), I64),
            "wait_sum_s": (_sum(r.wait_s), I64),
            "wait_max_s": (sa.func.max(r.wait_s), I64),
            "wait_within": (_sum(flag(r.wait_s <= wait_target_s)), I64),
            "service_n": (_sum(r.service_ok), I64),
            "service_sum_s": (_sum(r.service_s), I64),
            "called_before_issued": (_sum(r.before_issued), I64),
        }

    in_period = [t.c.issued_at >= period.start, t.c.issued_at < period.end]
    return _grouped_rows(
        conn,
        ticket_dims(),
        dimension,
        period,
        in_period,
        per_ticket,
        counted,
        grain=grain,
        scope=scope,
    )


HISTOGRAM_KINDS = ("wait", "service")


def ticket_histograms(
    conn: Connection,
    period: Filters,
    dimension: str | None,
    grain: tuple[str, ...] = (),
    *,
    scope: Scope,
    kinds: tuple[str, ...] = HISTOGRAM_KINDS,
) -> pl.DataFrame:
    """Waits and service times in 0.1-minute buckets: (group, kind, bucket, n, sum_s); only
    the `kinds` asked for ("wait", "service"), each its own SELECT."""
    dims = ticket_dims()
    valid, wait = _wait_parts()
    service_ok = (t.c.status == "served") & t.c.called_at.isnot(None) & t.c.finished_at.isnot(None)
    service = seconds_between(t.c.finished_at, t.c.called_at)
    in_period = [t.c.issued_at >= period.start, t.c.issued_at < period.end]
    frames = []
    for kind, condition, seconds in (
        ("wait", valid, wait),
        ("service", service_ok & (service >= 0), service),
    ):
        if kind not in kinds:
            continue
        frame = _grouped_rows(
            conn,
            dims,
            dimension,
            period,
            [*in_period, condition],
            {"seconds": seconds},  # worked out once a ticket (`_grouped_rows`)
            lambda r: {"n": (sa.func.count(), I64), "sum_s": (sa.func.sum(r.seconds), I64)},
            lambda r: {"bucket": (int_div(r.seconds, WAIT_BUCKET_S), I64)},
            grain=grain,
            scope=scope,
        )
        frames.append(frame.with_columns(pl.lit(kind).alias("kind")))
    if not frames:
        raise ValueError(f"no histogram kind among {kinds!r}; kinds: {HISTOGRAM_KINDS}")
    return pl.concat(frames, how="diagonal_relaxed")


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def ticket_segments(
    conn: Connection,
    period: Filters,
    dimension: str | None,
    boundaries: list[int],
    grain: tuple[str, ...] = (),
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Tickets per (group, hall, day, segment of the day between service-hour boundaries):
    a segment never straddles a slot's start or end, so extended hours are counted exactly."""
    if not boundaries:  # no extended slots anywhere: nothing to count (and MariaDB would
        # read a constant `GROUP BY 0` as a column position)
        return pl.DataFrame(
            schema={
                **({"group": _group_type(dimension)} if dimension else {}),
                "hall_id": pl.String(),
                "day": pl.Date(),
                "segment": pl.Int64(),
                "n": pl.Int64(),
            }
        )
    dims = ticket_dims()
    tod = time_text(t.c.issued_at)
    segment = sa.case(
        *[(tod < _hms(b), i) for i, b in enumerate(boundaries)], else_=len(boundaries)
    )
    in_period = [t.c.issued_at >= period.start, t.c.issued_at < period.end]
    return _grouped(
        conn,
        dims,
        dimension,
        period,
        in_period,
        {"n": (sa.func.count(), I64)},
        extra_group={
            "hall_id": (t.c.hall_id, pl.String()),
            "day": (day_of(t.c.issued_at), pl.Date()),
            "segment": (segment, pl.Int64()),
        },
        grain=grain,
        scope=scope,
    )


def closing_boundaries(hours: pl.DataFrame) -> list[int]:
    """Seconds of day where some service interval ends: every possible closing time."""
    return sorted({t.hour * 3600 + t.minute * 60 + t.second for t in hours["end"].to_list()} - {0})


def ticket_after_close(
    conn: Connection,
    period: Filters,
    dimension: str | None,
    closings: list[int],
    grain: tuple[str, ...] = (),
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Served tickets per (group, hall, day, segment of `called_at`'s time of day between the
    possible closing times), with the latest end of service (`finished_at`, else `called_at`)
    in each. Segment k holds calls later than closings[k-1] and not later than closings[k], so
    a ticket is called after a closing time closings[j] exactly when its segment is > j (延时办,
    `metrics.engine` picks each hall-day's closing time from the service hours)."""
    schema = {
        **({"group": _group_type(dimension)} if dimension else {}),
        "hall_id": pl.String(),
        "day": pl.Date(),
        "segment": pl.Int64(),
        "n": pl.Int64(),
        "last_end": pl.Datetime("us"),
    }
    if not closings:  # no service hours anywhere: no closing time to be late for
        return pl.DataFrame(schema=schema)
    tod = time_text(t.c.called_at)
    segment = sa.case(*[(tod <= _hms(b), i) for i, b in enumerate(closings)], else_=len(closings))
    where = [
        t.c.issued_at >= period.start,
        t.c.issued_at < period.end,
        t.c.status == "served",
        t.c.called_at.isnot(None),
    ]
    frame = _grouped(
        conn,
        ticket_dims(),
        dimension,
        period,
        where,
        {
            "n": (sa.func.count(), I64),
            "last_end": (
                sa.func.max(sa.func.coalesce(t.c.finished_at, t.c.called_at)),
                pl.Datetime("us"),
            ),
        },
        extra_group={
            "hall_id": (t.c.hall_id, pl.String()),
            "day": (day_of(t.c.issued_at), pl.Date()),
            "segment": (segment, pl.Int64()),
        },
        grain=grain,
        scope=scope,
    )
    return frame.select(list(schema))


PROBE_EVALUATIONS_DAYS = 3  # shorter periods: coverage probes each ticket's evaluations


def ticket_coverage(
    conn: Connection, period: Filters, dimension: str | None, *, scope: Scope
) -> pl.DataFrame:
    """Served tickets of the period with at least one active evaluation by as_of."""
    dims = ticket_dims()
    one = (
        sa.select(sa.literal(1))
        .where(
            e.c.ticket_id == t.c.ticket_id,
            sa.func.coalesce(e.c.is_default, sa.false()) == sa.false(),
            e.c.evaluated_at <= period.as_of,
        )
        .correlate(t)
    )
    if (period.last - period.first).days < PROBE_EVALUATIONS_DAYS:
        # a day or two (today, read raw beside the rollups): each ticket looks up its own
        # evaluations by the ticket index. A scalar subquery with LIMIT cannot become a join,
        # so PostgreSQL does not hash every evaluation ever made for the day's tickets (the
        # city's day: 29k tickets probed in 0.1 s, against 0.6 s for the hash semi-join)
        evaluated = one.limit(1).scalar_subquery().isnot(None)
    else:
        evaluated = one.exists()
    in_period = [t.c.issued_at >= period.start, t.c.issued_at < period.end, t.c.status == "served"]
    # the EXISTS in WHERE, not inside SUM(CASE): PostgreSQL then plans it as a semi-join; a
    # group without covered tickets is simply absent (its coverage is 0 of its served)
    return _grouped(
        conn,
        dims,
        dimension,
        period,
        [*in_period, evaluated],
        {"covered": (sa.func.count(), I64)},
        scope=scope,
    )


def ticket_first_evaluated_since(
    conn: Connection,
    period: Filters,
    dimension: str | None,
    since: dt.datetime,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Served tickets of the period whose first active evaluation lies in [since, as_of]:
    with the coverage rollup's tickets first evaluated before `since` (the midnight of
    as_of's day), the coverage at an as_of inside a day. Read from that day's evaluations
    (through the (hall, evaluated_at) index), not from the period's tickets."""
    earlier = e.alias("e_earlier")

    # from that day's evaluations (through the (hall, evaluated_at) index) to each one's
    # ticket by its key, kept only when it is a served ticket of the period (most of a day's
    # evaluations are of that day's tickets, which a period ending before `since` leaves
    # out); only those are looked up for an earlier evaluation (the city's day: 25.6 k of
    # either lookup before, 1.4 k of the second now: 0.33 -> 0.11 s). Grouped by the
    # ticket's dimension in the same SELECT, each ticket counted once however many
    # evaluations it had that day (it was a DISTINCT subquery joined to the tickets a second
    # time: the city on the month before's last day, 27.8 k evaluated tickets, 0.42 -> 0.26 s;
    # this month's today, 25.6 k, 0.40 -> 0.23 s).
    def joins(base, needed):
        return _ticket_joins(e.join(base, base.c.ticket_id == e.c.ticket_id), needed)

    issued = sa.func.coalesce(t.c.issued_at, t.c.issued_at)  # a range the index cannot serve
    first_since = [
        e.c.hall_id.in_(sa.select(s.halls.c.hall_id)),  # every hall: through the index
        e.c.evaluated_at >= since,
        e.c.evaluated_at <= period.as_of,
        e.c.ticket_id.isnot(None),
        _active(),
        ~sa.select(sa.literal(1))
        .where(
            earlier.c.ticket_id == e.c.ticket_id,
            sa.func.coalesce(earlier.c.is_default, sa.false()) == sa.false(),
            earlier.c.evaluated_at < since,
        )
        .exists(),
    ]
    in_period = [issued >= period.start, issued < period.end, t.c.status == "served"]
    return _grouped(
        conn,
        _Dims(t, ticket_dims().exprs, joins),
        dimension,
        period,
        [*in_period, *first_since],
        {"covered": (sa.func.count(sa.distinct(t.c.ticket_id)), I64)},
        scope=scope,
    )


def ticket_first_evaluations(
    conn: Connection,
    period: Filters,
    grain: tuple[str, ...],
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Served tickets of the period that have an active evaluation, by the day of their first
    one (`first_eval_day`): coverage at any end-of-day as_of is the sum up to that day."""
    first = (
        sa.select(sa.func.min(e.c.evaluated_at))
        .where(e.c.ticket_id == t.c.ticket_id, _active())
        .scalar_subquery()
    )
    in_period = [t.c.issued_at >= period.start, t.c.issued_at < period.end, t.c.status == "served"]
    return _grouped(
        conn,
        ticket_dims(),
        None,
        period,
        [*in_period, first.isnot(None)],
        {"covered": (sa.func.count(), I64)},
        extra_group={"first_eval_day": (day_of(first), pl.Date())},
        grain=grain,
        scope=scope,
    )


# --- cases -------------------------------------------------------------------------------------


def _case_total_days() -> ColumnElement:
    return i_case.c.promised_workdays + sa.func.coalesce(c.c.suspended_workdays, 0)


def case_intake(
    conn: Connection,
    period: Filters,
    dimension: str | None,
    grain: tuple[str, ...] = (),
    *,
    scope: Scope,
) -> pl.DataFrame:
    dims = case_dims(c.c.accepted_at)
    in_period = [c.c.accepted_at >= period.start, c.c.accepted_at < period.end]
    return _grouped(
        conn,
        dims,
        dimension,
        period,
        in_period,
        {
            "accepted": (sa.func.count(), I64),
            "online": (_sum(flag(c.c.channel == "online")), I64),
            "instant": (_sum(flag(i_case.c.kind == "instant")), I64),
            "tolerance": (_sum(flag(c.c.tolerance == sa.true())), I64),
        },
        grain=grain,
        scope=scope,
    )


def case_completion(
    conn: Connection,
    period: Filters,
    dimension: str | None,
    grain: tuple[str, ...] = (),
    *,
    scope: Scope,
    speed: bool = True,
) -> pl.DataFrame:
    """Completed cases of the period, by the facts their on-time test needs.

    Cases with a `due_at` are judged in SQL; the others come back grouped by acceptance day,
    item kind and working days allowed, and their deadline is derived from the calendar.
    `speed=False`: without what `speedup_rate` alone needs (the days and legal limits of the
    cases a due_at judges, `without_speed`): every other figure is the same, from far fewer
    rows.
    """
    dims = case_dims(c.c.completed_at)
    done = [
        c.c.status == "completed",
        c.c.completed_at >= period.start,
        c.c.completed_at < period.end,
    ]
    has_due = c.c.due_at.isnot(None)
    promised = (i_case.c.kind == "promised") & i_case.c.legal_workdays.isnot(None)
    allowed = sa.case((has_due, -1), else_=_case_total_days())
    extra_group = {
        "accepted_day": (sa.case((~has_due | promised, day_of(c.c.accepted_at))), pl.Date()),
        "completed_day": (sa.case((~has_due | promised, day_of(c.c.completed_at))), pl.Date()),
        "kind": (i_case.c.kind, pl.String()),
        "allowed": (allowed, pl.Int64()),
        "legal": (sa.case((promised, i_case.c.legal_workdays), else_=None), pl.Int64()),
    }
    if not speed:
        extra_group = without_speed(extra_group, allowed)
    return _grouped(
        conn,
        dims,
        dimension,
        period,
        done,
        {
            "n": (sa.func.count(), I64),
            "on_time_known": (_sum(flag(has_due & (c.c.completed_at <= c.c.due_at))), I64),
            "one_visit": (_sum(flag(c.c.visits <= 1)), I64),
            "visits_known": (_sum(flag(c.c.visits.isnot(None))), I64),
        },
        # days only where the calendar must judge (no due_at, or the speed-up): the bulk of
        # cases, with a due_at and no legal limit, fold into a handful of groups
        extra_group=extra_group,
        grain=grain,
        scope=scope,
    )


def without_speed(extra_group: dict, allowed: ColumnElement) -> dict:
    """The completion partial's group columns without the speed-up's: days and legal limit
    only on the rows whose deadline the calendar derives (`allowed` ≥ 0, as `metrics.engine`
    picks them). Only the raw query is cut: the rollup keeps completion judged already
    (`rollups._JUDGED`)."""
    derived = allowed >= 0
    out = dict(extra_group)
    for name in ("accepted_day", "completed_day", "legal"):
        expr, dtype = extra_group[name]
        out[name] = (sa.case((derived, expr)), dtype)
    return out


def open_case_branches(as_of: dt.datetime) -> tuple[list[ColumnElement], ...]:
    """The WHERE conditions of the cases open at as_of, in three disjoint branches.

    Open: not returned/rejected/withdrawn, and not completed by as_of. Each branch is served
    by an index, so a year of closed cases is not scanned: still in progress or suspended
    (hall, status); completed after as_of (hall, completed_at, accepted_at: a past as_of's
    later completions are judged on the index, only the open ones' rows are read); completed
    without a time (a data error; its partial index, or hall and completed_at IS NULL). Counts
    over the branches add up.
    """
    # not through the (hall, accepted_at) index: every case ever accepted before as_of
    accepted = sa.func.coalesce(c.c.accepted_at, c.c.accepted_at) <= as_of
    not_done = sa.or_(c.c.completed_at.is_(None), c.c.completed_at > as_of)
    completed = sa.func.coalesce(c.c.status, c.c.status) == "completed"  # not the status index
    return (
        [accepted, c.c.status.in_(OPEN_STATUSES), not_done],
        [accepted, completed, c.c.completed_at > as_of],
        # as is: the partial index of these rows (PostgreSQL, SQLite) serves every scale
        [accepted, c.c.status == "completed", c.c.completed_at.is_(None)],
    )


def case_open(
    conn: Connection,
    period: Filters,
    dimension: str | None,
    soon_end: dt.datetime,
    *,
    scope: Scope,
) -> pl.DataFrame:
    """Cases open at as_of (a stock: accepted before `first` too), grouped like intake.

    Overdue / due soon are judged in SQL where `due_at` is given (`soon_end` is the end of the
    first working day after as_of's date); the rest come back by acceptance day and allowance.
    """
    dims = case_dims(c.c.accepted_at)
    # a stock over every year: through the (hall, status) and (hall, completed) indexes
    halls = every_hall(c, period, scope)
    branches = [[*branch, *halls] for branch in open_case_branches(period.as_of)]
    has_due = c.c.due_at.isnot(None)
    overdue = has_due & (c.c.due_at < period.as_of)
    frames = [
        _grouped(
            conn,
            dims,
            dimension,
            period,
            branch,
            {
                "n": (sa.func.count(), I64),
                "overdue_known": (_sum(flag(overdue)), I64),
                "soon_known": (_sum(flag(has_due & ~overdue & (c.c.due_at <= soon_end))), I64),
            },
            extra_group={
                "accepted_day": (day_of(c.c.accepted_at), pl.Date()),
                "kind": (i_case.c.kind, pl.String()),
                "allowed": (sa.case((has_due, -1), else_=_case_total_days()), pl.Int64()),
            },
            scope=scope,
            # the third branch through its partial index, not SQLite's pick without
            # statistics, (hall_id, status): every completed case of the hall (0.1 s a hall)
            unindexed_columns=(c.c.hall_id,) if number == 2 else (),
        )
        for number, branch in enumerate(branches)
    ]
    return pl.concat(frames)


# --- 一件事一次办: applications of packages (issue 17) -------------------------------------------

TIME_DIMENSIONS = ("date", "hour", "weekday")


def bundle_intake(
    conn: Connection, period: Filters, dimension: str | None, *, scope: Scope
) -> pl.DataFrame:
    """(group, applications, cases): the cases with a `bundle_id` accepted in the period and
    their distinct applications, per group. Not additive over days (an application counts
    once however many days its cases were accepted on), so it is read from the rows, never
    from the rollups, and counted distinct in the database (a city's year: 300,000 rows no
    longer travel). By weekday it is (group, application_id, cases): the raw queries group
    by date and the dates are made weekdays afterwards, where an application accepted on two
    Mondays still counts once."""
    dims = case_dims(c.c.accepted_at)
    in_period = [c.c.accepted_at >= period.start, c.c.accepted_at < period.end]
    if dimension == "weekday":
        counted = {"cases": (sa.func.count(), I64)}
        extra = {"application_id": (c.c.application_id, pl.String())}
    else:
        counted = {
            "applications": (sa.func.count(sa.distinct(c.c.application_id)), I64),
            "cases": (sa.func.count(), I64),
        }
        extra = None
    return _grouped(
        conn,
        dims,
        dimension,
        period,
        # application_id is set whenever bundle_id is (the contract; the importer refuses a
        # package without it): through the application index, the few packaged cases only
        [*in_period, c.c.bundle_id.isnot(None), c.c.application_id.isnot(None)],
        counted,
        extra_group=extra,
        scope=scope,
        unindexed_columns=_through_packages(period),
    )


BUNDLE_CASE_SCHEMA: dict[str, pl.DataType] = {
    "hall_id": pl.String(),
    "application_id": pl.String(),
    "bundle_id": pl.String(),
    "case_id": pl.String(),
    "item_id": pl.String(),
    "status": pl.String(),
    "accepted_at": pl.Datetime("us"),
    "accepted_day": pl.Date(),
    "completed_at": pl.Datetime("us"),
    "due_at": pl.Datetime("us"),
    "kind": pl.String(),
    "allowed": pl.Int64(),
    "visits": pl.Int64(),
}


PROBE_APPLICATIONS_DAYS = 3  # shorter periods: each done application's cases by its key


def _packaged(period: Filters, scope: Scope) -> ColumnElement[bool]:
    """`bundle_id IS NOT NULL` for the outer read of the done applications' cases. With every
    hall (a city) it is written as is, so that PostgreSQL may read the packaged cases through
    their partial index (0.40 s for a month of the 150-hall city, against a scan of all 18.7 M
    cases, 0.85 s); where the halls are named (a street, a hall) it is hidden from the planner,
    which otherwise took the same index for a street's few hundred applications (0.29 s)
    instead of looking each up by its `application_id` (0.05 s). So is a day or two of every
    hall (today, read raw beside the rollups: the city's 1 k applications done today were
    found among all 68 k packaged cases, 0.13 s). The same rows either way."""
    short = (period.last - period.first).days < PROBE_APPLICATIONS_DAYS
    if every_hall(c, period, scope) and not short:
        return c.c.bundle_id.isnot(None)
    return sa.func.coalesce(c.c.bundle_id, c.c.bundle_id).isnot(None)


def bundle_cases(
    conn: Connection, period: Filters, dimension: str | None, *, scope: Scope
) -> pl.DataFrame:
    """The remaining cases (not returned/rejected/withdrawn) of every application that has a
    case completed in the period, one row each, inside the scope and filters: what
    `bundles_completed` and its rates need (`metrics.engine` derives the missing deadlines
    and judges each application). A few percent of cases: rows, not aggregates.

    `group` is the case's for the table dimensions; for date/hour/weekday it is the time of
    the application's last completion in its hall (the day it was done: an application is
    judged per hall, `workdays.deadlines.applications_done`)."""
    dims = case_dims(c.c.completed_at)
    app = s.cases.alias("c_app")
    if _through_packages(period):
        # = IS NOT NULL for text; SQLite reads this range through the application index
        # (it scans every case for IS NOT NULL inside the IN list)
        through = [app.c.application_id >= ""]
    else:  # a short period: the period's completions through (hall_id, completed_at)
        through = every_hall(app, Filters(period.first, period.last, period.as_of), scope)
    done_in_period = sa.select(app.c.application_id).where(
        app.c.bundle_id.isnot(None),
        *through,
        app.c.status == "completed",
        app.c.completed_at >= period.start,
        app.c.completed_at < period.end,
        scope_filter(scope, app),
    )
    where = [
        c.c.application_id.in_(done_in_period),
        _packaged(period, scope),
        c.c.status.not_in(TERMINAL),
        *dims.where(period, scope),
    ]
    # the packages' cases through the application index, never every case of the hall
    where = [_unindexed(w, _PACKAGE_CASE_COLUMNS) for w in where]
    cols = [
        c.c.hall_id,
        c.c.application_id,
        c.c.bundle_id,
        c.c.case_id,
        c.c.item_id,
        c.c.status,
        c.c.accepted_at,
        day_of(c.c.accepted_at).label("accepted_day"),
        c.c.completed_at,
        c.c.due_at,
        i_case.c.kind,
        _case_total_days().label("allowed"),
        c.c.visits,
    ]
    schema = dict(BUNDLE_CASE_SCHEMA)
    table_dim = dimension is not None and dimension not in TIME_DIMENSIONS
    if table_dim:
        group = dims.group(dimension)
        if group is None:
            where.append(sa.false())
            group = sa.literal(None)
        cols.append(group.label("group"))
        schema["group"] = _group_type(dimension)
    stmt = sa.select(*cols).select_from(dims.from_(dimension, period)).where(*where)
    frame = read_frame(conn, stmt, schema)
    if table_dim:
        return frame.filter(pl.col("group").is_not_null())
    if dimension is None:
        return frame
    last = pl.col("completed_at").max().over("hall_id", "application_id")
    group = last.dt.hour().cast(pl.Int32) if dimension == "hour" else last.dt.date()
    return frame.with_columns(group.alias("group"))


# --- evaluations -------------------------------------------------------------------------------


def _active():
    return sa.func.coalesce(e.c.is_default, sa.false()) == sa.false()


def evaluation_counts(
    conn: Connection,
    period: Filters,
    dimension: str | None,
    grain: tuple[str, ...] = (),
    *,
    scope: Scope,
) -> pl.DataFrame:
    dims = eval_dims()
    in_period = [e.c.evaluated_at >= period.start, e.c.evaluated_at < period.end]
    active = _active()
    return _grouped(
        conn,
        dims,
        dimension,
        period,
        in_period,
        {
            "count": (_sum(flag(active)), I64),
            "default_count": (_sum(flag(~active)), I64),
            "satisfied": (_sum(flag(active & (e.c.rating >= 3))), I64),
            "very": (_sum(flag(active & (e.c.rating == 5))), I64),
            "rating_sum": (_sum(sa.case((active, e.c.rating), else_=0)), I64),
            "bad": (_sum(flag(active & (e.c.rating <= s.BAD_RATING))), I64),
        },
        grain=grain,
        scope=scope,
    )


def bad_reviews(
    conn: Connection, period: Filters, dimension: str | None, *, scope: Scope
) -> pl.DataFrame:
    """The bad reviews of the period, one row each (rare: a few per thousand)."""
    dims = eval_dims()
    group = dims.group(dimension)
    where = [
        e.c.evaluated_at >= period.start,
        e.c.evaluated_at < period.end,
        _active(),
        e.c.rating <= s.BAD_RATING,
        *dims.where(period, scope),
    ]
    cols = [e.c.eval_id, e.c.evaluated_at, e.c.revisited_at, e.c.rectified_at]
    schema: dict[str, pl.DataType] = {
        "eval_id": pl.String(),
        "evaluated_at": pl.Datetime("us"),
        "revisited_at": pl.Datetime("us"),
        "rectified_at": pl.Datetime("us"),
    }
    if dimension is not None:
        if group is None:
            where.append(sa.false())
            group = sa.literal(None)
        cols.append(group.label("group"))
        schema["group"] = _group_type(dimension)
    stmt = sa.select(*cols).select_from(dims.from_(dimension, period)).where(*where)
    frame = read_frame(conn, stmt, schema)
    return frame.filter(pl.col("group").is_not_null()) if dimension else frame


# --- attendance --------------------------------------------------------------------------------


def shift_due(as_of: dt.datetime, grace_s: float) -> ColumnElement[bool]:
    """A rostered shift that is due by as_of: every shift of an earlier day, and on as_of's day
    one whose start plus the lateness grace has passed (a clock-in at start + grace is still
    on time). Only such a shift can be absent, and only such shifts are the absence rate's
    denominator: a roster written ahead is not absence (at 02:00 every shift of the day is
    still to come, and a Tuesday's 本周 read 47.8 % absent)."""
    started = a.c.scheduled_start < as_of - dt.timedelta(seconds=grace_s)
    return a.c.scheduled_start.isnot(None) & ((a.c.work_date < as_of.date()) | started)


def shift_absent(as_of: dt.datetime, grace_s: float) -> ColumnElement[bool]:
    """Rostered, due by as_of (`shift_due`), no clock-in and no leave: `absence_rate`'s
    numerator and the exceptions list's absences."""
    return shift_due(as_of, grace_s) & a.c.clock_in.is_(None) & a.c.leave.is_(None)


def attendance_counts(
    conn: Connection,
    period: Filters,
    dimension: str | None,
    grace_s: float,
    *,
    scope: Scope,
) -> pl.DataFrame:
    dims = attendance_dims()
    in_period = [a.c.work_date >= period.first, a.c.work_date <= period.last]
    both = a.c.clock_in.isnot(None) & a.c.clock_out.isnot(None)
    scheduled = shift_due(period.as_of, grace_s)  # and so scheduled_start is there
    judged = a.c.scheduled_start.isnot(None) & a.c.clock_in.isnot(None)
    late = judged & (seconds_between(a.c.clock_in, a.c.scheduled_start) > grace_s)
    absent = shift_absent(period.as_of, grace_s)
    return _grouped(
        conn,
        dims,
        dimension,
        period,
        in_period,
        {
            "staffed_s": (
                _sum(sa.case((both, seconds_between(a.c.clock_out, a.c.clock_in)), else_=0)),
                I64,
            ),
            "judged": (_sum(flag(judged)), I64),
            "late": (_sum(flag(late)), I64),
            "scheduled": (_sum(flag(scheduled)), I64),
            "absent": (_sum(flag(absent)), I64),
        },
        scope=scope,
    )


# --- shared with the rollups and `queries.metric_inputs` ---------------------------------------


def due_soon_end(calendar: pl.DataFrame, as_of: dt.datetime) -> dt.datetime:
    """The end (23:59:59) of the first working day after as_of's date (as_of if unknown)."""
    later = calendar.filter((pl.col("date") > as_of.date()) & pl.col("is_workday"))
    if later.is_empty():
        return as_of
    return dt.datetime.combine(later["date"].min(), dt.time(23, 59, 59))


def extended_boundaries(hours: pl.DataFrame) -> list[int]:
    slots = hours.filter(pl.col("kind") == "extended")
    seconds = {
        t.hour * 3600 + t.minute * 60 + t.second
        for t in [*slots["start"].to_list(), *slots["end"].to_list()]
    }
    return sorted(seconds - {0})
