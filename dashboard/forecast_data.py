"""Cached forecasts and plans for the 预测与排班 page, keyed by plain values and the reader's
scope (part of every cache key: two scopes never share an entry)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import polars as pl
import streamlit as st

from access.scope import Scope
from dashboard.state import engine_for
from forecasting.calibration import Calibration
from forecasting.demand import ForecastError
from forecasting.select import Choice
from forecasting.service import (
    ReviewRun,
    hall_ids,
    last_ticket,
    policy_from,
    review_hall,
    roster_proposal,
    staffing_hall,
)
from forecasting.staffing import HallQueueing, compare_pooling
from metrics.settings import load_settings
from queries import forecast_queries as fq

TTL_SECONDS = 600


@dataclass(frozen=True)
class PagePlan:
    """What the page shows for one hall: the plan, the daily forecast and recent history,
    the queueing facts, warnings by language; or an error message."""

    plan: pl.DataFrame
    daily: pl.DataFrame
    history: pl.DataFrame
    service_min: float
    patience_min: float | None
    shrinkage: float
    warnings: dict[str, list[str]]
    last_ticket: dt.datetime
    seconds: float
    queueing: HallQueueing
    windows_in_hall: int
    slots_over_capacity: int
    choice: Choice | None = None
    groups: pl.DataFrame | None = None  # windows per half-hour per queue group
    roster: pl.DataFrame | None = None  # the extended-hours roster proposal
    patience_median_min: float | None = None  # Kaplan–Meier
    shortfalls: pl.DataFrame | None = None  # per group, the half-hours it lacks windows
    calibration: Calibration | None = None  # the hall's calibrated queue model


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def halls_with_tickets(url: str, *, scope: Scope) -> tuple[list[str], dt.datetime | None]:
    with engine_for(url).connect() as conn:
        halls = hall_ids(conn, scope=scope)
        return halls, last_ticket(conn, scope=scope) if halls else None


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def page_plan(url: str, hall: str, days: int, quantile: float, *, scope: Scope) -> PagePlan | str:
    """The plan for `days` after the last ticket, or the reason there is none (a string)."""
    try:
        settings = replace(load_settings(), staffing_quantile=quantile)
        with engine_for(url).connect() as conn:
            newest = last_ticket(conn, scope=scope).date()
            first = newest + dt.timedelta(days=1)
            last = newest + dt.timedelta(days=days)
            run = staffing_hall(conn, hall, first, last, settings, scope=scope)
            history = fq.daily_arrivals(
                conn, newest - dt.timedelta(days=55), newest, hall, scope=scope
            )
            roster = roster_proposal(conn, run, hall, scope=scope)
    except (ForecastError, ValueError) as exc:  # SettingsError is a ValueError too
        return str(exc)
    q = run.queueing
    return PagePlan(
        plan=run.plan,
        daily=run.forecast.daily,
        history=history.select("date", "arrivals"),
        service_min=q.service_min,
        patience_min=q.patience_min,
        shrinkage=q.shrinkage,
        warnings=run.forecast.warnings,
        last_ticket=run.forecast.last_ticket,
        seconds=run.seconds,
        queueing=q,
        windows_in_hall=run.windows_in_hall,
        slots_over_capacity=run.slots_over_capacity,
        choice=run.forecast.choice,
        groups=run.groups,
        roster=roster,
        patience_median_min=q.patience_median_min,
        shortfalls=run.shortfalls,
        calibration=run.calibration,
    )


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def pooling(url: str, hall: str, days: int, quantile: float, day: dt.date, *, scope: Scope) -> dict:
    """Comprehensive against dedicated windows on one planned day (see `compare_pooling`)."""
    result = page_plan(url, hall, days, quantile, scope=scope)
    if isinstance(result, str):
        return {}
    settings = replace(load_settings(), staffing_quantile=quantile)
    plan = result.plan.filter(pl.col("date") == day)
    return compare_pooling(plan, result.queueing, policy_from(settings))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def past_weeks(url: str, hall: str, weeks: int = 8, *, scope: Scope) -> list[dt.date]:
    """Mondays of the last `weeks` weeks with tickets, the latest first."""
    with engine_for(url).connect() as conn:
        newest = last_ticket(conn, scope=scope).date()
        first = fq.ticket_span(conn, hall, scope=scope)[0]
    monday = newest - dt.timedelta(days=newest.weekday())
    out = [monday - dt.timedelta(days=7 * k) for k in range(weeks)]
    return [d for d in out if first is None or d + dt.timedelta(days=6) >= first.date()]


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def page_review(url: str, hall: str, monday: dt.date, *, scope: Scope) -> ReviewRun | str:
    """计划与实际 of one hall-week (see `forecasting.service.review_hall`), or why not."""
    try:
        settings = load_settings()
        with engine_for(url).connect() as conn:
            return review_hall(
                conn,
                hall,
                monday,
                monday + dt.timedelta(days=6),
                settings,
                replications=10,
                scope=scope,
            )
    except (ForecastError, ValueError) as exc:
        return str(exc)
