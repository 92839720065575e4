"""Data-quality findings: rows that are possible but wrong, counted in SQL, with examples.

Each finding is imported data the metrics treat specially (a ticket called before it was
issued has no wait) or a soft link that points nowhere (facts arrive from different systems,
so a dangling link may heal when the other file is imported).

Punches are judged at a moment, `as_of` (the hall's now): a shift without any punch only once
its scheduled end has passed, a missing clock-out only once the shift's day is over. A roster
written ahead, or a shift still being worked, is not a finding (at 10:00 every afternoon
shift of the day was listed as "rostered but no punch").
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope, scope_filter
from queries import links, partitioning, rollups
from queries import schema as s
from queries.metric_queries import Filters

EXAMPLES = 5
t, c, e, a = s.tickets, s.cases, s.evaluations, s.attendance


_shift = a.c.staff_id + sa.literal(" ") + sa.cast(a.c.work_date, sa.String(10))


def _periods(first: dt.date | None, last: dt.date | None) -> dict:
    """Each table's rows inside first..last (by its own time column)."""

    def period(col):
        out = []
        if first is not None:
            out.append(col >= dt.datetime.combine(first, dt.time(0)))
        if last is not None:
            out.append(col < dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0)))
        return out

    def day_period(col):
        out = []
        if first is not None:
            out.append(col >= first)
        if last is not None:
            out.append(col <= last)
        return out

    return {
        t: period(t.c.issued_at),
        c: period(c.c.accepted_at),
        e: period(e.c.evaluated_at),
        a: day_period(a.c.work_date),
    }


def _dangling(key: str) -> sa.ColumnElement[bool]:
    """The check's definition: the link is set and no row of the target has that key."""
    _, column, target, target_key = links.link(key)
    return sa.and_(column.isnot(None), ~sa.exists().where(target.c[target_key] == column))


def _ended_before(moment: dt.datetime, day: dt.date) -> sa.ColumnElement[bool]:
    """The shift's scheduled end is before `moment` (without an end: its day is before
    `day`)."""
    return sa.or_(a.c.scheduled_end < moment, a.c.scheduled_end.is_(None) & (a.c.work_date < day))


def shift_over(as_of: dt.datetime | None) -> list[sa.ColumnElement[bool]]:
    """The shift's scheduled end has passed by as_of (without an end: its day is over); no
    condition without as_of."""
    return [] if as_of is None else [_ended_before(as_of, as_of.date())]


def shift_day_over(as_of: dt.datetime | None) -> list[sa.ColumnElement[bool]]:
    """The day the shift ends on is over by as_of (without an end: its work day): a clock-out
    after the scheduled end, in an evening of 延时服务, is still to come until midnight."""
    if as_of is None:
        return []
    return [_ended_before(dt.datetime.combine(as_of.date(), dt.time(0)), as_of.date())]


def _findings(as_of: dt.datetime | None = None):
    """(key, label, table, identifier, conditions) of every check, grouped by table: the
    definitions (`quality_findings` counts the link checks through `links.joined`). The punch
    checks judge the shifts that are over by as_of (every shift without it)."""
    no_case = _dangling("tickets_unknown_case")
    no_ticket_c = _dangling("cases_unknown_ticket")
    no_ticket_e = _dangling("evaluations_unknown_ticket")
    no_case_e = _dangling("evaluations_unknown_case")
    no_item = _dangling("cases_unknown_item")
    return [
        (
            "tickets_called_before_issued",
            "叫号时间早于取号时间",
            t,
            t.c.ticket_id,
            [t.c.called_at < t.c.issued_at],
        ),
        (
            "tickets_served_without_finish",
            "已办理但无办结时间",
            t,
            t.c.ticket_id,
            [t.c.status == "served", t.c.finished_at.is_(None)],
        ),
        (
            "tickets_finished_before_called",
            "办结时间早于叫号时间",
            t,
            t.c.ticket_id,
            [t.c.finished_at < t.c.called_at],
        ),
        (
            "tickets_unknown_case",
            "取号记录指向不存在的办件",
            t,
            t.c.ticket_id,
            [no_case],
        ),
        (
            "cases_unknown_item",
            "办件的事项不存在",
            c,
            c.c.case_id,
            [no_item],
        ),
        (
            "cases_unknown_ticket",
            "办件指向不存在的取号记录",
            c,
            c.c.case_id,
            [no_ticket_c],
        ),
        (
            "cases_completed_without_time",
            "已办结但无办结时间",
            c,
            c.c.case_id,
            [c.c.status == "completed", c.c.completed_at.is_(None)],
        ),
        (
            "cases_completed_before_accepted",
            "办结时间早于受理时间",
            c,
            c.c.case_id,
            [c.c.completed_at < c.c.accepted_at],
        ),
        (
            "evaluations_unknown_ticket",
            "评价指向不存在的取号记录",
            e,
            e.c.eval_id,
            [no_ticket_e],
        ),
        (
            "evaluations_unknown_case",
            "评价指向不存在的办件",
            e,
            e.c.eval_id,
            [no_case_e],
        ),
        (
            "attendance_without_punches",
            "排班但无打卡且无请假",
            a,
            _shift,
            [
                a.c.scheduled_start.isnot(None),
                a.c.clock_in.is_(None),
                a.c.clock_out.is_(None),
                a.c.leave.is_(None),
                *shift_over(as_of),
            ],
        ),
        (
            "attendance_missing_clock_out",
            "有上班打卡无下班打卡",
            a,
            _shift,
            [a.c.clock_in.isnot(None), a.c.clock_out.is_(None), *shift_day_over(as_of)],
        ),
        (
            "attendance_clock_out_before_in",
            "下班打卡早于上班打卡",
            a,
            _shift,
            [a.c.clock_out < a.c.clock_in],
        ),
    ]


TABLES = ("tickets", "cases", "evaluations", "attendance")  # the tables checked, in order


def quality_findings(
    conn: Connection,
    first: dt.date | None = None,
    last: dt.date | None = None,
    *,
    scope: Scope,
    as_of: dt.datetime | None,
    tables: tuple[str, ...] = TABLES,
) -> list[dict]:
    """[{"key", "label", "table", "count", "examples"}] for every check, zero counts included,
    counting only the rows inside `scope`, the punches as they stand at `as_of` (the hall's
    now; None judges every shift as over). The checks of one table are counted in one pass
    over its rows of the period (a year's view: four scans instead of thirteen); examples are
    read only for the checks that found something. `tables`: only those tables' checks (the
    page reads the four side by side).

    The dangling links of the rolled days are those the rollups kept (`queries.links`), each
    looked up again by its key, since a link heals when the other file is imported; only the
    days not rolled (today) are joined to every row of the tables the links point to. The
    same counts either way: the rollups are rebuilt on every day a write touches."""
    findings = [f for f in _findings(as_of) if f[2].name in tables]
    kept = _kept_runs(conn, first, last, scope)
    raw = _gaps(first, last, kept)  # the days whose links are joined
    counts: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    for table in dict.fromkeys(table for _, _, table, _, _ in findings):
        own = [(key, ident, where) for key, _, tb, ident, where in findings if tb is table]
        source, found = links.joined(table)
        if not kept or not found:  # one pass over the table joined to its links' targets
            checks = [(key, ident, [found.get(key, sa.and_(*where))]) for key, ident, where in own]
            _count(conn, source, checks, _within(table, [(first, last)], scope), counts, examples)
            continue
        # the plain checks over the whole period, on the table alone; the links of the days
        # not rolled through the join; those of the rolled days among the rows kept
        plain = [(key, ident, where) for key, ident, where in own if key not in found]
        _count(conn, table, plain, _within(table, [(first, last)], scope), counts, examples)
        linked = [(key, ident, [found[key]]) for key, ident, _ in own if key in found]
        if raw:
            where = _within(table, raw, scope, every_hall=True)
            _count(conn, source, linked, where, counts, examples)
        for key, _, _ in linked:
            _count_kept(conn, key, kept, scope, counts, examples)
    return [
        {
            "key": key,
            "label": label,
            "table": table.name,
            "count": counts.get(key, 0),
            "examples": examples.get(key, [])[:EXAMPLES],
        }
        for key, label, table, _, _ in findings
    ]


def _count(
    conn: Connection,
    source: sa.FromClause,
    checks: list[tuple[str, sa.ColumnElement, list[sa.ColumnElement[bool]]]],
    where: list[sa.ColumnElement[bool]],
    counts: dict[str, int],
    examples: dict[str, list[str]],
) -> None:
    """Add each check's count among the rows of `source` that satisfy `where` (one pass), and
    up to EXAMPLES of its rows' identifiers where it found any."""
    if not checks:
        return
    row = conn.execute(
        sa.select(*(sa.func.count(sa.case((sa.and_(*cond), 1))) for _, _, cond in checks))
        .select_from(source)
        .where(*where)
    ).one()
    for (key, ident, cond), n in zip(checks, row, strict=True):
        counts[key] = counts.get(key, 0) + int(n or 0)
        if n and len(examples.get(key, [])) < EXAMPLES:
            found = conn.execute(
                sa.select(ident).select_from(source).where(*cond, *where).limit(EXAMPLES)
            )
            examples.setdefault(key, []).extend(str(r[0]) for r in found)


def _count_kept(
    conn: Connection,
    key: str,
    runs: list[tuple[dt.date, dt.date]],
    scope: Scope,
    counts: dict[str, int],
    examples: dict[str, list[str]],
) -> None:
    """Add the links of check `key` that the rollups kept on the days of `runs` and that still
    point nowhere (each looked up by its key in the table it points to)."""
    u = s.rollup_unlinked
    _, _, target, target_key = links.link(key)
    where = [
        u.c.finding == key,
        sa.or_(*(sa.and_(u.c.day >= lo, u.c.day <= hi) for lo, hi in runs)),
        scope_filter(scope, u),
        ~sa.exists().where(target.c[target_key] == u.c.target_id),
    ]
    n = conn.execute(sa.select(sa.func.count()).select_from(u).where(*where)).scalar_one()
    counts[key] = counts.get(key, 0) + int(n)
    if n and len(examples.get(key, [])) < EXAMPLES:
        found = conn.execute(sa.select(u.c.row_id).where(*where).limit(EXAMPLES)).scalars()
        examples.setdefault(key, []).extend(str(r) for r in found)


def _within(
    table: sa.Table,
    runs: list[tuple[dt.date | None, dt.date | None]],
    scope: Scope,
    *,
    every_hall: bool = False,
) -> list[sa.ColumnElement[bool]]:
    """The rows of `table` inside `scope` with a time in one of the runs of days (None: no
    bound). `every_hall`: name every hall where the scope does not, so that the days not
    rolled (today) are read through the indexes that lead with the hall."""
    periods = [sa.and_(sa.true(), *_periods(lo, hi)[table]) for lo, hi in runs]
    out = [sa.or_(*periods) if len(periods) > 1 else periods[0], scope_filter(scope, table)]
    if every_hall and scope.hall_ids is None and not partitioning.reading_partitioned():
        out.append(table.c.hall_id.in_(sa.select(s.halls.c.hall_id)))
    return out


def _kept_runs(
    conn: Connection, first: dt.date | None, last: dt.date | None, scope: Scope
) -> list[tuple[dt.date, dt.date]]:
    """The runs of consecutive days of first..last (None: every day) whose dangling links the
    rollups keep (`rollup_unlinked`): rolled, the rollup built, no write waiting for its
    rebuild. None for a scope narrower than halls (a department, a window, a person: the
    kept rows hold the hall alone; `rollups.serves`)."""
    span = rollups.rolled_span(conn)
    if span is None:
        return []
    lo = span[0] if first is None else max(first, span[0])
    hi = span[1] if last is None else min(last, span[1])
    if lo > hi:
        return []
    period = Filters(lo, hi, dt.datetime.combine(hi, rollups.END_OF_DAY))
    plan = rollups.plan(conn, period)
    if not rollups.serves("unlinked", plan, period, None, scope=scope):
        return []
    return rollups.day_runs(plan.rolled)


def _gaps(
    first: dt.date | None, last: dt.date | None, runs: list[tuple[dt.date, dt.date]]
) -> list[tuple[dt.date | None, dt.date | None]]:
    """The days of first..last (None: no bound) outside the sorted `runs`, as runs."""
    out: list[tuple[dt.date | None, dt.date | None]] = []
    cursor = first
    for a, b in runs:
        if cursor is None or cursor < a:
            out.append((cursor, a - dt.timedelta(days=1)))
        cursor = b + dt.timedelta(days=1)
    if last is None or cursor <= last:
        out.append((cursor, last))
    return out
