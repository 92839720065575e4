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
from queries import schema as s

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


# Soft links checked for a target (key → fact table, its link, the table and key it points to).
# Counted through a LEFT JOIN to the target's key (unique and never NULL: no match is exactly
# NOT EXISTS), which PostgreSQL runs as a hash join instead of a lookup per row: a year of the
# city's 2.3 M cases took 11.6 s through correlated subqueries (a scan of the items per case
# among them).
LINKS = {
    "tickets_unknown_case": (t, "case_id", c, "case_id"),
    "cases_unknown_item": (c, "item_id", s.items, "item_id"),
    "cases_unknown_ticket": (c, "ticket_id", t, "ticket_id"),
    "evaluations_unknown_ticket": (e, "ticket_id", t, "ticket_id"),
    "evaluations_unknown_case": (e, "case_id", c, "case_id"),
}


def _dangling(key: str) -> sa.ColumnElement[bool]:
    """The check's definition: the link is set and no row of the target has that key."""
    table, link, target, target_key = LINKS[key]
    return sa.and_(
        table.c[link].isnot(None), ~sa.exists().where(target.c[target_key] == table.c[link])
    )


def _joined(table: sa.Table) -> tuple[sa.FromClause, dict[str, sa.ColumnElement[bool]]]:
    """The table outer-joined to every target its links point to, and each link check as a
    condition on that join (the target's key missing)."""
    joined: sa.FromClause = table
    found = {}
    for key, (tb, link, target, target_key) in LINKS.items():
        if tb is not table:
            continue
        ref = target.alias(f"ref_{key}")
        joined = joined.outerjoin(ref, ref.c[target_key] == table.c[link])
        found[key] = sa.and_(table.c[link].isnot(None), ref.c[target_key].is_(None))
    return joined, found


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
    definitions (`quality_findings` counts the link checks through `_joined`). The punch
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
    page reads the four side by side)."""
    findings = [f for f in _findings(as_of) if f[2].name in tables]
    periods = _periods(first, last)
    counts: dict[str, int] = {}
    sources = {}
    for table in dict.fromkeys(table for _, _, table, _, _ in findings):
        joined, links = _joined(table)
        sources[table] = (joined, links)
        own = [
            (key, links.get(key, sa.and_(*where)))
            for key, _, tb, _, where in findings
            if tb is table
        ]
        row = conn.execute(
            sa.select(*(sa.func.count(sa.case((cond, 1))) for _, cond in own))
            .select_from(joined)
            .where(*periods[table], scope_filter(scope, table))
        ).one()
        counts.update((key, int(n or 0)) for (key, _), n in zip(own, row, strict=True))
    out = []
    for key, label, table, ident, where in findings:
        examples = []
        if counts[key]:
            joined, links = sources[table]
            source, found = (joined, [links[key]]) if key in links else (table, where)
            examples = [
                str(r[0])
                for r in conn.execute(
                    sa.select(ident)
                    .select_from(source)
                    .where(*found, *periods[table], scope_filter(scope, table))
                    .limit(EXAMPLES)
                )
            ]
        out.append(
            {
                "key": key,
                "label": label,
                "table": table.name,
                "count": counts[key],
                "examples": examples,
            }
        )
    return out
