"""Forecasts and staffing plans straight from a hall database: what the CLI and the page call.

The forecast horizon starts the day after the last ticket in the database. History: up to
`HISTORY_DAYS` of daily counts (a year lets yearly seasonality in), the last `RECENT_DAYS` for
service times, patience, shrinkage and the typical roster.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import OutOfScope, Scope, scope_filter
from forecasting.calibration import CALIBRATION_DAYS, Calibration, calibrate
from forecasting.demand import (
    DEFAULT_OPTIONS,
    ForecastError,
    ProphetOptions,
    day_features,
    forecast_demand,
    hourly_totals,
    intraday_forecast,
    intraday_profile,
    profile_days,
)
from forecasting.plan import (
    check_days,
    check_summary,
    needed_by_slot,
    plan_with_model,
    roster_by_group,
)
from forecasting.review import (
    KaplanMeier,
    agreement,
    busy_cycles,
    mean_service,
    review,
    verdict,
)
from forecasting.select import Choice
from forecasting.staffing import (
    HallQueueing,
    StaffingPolicy,
    shrinkage_from_attendance,
)
from metrics.live import mask_name
from metrics.settings import Settings
from queries import forecast_queries as fq
from queries import schema
from queries.db import calendar_frame
from queries.overview import service_hours_frame
from workdays import clock, unannounced_warning

HISTORY_DAYS = 400
RECENT_DAYS = 56
MAX_SERVICE_SAMPLES = 20_000


@dataclass
class ForecastRun:
    """A hall's (or queue's) forecast: daily and half-hourly frames (see `forecasting.demand`),
    the last ticket it starts after, warnings in Chinese and English, seconds taken."""

    daily: pl.DataFrame
    intraday: pl.DataFrame
    last_ticket: dt.datetime
    warnings: dict[str, list[str]] = field(default_factory=lambda: {"zh": [], "en": []})
    seconds: float = 0.0
    choice: Choice | None = None  # the daily model chosen by the series' own backtest


def policy_from(settings: Settings) -> StaffingPolicy:
    return StaffingPolicy(
        wait_target_min=settings.wait_target_min,
        service_level=settings.staffing_service_level,
        occupancy_cap=settings.staffing_occupancy_cap,
        quantile=settings.staffing_quantile,
        sim_replications=settings.staffing_sim_replications,
    )


def hall_ids(conn: Connection, *, scope: Scope) -> list[str]:
    """Halls of the scope that have tickets, in id order."""
    t = schema.tickets
    stmt = sa.select(t.c.hall_id).where(scope_filter(scope, t)).distinct().order_by(t.c.hall_id)
    return [h for (h,) in conn.execute(stmt)]


def last_ticket(conn: Connection, *, scope: Scope) -> dt.datetime:
    last = fq.ticket_span(conn, scope=scope)[1]
    if last is None:
        raise ForecastError("the database has no tickets yet: import or simulate some first")
    return last


def forecast_hall(
    conn: Connection,
    hall_id: str,
    horizon_days: int,
    queue_id: str | None = None,
    options: ProphetOptions = DEFAULT_OPTIONS,
    end: dt.date | None = None,
    history_until: dt.datetime | None = None,
    *,
    scope: Scope,
) -> ForecastRun:
    """Daily and half-hourly forecasts for `horizon_days` after the database's last ticket
    (or up to `end`); with `history_until`, from history up to that moment only (the big
    screen's forecast of today from the days before). The history is the scope's tickets
    (a department manager forecasts their department's demand). Raises `ForecastError` with
    a plain message for unusable input."""
    started = time.perf_counter()
    if horizon_days < 1:
        raise ForecastError("the horizon must be at least one day")
    if not scope.allows_hall(hall_id):
        raise OutOfScope(
            f"超出权限范围 / out of scope: {scope.who} ({scope.role}) may not see hall {hall_id}"
        )
    last = history_until or last_ticket(conn, scope=scope)
    first_day = last.date() + dt.timedelta(days=1)
    end = end or last.date() + dt.timedelta(days=horizon_days)
    if queue_id is not None:
        q = schema.queues
        owner = conn.execute(sa.select(q.c.hall_id).where(q.c.queue_id == queue_id)).scalar()
        if owner is None:
            raise ForecastError(f"no queue {queue_id!r} in the database")
        if owner != hall_id:
            raise ForecastError(f"queue {queue_id!r} belongs to hall {owner}, not {hall_id}")
    hist_first = last.date() - dt.timedelta(days=HISTORY_DAYS)
    history = fq.daily_arrivals(conn, hist_first, last.date(), hall_id, queue_id, scope=scope)
    if history.is_empty():
        raise ForecastError(f"hall {hall_id} has no tickets in the last {HISTORY_DAYS} days")
    calendar = calendar_frame(conn)
    hours = service_hours_frame(conn)
    if hours.filter(pl.col("hall_id") == hall_id).is_empty():
        raise ForecastError(f"hall {hall_id} has no service hours: import service_hours first")
    features = day_features(calendar, hours, hall_id, history["date"].min(), end)
    history = _complete_days(history, last, features, hours, hall_id)
    choices: dict = {}
    series = queue_id or "*"
    history_last = history["date"].max()
    fingerprint = (
        f"{CHOICE_VERSION}:{history.height}:{int(history['arrivals'].sum())}:"
        f"{options.changepoint_prior_scale}:{options.seasonality_mode}:{options.log}"
    )
    known = load_choice(conn, hall_id, series, history_last, fingerprint)
    daily = forecast_demand(
        history.with_columns(pl.lit(queue_id, pl.String).alias("queue_id")),
        {hall_id: features},
        first_day,
        end,
        options,
        choices=choices,
        known={(hall_id, queue_id): known} if known else None,
    )
    choice = choices.get((hall_id, queue_id))
    if choice is not None and known is None:
        store_choice(conn, hall_id, series, history_last, fingerprint, choice)
    slots = fq.slot_arrivals(
        conn,
        last.date() - dt.timedelta(days=HISTORY_DAYS),
        last.date(),
        hall_id,
        queue_id,
        days=profile_days(features, first_day),
        scope=scope,
    )
    profile = intraday_profile(slots, features, hours, hall_id, first_day)
    intraday = intraday_forecast(daily, profile, features, hours)
    warnings = {
        lang: [w] if (w := unannounced_warning(first_day, end, lang)) else []
        for lang in ("zh", "en")
    }
    return ForecastRun(
        daily,
        intraday,
        last,
        warnings,
        time.perf_counter() - started,
        choices.get((hall_id, queue_id)),
    )


CHOICE_VERSION = "select-5"  # change when the candidates or the backtest change


CHOICE_DAYS = 7  # a series' model is chosen again once its choice is a week old


def _same_method(fingerprint: str, other: str) -> bool:
    """Whether two fingerprints name the same candidates and options (the version and the
    Prophet options; not the history's length and sum)."""
    a, b = fingerprint.split(":"), other.split(":")
    return len(a) == len(b) and a[0] == b[0] and a[3:] == b[3:]


def load_choice(
    conn: Connection, hall_id: str, series: str, history_last: dt.date, fingerprint: str
) -> Choice | None:
    """The choice stored for this series (`schema.forecast_choices`): the one made on this very
    history, else the newest made by the same candidates and options on a history that ended
    less than `CHOICE_DAYS` before this one (never after it: no choice knows the future).

    The model is refitted on every forecast, but choosing it runs a backtest of every candidate
    (seconds per series): chosen once a week, as a forecaster would, it is not chosen again
    each day for every hall's big screen and plan. A history changed on a day already chosen
    for (a re-import) chooses again."""
    table = schema.forecast_choices
    if not sa.inspect(conn).has_table(table.name):
        return None
    rows = conn.execute(
        sa.select(table.c.choice, table.c.history_last, table.c.fingerprint)
        .where(
            table.c.hall_id == hall_id,
            table.c.series == series,
            table.c.history_last <= history_last,
            table.c.history_last > history_last - dt.timedelta(days=CHOICE_DAYS),
        )
        .order_by(table.c.history_last.desc())
    ).all()
    for text, last, stored in rows:
        if last == history_last and stored != fingerprint:
            return None  # this history changed since it was chosen for
        if not _same_method(fingerprint, stored):
            continue
        try:
            return Choice.from_json(json.loads(text))
        except (ValueError, KeyError, TypeError):
            return None  # written by another version: choose again
    return None


def store_choice(
    conn: Connection,
    hall_id: str,
    series: str,
    history_last: dt.date,
    fingerprint: str,
    choice: Choice,
) -> None:
    """Keep a series' choice for the next forecast from the same history, in a transaction of
    its own (the caller's connection may be reading)."""
    table = schema.forecast_choices
    try:
        with conn.engine.begin() as write:
            table.create(write, checkfirst=True)
            # the same history again (a re-import) and choices older than a week go; the big
            # screen's forecast of today (history to yesterday) keeps its own
            write.execute(
                table.delete().where(
                    table.c.hall_id == hall_id,
                    table.c.series == series,
                    sa.or_(
                        table.c.history_last == history_last,
                        table.c.history_last < history_last - dt.timedelta(days=7),
                    ),
                )
            )
            write.execute(
                table.insert().values(
                    hall_id=hall_id,
                    series=series,
                    history_last=history_last,
                    fingerprint=fingerprint,
                    choice=json.dumps(choice.to_json(), ensure_ascii=False),
                    created_at=clock.now("UTC"),
                )
            )
    except sa.exc.SQLAlchemyError:
        pass  # a read-only database, or a writer holding the lock: choose again next time


def hourly_forecast(conn: Connection, hall_id: str, day: dt.date, *, scope: Scope) -> pl.DataFrame:
    """Tickets expected per hour of `day` from the history before it: hour, yhat, yhat_lower,
    yhat_upper (the half-hours summed with their 80% band, `demand.hourly_totals`: the band
    the backtest scores)."""
    run = forecast_hall(
        conn,
        hall_id,
        1,
        end=day,
        history_until=dt.datetime.combine(day - dt.timedelta(days=1), dt.time(23, 59, 59)),
        scope=scope,
    )
    return hourly_totals(run.intraday.filter(pl.col("date") == day)).select(
        pl.col("start").dt.hour().cast(pl.Int64).alias("hour"), "yhat", "yhat_lower", "yhat_upper"
    )


def _complete_days(
    history: pl.DataFrame,
    last: dt.datetime,
    features: pl.DataFrame,
    hours: pl.DataFrame,
    hall_id: str,
) -> pl.DataFrame:
    """Drop the last day when the data stop before that day's closing time (a day cut short
    would look like a slump)."""
    day = last.date()
    row = features.filter(pl.col("date") == day)
    if row.is_empty() or not row["open"][0]:
        return history
    closing = hours.filter(
        (pl.col("hall_id") == hall_id) & (pl.col("weekday") == row["weekday"][0])
    )["end"].max()
    if closing is not None and last < dt.datetime.combine(day, closing) - dt.timedelta(hours=1):
        return history.filter(pl.col("date") < day)
    return history


@dataclass
class StaffingRun:
    """A hall's plan (`forecasting.staffing.PLAN_SCHEMA` and `forecasting.plan.PLAN_EXTRA`),
    the forecast behind it, the queueing facts and the calibrated model it used."""

    plan: pl.DataFrame
    forecast: ForecastRun
    queueing: HallQueueing
    seconds: float
    windows_in_hall: int = 0  # serving windows (not self-service) the hall has
    groups: pl.DataFrame | None = None  # per half-hour per queue group (GROUP_PLAN_SCHEMA)
    calibration: Calibration | None = None

    @property
    def slots_over_capacity(self) -> int:
        """Half-hours where some group needs more windows than it has."""
        if "groups_short" not in self.plan.columns:
            return 0
        return int((self.plan["groups_short"] > 0).sum())

    @property
    def shortfalls(self) -> pl.DataFrame:
        """Per group, the half-hours it lacks windows: group, group_name, windows_in_group,
        half_hours, most_wanted (the most windows the target wanted), first (start)."""
        if self.groups is None or "short" not in self.groups.columns:
            return pl.DataFrame()
        return (
            self.groups.filter(pl.col("short"))
            .group_by("group", "group_name", "windows_in_group")
            .agg(
                pl.len().alias("half_hours"),
                pl.col("windows_wanted").max().alias("most_wanted"),
                pl.col("start").min().alias("first"),
            )
            .sort("half_hours", descending=True)
        )


_CALIBRATIONS: dict[tuple, Calibration] = {}


def hall_calibration(
    conn: Connection, hall_id: str, newest: dt.datetime, shifts: pl.DataFrame, *, scope: Scope
) -> Calibration:
    """The hall's calibrated model (`forecasting.calibration.calibrate`) from its last
    `CALIBRATION_DAYS` up to `newest` (the last ticket), kept per database, hall, scope and
    last ticket for the process's next plan. `shifts`: attendance covering those days."""
    key = (str(conn.engine.url), hall_id, newest, repr(scope))
    if key in _CALIBRATIONS:
        return _CALIBRATIONS[key]
    first = newest.date() - dt.timedelta(days=CALIBRATION_DAYS - 1)
    tickets = fq.ticket_rows(conn, hall_id, first, newest.date(), scope=scope)
    if tickets.filter(pl.col("called_at").is_not_null()).is_empty():
        raise ForecastError(
            f"hall {hall_id} has no called tickets in the last {CALIBRATION_DAYS} days: "
            "service times cannot be learned"
        )
    past = shifts.filter(pl.col("work_date").is_between(first, newest.date()))
    cal = calibrate(tickets, past)
    if len(_CALIBRATIONS) > 32:
        _CALIBRATIONS.clear()
    _CALIBRATIONS[key] = cal
    return cal


def queueing_from(cal: Calibration, shrinkage: float) -> HallQueueing:
    """The calibrated model as `HallQueueing` for the what-if, the trade-off and pooling."""
    samples = np.concatenate([cal.service[q] for q in cal.queues] or [np.array([10.0])])
    if samples.size > MAX_SERVICE_SAMPLES:
        samples = np.random.default_rng(0).choice(samples, MAX_SERVICE_SAMPLES, replace=False)
    return HallQueueing(
        service_samples=samples,
        patience_min=cal.erlang_patience_min,
        shrinkage=shrinkage,
        queue_shares=dict(cal.queue_shares),
        queue_samples={q: cal.service[q] for q in cal.queues},
        patience_median_min=cal.patience_median_min,
    )


def staffing_hall(
    conn: Connection,
    hall_id: str,
    first: dt.date,
    last: dt.date,
    settings: Settings,
    simulate: bool = True,
    options: ProphetOptions = DEFAULT_OPTIONS,
    *,
    scope: Scope,
) -> StaffingRun:
    """The staffing plan of one hall for first..last, which must lie after the last ticket;
    from the scope's tickets, shifts and windows, with the hall's calibrated model
    (`forecasting.plan.plan_with_model`)."""
    started = time.perf_counter()
    if last < first:
        raise ForecastError("--to is before --from")
    newest = last_ticket(conn, scope=scope)
    if first <= newest.date():
        raise ForecastError(
            f"plans are for days after the last ticket ({newest:%Y-%m-%d %H:%M}): "
            f"start at {newest.date() + dt.timedelta(days=1)} or later"
        )
    forecast = forecast_hall(
        conn, hall_id, (last - newest.date()).days, options=options, end=last, scope=scope
    )
    intraday = forecast.intraday.filter(pl.col("date").is_between(first, last))
    recent = newest.date() - dt.timedelta(days=RECENT_DAYS)
    shifts = fq.shifts(conn, hall_id, recent, last, scope=scope)
    cal = hall_calibration(conn, hall_id, newest, shifts, scope=scope)
    shrinkage = shrinkage_from_attendance(
        shifts.filter(pl.col("work_date") <= newest.date()), settings.staffing_break_share
    )
    queueing = queueing_from(cal, shrinkage)
    features = day_features(calendar_frame(conn), service_hours_frame(conn), hall_id, recent, last)
    days = intraday["date"].unique().sort().to_list()
    roster = roster_by_group(
        shifts, cal, days, dict(features.select("date", "weekday").iter_rows())
    )
    plan, groups = plan_with_model(
        intraday, cal, roster, policy_from(settings), shrinkage, simulate=simulate
    )
    w = schema.windows
    windows_in_hall = conn.execute(
        sa.select(sa.func.count()).where(
            w.c.hall_id == hall_id,
            sa.or_(w.c.kind.is_(None), w.c.kind != "self_service"),
            scope_filter(scope, w),
        )
    ).scalar_one()
    q = schema.queues
    names = {
        queue: name
        for queue, name in conn.execute(
            sa.select(q.c.queue_id, q.c.name).where(q.c.hall_id == hall_id, scope_filter(scope, q))
        ).all()
    }
    labels = {g.key: "、".join(names.get(part) or part for part in g.queues) for g in cal.groups}
    groups = groups.with_columns(
        pl.col("group").replace_strict(labels, default=pl.col("group")).alias("group_name")
    )
    return StaffingRun(
        plan,
        forecast,
        queueing,
        time.perf_counter() - started,
        int(windows_in_hall),
        groups,
        cal,
    )


@dataclass
class ReviewRun:
    """A hall's past half-hours replayed (`forecasting.review.REVIEW_SCHEMA`), the patience
    curve used, and how well prediction and observation agree (`forecasting.review.agreement`)."""

    frame: pl.DataFrame
    patience: KaplanMeier
    agreement: dict
    seconds: float
    service_min: float = 0.0  # mean minutes per ticket (busy cycles)
    plan_check: PlanCheck | None = None  # the plan's model with the days' roster


@dataclass
class PlanCheck:
    """The forward plan's model on past days (`forecasting.plan.check_days`): per half-hour
    and summed up (`forecasting.plan.check_summary`), with the calibration it used (learned
    from the `CALIBRATION_DAYS` before the first day)."""

    frame: pl.DataFrame
    summary: dict
    calibration: Calibration


def plan_check_hall(
    conn: Connection,
    hall_id: str,
    first: dt.date,
    last: dt.date,
    settings: Settings,
    replications: int = 10,
    *,
    scope: Scope,
) -> PlanCheck:
    """What the plan's calibrated model, learned before `first`, expects of days first..last
    given their actual visitors and their actual roster, next to what the hall observed."""
    before = first - dt.timedelta(days=1)
    since = first - dt.timedelta(days=CALIBRATION_DAYS)
    history = fq.ticket_rows(conn, hall_id, since, before, scope=scope)
    if history.filter(pl.col("called_at").is_not_null()).is_empty():
        raise ForecastError(
            f"hall {hall_id} has no called tickets in the {CALIBRATION_DAYS} days before {first}"
        )
    shifts = fq.shifts(conn, hall_id, since, last, scope=scope)
    cal = calibrate(history, shifts.filter(pl.col("work_date") <= before))
    shrinkage = shrinkage_from_attendance(
        shifts.filter(pl.col("work_date") <= before), settings.staffing_break_share
    )
    days = fq.ticket_rows(conn, hall_id, first, last, scope=scope)
    frame = check_days(
        cal,
        days,
        shifts.filter(pl.col("work_date") >= first),
        settings.wait_target_min,
        shrinkage,
        replications,
    )
    return PlanCheck(frame, check_summary(frame), cal)


def review_hall(
    conn: Connection,
    hall_id: str,
    first: dt.date,
    last: dt.date,
    settings: Settings,
    replications: int = 20,
    *,
    scope: Scope,
) -> ReviewRun:
    """Past days first..last of one hall: the model given the actual arrivals and open windows,
    next to what was observed. Raises `ForecastError` for days after the last ticket."""
    started = time.perf_counter()
    if last < first:
        raise ForecastError("--to is before --from")
    newest = last_ticket(conn, scope=scope)
    if first > newest.date():
        raise ForecastError(
            f"a review is for past days: the last ticket is of {newest:%Y-%m-%d %H:%M}"
        )
    tickets = fq.ticket_rows(conn, hall_id, first, min(last, newest.date()), scope=scope)
    if tickets.is_empty():
        raise ForecastError(f"hall {hall_id} has no tickets between {first} and {last}")
    frame, patience = review(tickets, hall_id, settings.wait_target_min, replications)
    service_min = mean_service(busy_cycles(tickets), tickets)
    try:
        check = plan_check_hall(
            conn, hall_id, first, min(last, newest.date()), settings, replications, scope=scope
        )
    except ForecastError:
        check = None  # no history before the first day to learn from
    frame = verdict(
        frame,
        service_min,
        settings.wait_target_min,
        settings.staffing_service_level,
        settings.staffing_occupancy_cap,
        # what the plan's model would have asked for, per window group and within its windows
        needed_by_slot(check.calibration, tickets, policy_from(settings)) if check else None,
    )
    return ReviewRun(
        frame, patience, agreement(frame), time.perf_counter() - started, service_min, check
    )


def roster_proposal(
    conn: Connection, run: StaffingRun, hall_id: str, *, scope: Scope
) -> pl.DataFrame:
    """The extended-hours roster proposal of a staffing run (`forecasting.roster.propose`):
    the scope's front-desk staff of the hall, their attendance of the last weeks and of the
    planned days; names masked where the scope shows none."""
    from forecasting.roster import FAIRNESS_WEEKS, propose

    if run.plan.is_empty():
        return propose(run.plan, pl.DataFrame(), pl.DataFrame())
    first, last = run.plan["date"].min(), run.plan["date"].max()
    st = schema.staff
    pool = pl.DataFrame(
        conn.execute(
            sa.select(st.c.staff_id, st.c.name)
            .where(
                st.c.hall_id == hall_id,
                sa.or_(st.c.role.is_(None), st.c.role == "front"),
                scope_filter(scope, st),
            )
            .order_by(st.c.staff_id)
        ).all(),
        schema={"staff_id": pl.String, "name": pl.String},
        orient="row",
    )
    if not scope.names_visible:
        pool = pool.with_columns(pl.col("name").map_elements(mask_name, return_dtype=pl.String))
    history = fq.shifts(
        conn, hall_id, first - dt.timedelta(weeks=FAIRNESS_WEEKS), last, scope=scope
    )
    return propose(run.plan, pool, history)
