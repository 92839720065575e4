"""Which alert conditions hold for one hall right now: pure functions of frames and the hall's
"now", no database.

A condition carries a stable episode key `<rule>:<hall>:<target>` (`queue_wait:H01:Q03`): the
service fires once when a key appears and again only after it has disappeared (cleared).

The figures are the big screen's (`metrics.live`): a ticket's current wait is now − its start
(issue, or a later appointment slot); a window is staffed when someone is clocked in at it now.
Rules of the kinds in `rules.OPEN_ONLY` hold only while the hall is in service hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from alerts.rules import OPEN_ONLY, Rule
from metrics import live
from metrics.drilldown import with_deadlines

CASES_LISTED = 10  # a case_due message names this many cases
SOURCE_TARGET = "sync"  # the hall part of a sync source's key: feed_stale:sync:<source>


@dataclass(frozen=True)
class Condition:
    """One thing wrong now: what (rule, kind, target), how much (value against threshold)."""

    key: str  # the episode key
    rule: str
    kind: str
    hall_id: str | None  # None: a network-wide condition (a sync source)
    target_kind: str  # queue / window / case / evaluation / hall / source
    target_id: str | None
    target_name: str | None  # queue name, window label, item name, source name
    value: float | None  # the figure (minutes, tickets, rating); None when there is none
    threshold: float | None
    at: dt.datetime  # the hall's now
    when: dt.datetime | None = None  # the moment behind it: last call, due, evaluated, newest
    note: str | None = None  # a detail: the busiest waiting queue, a review's comment, an error
    count: int | None = None  # people waiting in that queue (window_idle)


@dataclass(frozen=True)
class HallSnapshot:
    """What the rules of one hall read, as of `now` (the hall's clock).

    queues: queue_id, name, prefix, dept_id; waits: metrics.live.current_waits (queue_id,
    wait_min, …) of the tickets waiting now; windows: window_id, label, dept_id; shifts:
    queries.live.shifts_today; calls: window_id, queue_id, last_called_at (today);
    bad_reviews: queries.alert_queries.BAD_REVIEWS; cases: open cases with `due`
    (metrics.drilldown.with_deadlines); newest: the newest ticket's issued_at.
    """

    hall_id: str
    now: dt.datetime
    is_open: bool
    queues: pl.DataFrame = field(default_factory=pl.DataFrame)
    waits: pl.DataFrame = field(default_factory=pl.DataFrame)
    windows: pl.DataFrame = field(default_factory=pl.DataFrame)
    shifts: pl.DataFrame = field(default_factory=pl.DataFrame)
    calls: pl.DataFrame = field(default_factory=pl.DataFrame)
    bad_reviews: pl.DataFrame = field(default_factory=pl.DataFrame)
    cases: pl.DataFrame = field(default_factory=pl.DataFrame)
    newest: dt.datetime | None = None


def _condition(rule: Rule, snap: HallSnapshot, target_kind: str, target_id: str, **kw):
    return Condition(
        key=f"{rule.name}:{snap.hall_id}:{target_id}",
        rule=rule.name,
        kind=rule.kind,
        hall_id=snap.hall_id,
        target_kind=target_kind,
        target_id=target_id,
        threshold=rule.threshold,
        at=snap.now,
        **kw,
    )


def queue_figures(queues: pl.DataFrame, waits: pl.DataFrame) -> pl.DataFrame:
    """queue_id, name, dept_id, waiting, wait_max_min per queue (0 and null when none wait)."""
    if waits.is_empty():
        per = pl.DataFrame(
            schema={"queue_id": pl.String, "waiting": pl.UInt32, "wait_max_min": pl.Float64}
        )
    else:
        per = waits.group_by("queue_id").agg(
            waiting=pl.len(), wait_max_min=pl.col("wait_min").max()
        )
    return (
        queues.select("queue_id", "name", "dept_id")
        .join(per, on="queue_id", how="left")
        .with_columns(pl.col("waiting").fill_null(0).cast(pl.Int64))
        .sort("queue_id")
    )


def queue_wait(rule: Rule, snap: HallSnapshot) -> list[Condition]:
    """Queues whose longest current wait is over `threshold_min`."""
    board = queue_figures(snap.queues, snap.waits)
    hot = board.filter(pl.col("wait_max_min") > rule.threshold_min)
    return [
        _condition(
            rule, snap, "queue", r["queue_id"], target_name=r["name"], value=r["wait_max_min"]
        )
        for r in hot.iter_rows(named=True)
    ]


def queue_length(rule: Rule, snap: HallSnapshot) -> list[Condition]:
    """Queues with more than `threshold_waiting` tickets waiting."""
    board = queue_figures(snap.queues, snap.waits)
    hot = board.filter(pl.col("waiting") > rule.threshold_waiting)
    return [
        _condition(
            rule, snap, "queue", r["queue_id"], target_name=r["name"], value=float(r["waiting"])
        )
        for r in hot.iter_rows(named=True)
    ]


def served_queues(snap: HallSnapshot, window_id: str, dept_id: str | None) -> set[str]:
    """The queues a window serves: those it called today, and those of its department (every
    queue of the hall for a window without a department that has not called today)."""
    called = set(snap.calls.filter(pl.col("window_id") == window_id)["queue_id"].to_list())
    if dept_id:
        called |= set(snap.queues.filter(pl.col("dept_id") == dept_id)["queue_id"].to_list())
    elif not called:
        called = set(snap.queues["queue_id"].to_list())
    return called


def window_idle(rule: Rule, snap: HallSnapshot) -> list[Condition]:
    """Staffed windows whose last call today is more than `threshold_min` ago (or, without a
    call today, whose clock-in is) while a queue they serve has people waiting. Nothing when
    the hall has no attendance today (who is at a window is then unknown)."""
    staffed = live.staffed_windows(snap.shifts, snap.now)
    if not staffed:
        return []
    board = queue_figures(snap.queues, snap.waits).filter(pl.col("waiting") > 0)
    if board.is_empty():
        return []
    waiting = dict(zip(board["queue_id"], board["waiting"], strict=True))
    names = dict(zip(board["queue_id"], board["name"], strict=True))
    on = snap.shifts.filter(
        (pl.col("clock_in") <= snap.now)
        & (pl.col("clock_out").is_null() | (pl.col("clock_out") > snap.now))
    )
    clock_in = dict(on.group_by("window_id").agg(pl.col("clock_in").min()).iter_rows())
    last = dict(snap.calls.group_by("window_id").agg(pl.col("last_called_at").max()).iter_rows())
    out = []
    for w in snap.windows.sort("window_id").iter_rows(named=True):
        window_id = w["window_id"]
        if window_id not in staffed:
            continue
        queues = sorted(q for q in served_queues(snap, window_id, w["dept_id"]) if q in waiting)
        if not queues:
            continue
        moments = [m for m in (last.get(window_id), clock_in.get(window_id)) if m is not None]
        if not moments:
            continue
        since = max(moments)  # a call before a later clock-in (after lunch) does not count
        idle = (snap.now - since).total_seconds() / 60.0
        if idle <= rule.threshold_min:
            continue
        busiest = max(queues, key=lambda q: (waiting[q], q))
        out.append(
            _condition(
                rule,
                snap,
                "window",
                window_id,
                target_name=w["label"],
                value=idle,
                when=last.get(window_id),
                note=names.get(busiest) or busiest,
                count=int(waiting[busiest]),
            )
        )
    return out


def bad_review(rule: Rule, snap: HallSnapshot) -> list[Condition]:
    """Bad reviews (rating ≤ `max_rating`) evaluated within the last `within_min` minutes; at
    any hour (a review by the 12345 hotline at night is still news in the morning)."""
    since = snap.now - dt.timedelta(minutes=rule.within_min)
    frame = snap.bad_reviews
    if frame.is_empty():
        return []
    recent = frame.filter(
        (pl.col("evaluated_at") > since)
        & (pl.col("evaluated_at") <= snap.now)
        & (pl.col("rating") <= rule.max_rating)
    ).sort("evaluated_at", "eval_id")
    labels = (
        dict(zip(snap.windows["window_id"], snap.windows["label"], strict=True))
        if (snap.windows.height)
        else {}
    )
    return [
        _condition(
            rule,
            snap,
            "evaluation",
            r["eval_id"],
            target_name=labels.get(r["window_id"]) if r["window_id"] else None,
            value=float(r["rating"]),
            when=r["evaluated_at"],
            note=r["comment"] or None,
        )
        for r in recent.iter_rows(named=True)
    ]


def cases_with_due(cases: pl.DataFrame, calendar: pl.DataFrame, now: dt.datetime) -> pl.DataFrame:
    """`queries.alert_queries.open_cases_maybe_due` rows with `due`: the given due_at, else
    the end of the working day the calendar gives (metrics.drilldown.with_deadlines)."""
    return with_deadlines(cases, calendar, now, now)


def case_due(rule: Rule, snap: HallSnapshot) -> list[Condition]:
    """The hall's open cases whose deadline falls on its today, from `after` on: one condition
    per hall and day (`case_due:H01:2026-12-03`), naming the cases (a digest, not one message
    per case: a district centre has dozens due on a day)."""
    if rule.after is not None and snap.now.time() < rule.after:
        return []
    if snap.cases.is_empty():
        return []
    due = snap.cases.filter(pl.col("due").dt.date() == snap.now.date()).sort("due", "case_id")
    if due.is_empty():
        return []
    listed = [
        f"{r['case_id']} {r['item_name'] or ''} ({r['due']:%H:%M})"
        for r in due.head(CASES_LISTED).iter_rows(named=True)
    ]
    return [
        _condition(
            rule,
            snap,
            "hall",
            snap.now.date().isoformat(),
            target_name=None,
            value=float(due.height),
            when=due["due"].min(),
            note="; ".join(listed),
        )
    ]


def feed_stale(rule: Rule, snap: HallSnapshot) -> list[Condition]:
    """The hall's newest ticket is older than `threshold_min` (or there is none) while it is
    open (metrics.live.is_stale)."""
    if not live.is_stale(snap.newest, snap.now, snap.is_open, rule.threshold_min):
        return []
    age = None if snap.newest is None else (snap.now - snap.newest).total_seconds() / 60.0
    return [
        _condition(rule, snap, "hall", "tickets", target_name=None, value=age, when=snap.newest)
    ]


RULES = {
    "queue_wait": queue_wait,
    "queue_length": queue_length,
    "window_idle": window_idle,
    "bad_review": bad_review,
    "case_due": case_due,
    "feed_stale": feed_stale,
}


def hall_conditions(rules: list[Rule] | tuple[Rule, ...], snap: HallSnapshot) -> list[Condition]:
    """The conditions the rules covering this hall find in its snapshot (none of the
    OPEN_ONLY kinds outside service hours)."""
    out: list[Condition] = []
    for rule in rules:
        if not rule.covers(snap.hall_id):
            continue
        if rule.kind in OPEN_ONLY and not snap.is_open:
            continue
        out.extend(RULES[rule.kind](rule, snap))
    return out


def stale_sources(
    rule: Rule, sources: pl.DataFrame, now: dt.datetime, any_open: bool
) -> list[Condition]:
    """Sync sources (name, last_success_at, last_error) without a success for more than the
    rule's `threshold_min` while one of its halls is open: `feed_stale:sync:<name>`."""
    if rule.kind != "feed_stale" or not any_open or sources.is_empty():
        return []
    out = []
    for r in sources.sort("name").iter_rows(named=True):
        at = r["last_success_at"]
        age = None if at is None else (now - at).total_seconds() / 60.0
        if age is not None and age <= rule.threshold_min:
            continue
        out.append(
            Condition(
                key=f"{rule.name}:{SOURCE_TARGET}:{r['name']}",
                rule=rule.name,
                kind=rule.kind,
                hall_id=None,
                target_kind="source",
                target_id=r["name"],
                target_name=r["name"],
                value=age,
                threshold=rule.threshold,
                at=now,
                when=at,
                note=r["last_error"] or None,
            )
        )
    return out
