"""One evaluation pass of the alert rules: `run_once(engine, settings)`.

1. For each hall a rule covers, read what its rules need (today's waiting tickets, shifts and
   calls, recent bad reviews, open cases that may be due today, the newest ticket), on the
   hall's clock and with its service hours; and the sync sources' state once for the network.
2. Evaluate (`alerts.evaluate`): the conditions holding now, each with its episode key.
3. A condition whose episode is not open opens it and is sent once to each of its rule's
   channels (over a channel's `max_per_hour` it is recorded `rate_limited` and not sent); one
   that stays open sends nothing; an open episode whose condition is gone is cleared, so the
   next one fires again.
4. Every message is kept in `hallpulse_alerts`: sent, failed (with the reason) or rate_limited.
   A message that failed is tried again on the next passes while its episode lasts, up to
   MAX_ATTEMPTS in all (the failed row becomes `retried`, the new attempt is a row of its own).

A hall whose reads fail is reported in the summary and its episodes are left as they are.
"""

from __future__ import annotations

import datetime as dt
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from access.scope import Scope
from alerts import channels as ch
from alerts import evaluate as ev
from alerts.messages import render
from alerts.rules import AlertSettings, Rule
from metrics import live
from metrics.freshness import open_halls
from queries import alert_queries as aq
from queries import alert_store as store
from queries import live as q
from queries.db import calendar_frame
from queries.overview import calendar_around, service_hours_frame
from workdays import clock

_LOG = logging.getLogger(__name__)
_READY: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines whose alert tables exist
RATE_WINDOW = dt.timedelta(hours=1)
MAX_ATTEMPTS = 3  # a message that failed is tried again while its episode lasts, this often
# the rule kinds that read each input
NEEDS = {
    "waits": {"queue_wait", "queue_length", "window_idle"},
    "windows": {"window_idle", "bad_review"},
    "shifts": {"window_idle"},
    "calls": {"window_idle"},
    "bad_reviews": {"bad_review"},
    "cases": {"case_due"},
    "newest": {"feed_stale"},
}

# the alert service watches every hall it is configured for: it reads as the system, not a person
SYSTEM = Scope.everything("alerts")


@dataclass
class Summary:
    """What a pass did."""

    at: dt.datetime  # the bookkeeping time (the network's clock)
    halls: int = 0
    conditions: int = 0  # holding now
    opened: int = 0  # new episodes
    cleared: int = 0
    sent: int = 0
    failed: int = 0
    rate_limited: int = 0
    retried: int = 0  # failed messages of lasting episodes sent again (counted in sent/failed)
    errors: list[str] = field(default_factory=list)  # halls whose reads failed

    def line(self) -> str:
        text = (
            f"{self.at:%Y-%m-%d %H:%M:%S} {self.halls} halls: {self.conditions} conditions, "
            f"{self.opened} new, {self.cleared} cleared; sent {self.sent}, failed "
            f"{self.failed}, rate-limited {self.rate_limited}"
        )
        text += f" ({self.retried} retried)" if self.retried else ""
        return text + (f"; errors: {'; '.join(self.errors)}" if self.errors else "")


def _rules_needing(rules: list[Rule], what: str) -> bool:
    return any(r.kind in NEEDS[what] for r in rules)


def hall_snapshot(
    conn: Connection,
    hall_id: str,
    now: dt.datetime,
    rules: list[Rule],
    is_open: bool,
    calendar: Callable[[], pl.DataFrame],
) -> ev.HallSnapshot:
    """Read what the hall's rules need, as of `now` (the hall's clock)."""
    start = dt.datetime.combine(now.date(), dt.time(0))
    parts: dict = {"hall_id": hall_id, "now": now, "is_open": is_open}
    if _rules_needing(rules, "waits"):
        parts["queues"] = aq.queue_info(conn, [hall_id], scope=SYSTEM)
        parts["waits"] = live.current_waits(
            q.waiting_tickets(conn, hall_id, start, now, scope=SYSTEM), now
        )
    if _rules_needing(rules, "windows"):
        parts["windows"] = aq.window_info(conn, [hall_id], scope=SYSTEM)
    if _rules_needing(rules, "shifts"):
        parts["shifts"] = q.shifts_today(conn, hall_id, now.date(), scope=SYSTEM)
    if _rules_needing(rules, "calls"):
        parts["calls"] = aq.last_calls(conn, [hall_id], start, now, scope=SYSTEM)
    if _rules_needing(rules, "bad_reviews"):
        within = max(r.within_min for r in rules if r.kind == "bad_review")
        worst = max(r.max_rating for r in rules if r.kind == "bad_review")
        since = now - dt.timedelta(minutes=within)
        parts["bad_reviews"] = aq.bad_reviews_since(
            conn, [hall_id], since, now, worst, scope=SYSTEM
        )
    if _rules_needing(rules, "cases"):
        cases = aq.open_cases_maybe_due(conn, [hall_id], now.date(), now, scope=SYSTEM)
        parts["cases"] = ev.cases_with_due(cases, calendar(), now)
    if _rules_needing(rules, "newest"):
        parts["newest"] = q.newest_ticket(conn, hall_id, now, scope=SYSTEM)
    return ev.HallSnapshot(**parts)


def evaluate_all(
    conn: Connection, settings: AlertSettings, now: dt.datetime | None, summary: Summary
) -> tuple[list[ev.Condition], set[tuple[str, str | None]], dict[str, str]]:
    """(conditions, the (rule, hall) pairs evaluated, hall names) over every covered hall."""
    halls = q.hall_list(conn, scope=SYSTEM)
    names = dict(zip(halls["hall_id"], halls["name"], strict=True))
    zones = q.hall_zones(conn)
    hours = service_hours_frame(conn)
    calendars: dict[dt.date, pl.DataFrame] = {}
    whole_calendar: list[pl.DataFrame] = []

    def calendar() -> pl.DataFrame:
        if not whole_calendar:
            whole_calendar.append(calendar_frame(conn))
        return whole_calendar[0]

    conditions: list[ev.Condition] = []
    evaluated: set[tuple[str, str | None]] = set()
    open_now: set[str] = set()
    for hall_id in halls["hall_id"]:
        rules = [r for r in settings.rules if r.covers(hall_id)]
        if not rules:
            continue
        hall_now = now or clock.now(zones.get(hall_id))
        try:
            day = hall_now.date()
            if day not in calendars:
                calendars[day] = calendar_around(conn, day)
            is_open = hall_id in open_halls(
                hours.filter(pl.col("hall_id") == hall_id), calendars[day], hall_now
            )
            snap = hall_snapshot(conn, hall_id, hall_now, rules, is_open, calendar)
            found = ev.hall_conditions(rules, snap)
        except (sa.exc.SQLAlchemyError, clock.ClockError) as exc:
            if isinstance(exc, sa.exc.OperationalError):
                raise  # the database is gone: nothing else will work either
            conn.rollback()  # PostgreSQL: a failed statement spoils the transaction
            summary.errors.append(f"{hall_id}: {exc}")
            _LOG.exception("evaluating the alert rules of %s failed", hall_id)
            continue
        summary.halls += 1
        if is_open:
            open_now.add(hall_id)
        conditions.extend(found)
        evaluated.update((r.name, hall_id) for r in rules)
    for rule in settings.rules:
        unknown = sorted(set(rule.halls or ()) - set(names))
        if unknown:
            summary.errors.append(f"rule {rule.name}: no hall {', '.join(unknown)}")
    stale_rules = [r for r in settings.rules if r.kind == "feed_stale"]
    if stale_rules:
        network_now = now or clock.now(clock.network_zone(zones.values()))
        try:
            sources = aq.sync_sources(conn, clock.network_zone(zones.values()), scope=SYSTEM)
        except sa.exc.SQLAlchemyError as exc:  # a sync state table of another shape
            conn.rollback()  # (raises in turn when the database itself is gone)
            summary.errors.append(f"sync sources: {exc}")
            return conditions, evaluated, names  # their episodes stay as they are
        for rule in stale_rules:
            any_open = any(rule.covers(h) for h in open_now)
            conditions.extend(ev.stale_sources(rule, sources, network_now, any_open))
            evaluated.add((rule.name, None))
    return conditions, evaluated, names


def run_once(
    engine: Engine,
    settings: AlertSettings,
    now: dt.datetime | None = None,
) -> Summary:
    """One pass: evaluate every rule, open/clear episodes, send, record. `now` (naive) pins
    every hall's clock (tests, a replay); by default each hall's own clock
    (`workdays.clock.now`, $HALLPULSE_NOW). Safe to run from two processes at once."""
    if engine not in _READY:
        store.ensure_tables(engine)
        _READY.add(engine)
    try:
        return _pass(engine, settings, now)
    except sa.exc.SQLAlchemyError:
        _READY.discard(engine)  # the next pass checks the tables again (a restored database)
        raise


def _pass(engine: Engine, settings: AlertSettings, now: dt.datetime | None) -> Summary:
    with engine.connect() as conn:
        zones = q.hall_zones(conn)
    book_now = now or clock.now(clock.network_zone(zones.values()))
    summary = Summary(at=book_now)
    if not settings.rules:
        return summary
    with engine.connect() as conn:
        conditions, evaluated, names = evaluate_all(conn, settings, now, summary)
        open_rows = store.open_episodes(conn, [r.name for r in settings.rules])
    summary.conditions = len(conditions)
    current = {c.key for c in conditions}

    gone = [
        row["episode_key"]
        for row in open_rows.iter_rows(named=True)
        if row["episode_key"] not in current and (row["rule"], row["hall_id"]) in evaluated
    ]
    if gone:
        with engine.begin() as conn:
            summary.cleared = store.clear_episodes(conn, gone, book_now)

    already = set(open_rows["episode_key"].to_list())
    rules = {r.name: r for r in settings.rules}
    for condition in conditions:
        if condition.key in already:
            continue
        pending = _open_episode(engine, settings, rules[condition.rule], condition, names, book_now)
        if pending is None:
            continue
        summary.opened += 1
        for alert_id, channel, message in pending:
            if channel is None:
                summary.rate_limited += 1
                continue
            _deliver(engine, alert_id, channel, message, book_now, summary)
    lasting = [c for c in conditions if c.key in already]
    for alert_id, channel, message in _retries(engine, settings, rules, lasting, names, book_now):
        summary.retried += 1
        _deliver(engine, alert_id, channel, message, book_now, summary)
    return summary


def _deliver(engine: Engine, alert_id: int, channel, message, now, summary: Summary) -> None:
    """Send one recorded message and record how it went."""
    try:
        ch.send(channel, message)
        status, error = "sent", None
    except ch.ChannelError as exc:
        status, error = "failed", str(exc)
    except Exception as exc:  # a bug or an odd answer must not stop the other alerts
        _LOG.exception("sending alert %s through %s failed", alert_id, channel.name)
        status, error = "failed", f"{type(exc).__name__}: {exc}"
    with engine.begin() as conn:
        store.finish_alert(conn, alert_id, status, error, now)
    if status == "sent":
        summary.sent += 1
    else:
        summary.failed += 1


def _retries(
    engine: Engine,
    settings: AlertSettings,
    rules: dict[str, Rule],
    lasting: list[ev.Condition],
    names: dict[str, str],
    now: dt.datetime,
) -> list[tuple[int, ch.Channel, object]]:
    """Messages of still-open episodes that failed on every attempt (fewer than
    MAX_ATTEMPTS): each claimed (`retried`) and recorded anew as pending, with today's
    figures, unless its channel is at its rate limit (then the next pass tries)."""
    by_key = {c.key: c for c in lasting}
    with engine.connect() as conn:
        failed = store.failed_messages(conn, list(by_key))
    out = []
    for row in failed.filter(pl.col("attempts") < MAX_ATTEMPTS).iter_rows(named=True):
        condition = by_key[row["episode_key"]]
        rule = rules[condition.rule]
        channel = settings.channels.get(row["channel"])
        if channel is None or row["channel"] not in rule.channels:
            continue  # the channel was taken off the rule since
        message = render(
            condition,
            names.get(condition.hall_id or ""),
            settings.channel_lang(channel),
            settings.app_url,
        )
        with engine.begin() as conn:
            if store.sent_within(conn, channel.name, now - RATE_WINDOW) >= channel.max_per_hour:
                continue
            if not store.claim_retry(conn, row["alert_id"]):
                continue
            alert_id = store.add_alert(
                conn, _alert_row(rule, condition, message, channel.name, "pending", now)
            )
        out.append((alert_id, channel, message))
    return out


def _alert_row(
    rule: Rule, condition: ev.Condition, message, channel: str, status: str, now: dt.datetime
) -> store.AlertRow:
    return store.AlertRow(
        episode_key=condition.key,
        rule=rule.name,
        kind=rule.kind,
        hall_id=condition.hall_id,
        target_kind=condition.target_kind,
        target_id=condition.target_id,
        value=condition.value,
        threshold=condition.threshold,
        title=message.title,
        message=message.text(),
        link=message.link,
        channel=channel,
        status=status,
        fired_at=now,
    )


def _open_episode(
    engine: Engine,
    settings: AlertSettings,
    rule: Rule,
    condition: ev.Condition,
    names: dict[str, str],
    now: dt.datetime,
) -> list[tuple[int, ch.Channel | None, object]] | None:
    """Claim the episode and record one alert per channel (pending, or rate_limited) in one
    transaction; [(alert_id, channel or None when rate-limited, message)], or None when the
    episode was open already (another pass claimed it)."""
    hall_name = names.get(condition.hall_id or "")
    out = []
    try:
        with _claiming(engine) as conn, conn.begin():
            if not store.claim_episode(conn, condition.key, rule.name, condition.hall_id, now):
                return None
            for name in rule.channels:
                channel = settings.channels[name]
                message = render(
                    condition, hall_name, settings.channel_lang(channel), settings.app_url
                )
                limited = store.sent_within(conn, name, now - RATE_WINDOW) >= channel.max_per_hour
                status = "rate_limited" if limited else "pending"
                alert_id = store.add_alert(
                    conn, _alert_row(rule, condition, message, name, status, now)
                )
                out.append((alert_id, None if limited else channel, message))
    except sa.exc.IntegrityError:  # claimed by a pass running at the same moment
        return None
    except sa.exc.OperationalError as exc:
        if not _lost_race(exc):
            raise
        _LOG.info("episode %s: claimed by a pass running at the same moment", condition.key)
        return None
    return out


def _claiming(engine: Engine) -> Connection:
    """A connection for claiming episodes. MySQL/MariaDB read committed: under InnoDB's default
    repeatable read, the claim's UPDATE of a missing key takes a gap lock, and two passes
    inserting into the same gap deadlock; without it the second INSERT meets the first's key."""
    conn = engine.connect()
    if engine.dialect.name in ("mysql", "mariadb"):
        conn = conn.execution_options(isolation_level="READ COMMITTED")
    return conn


def _lost_race(exc: sa.exc.OperationalError) -> bool:
    """A deadlock or lock timeout between two passes claiming the same episode: the database
    rolled one of them back, and the other goes on (MySQL 1213/1205, PostgreSQL 40P01)."""
    code = getattr(exc.orig, "args", (None,))[0]
    return code in (1213, 1205) or getattr(exc.orig, "sqlstate", None) == "40P01"
