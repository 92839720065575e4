"""预测与排班 — demand forecast with intervals, extended-hours staffing plan, what-if calculator."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import streamlit as st

from dashboard import cached, data, forecast_data, state
from dashboard.components import demo_banner
from dashboard.forecast_figures import (
    day_figure,
    demand_figure,
    review_figure,
    tradeoff_figure,
)
from dashboard.widgets import ignore_bad, scope_guard
from forecasting.erlang import queue_figures
from forecasting.plan import tradeoff_by_group
from forecasting.select import LABELS
from forecasting.service import policy_from
from forecasting.staffing import tradeoff
from i18n.text import datetime_text, t
from metrics.after_close import after_close_pattern
from metrics.catalog import BY_KEY
from metrics.settings import Settings, SettingsError, load_settings
from workdays import clock

QUANTILES = (0.5, 0.6, 0.7, 0.8, 0.9)
FLAGS = ("under", "over", "ok", "none")
FLAG_COLORS = ("red", "orange", "green", "gray")


def settings_for(settings: Settings, quantile: float) -> Settings:
    from dataclasses import replace

    return replace(settings, staffing_quantile=quantile)


def planner_table(plan: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Extended slots for display: labelled columns, flags as coloured words."""
    weekdays = t("fc.weekday", lang).split(",")
    ext = plan.filter(pl.col("kind") == "extended")
    return pl.DataFrame(
        {
            t("fc.col.date", lang): ext["date"].dt.strftime("%m-%d"),
            t("fc.col.weekday", lang): [weekdays[d.weekday()] for d in ext["date"]],
            t("fc.col.time", lang): ext["start"].dt.strftime("%H:%M"),
            t("fc.col.flag", lang): [[v or "none"] for v in ext["flag"]],
            t("fc.col.arrivals", lang): ext["arrivals"].round(1),
            t("fc.col.windows_needed", lang): ext["windows_needed"],
            t("fc.col.staff_needed", lang): ext["staff_needed"],
            t("fc.col.rostered", lang): ext["windows_rostered"],
            t("fc.col.source", lang): [t(f"fc.source.{v}", lang) for v in ext["roster_source"]],
            t("fc.col.sl", lang): ext["service_level"],
            t("fc.col.sim", lang): ext["sim_service_level"],
            t("fc.col.wait", lang): ext["expected_wait_min"].round(1),
            # the day simulated under the roster (a backlog carries over) when it could be;
            # else the steady-state formula, which a morning peak drives to 0
            t("fc.col.sl_rostered", lang): ext["sim_service_level_rostered"].fill_null(
                ext["service_level_rostered"]
            ),
            t("fc.col.wait_rostered", lang): ext["sim_wait_rostered_min"]
            .fill_null(ext["expected_wait_rostered_min"])
            .round(1),
            t("fc.col.staff_hours", lang): ext["staff_hours"],
        }
    )


def planner_columns(lang: str) -> dict[str, st.column_config.Column]:
    """Service levels as percentages, the verdict as a coloured pill."""
    columns: dict[str, st.column_config.Column] = {
        t(key, lang): st.column_config.NumberColumn(format="percent")
        for key in ("fc.col.sl", "fc.col.sim", "fc.col.sl_rostered")
    }
    columns[t("fc.col.flag", lang)] = st.column_config.MultiselectColumn(
        options=FLAGS,
        color=FLAG_COLORS,
        format_func=lambda code: t(f"fc.flag.{code}", lang),
    )
    return columns


def group_table(groups: pl.DataFrame, lang: str) -> pl.DataFrame:
    """One day's windows needed per half-hour (rows) and queue group (columns: the group's
    queues and, in brackets, the windows it has)."""
    labelled = groups.with_columns(
        pl.col("start").dt.strftime("%H:%M").alias(t("fc.col.time", lang)),
        (pl.col("group_name") + " (" + pl.col("windows_in_group").cast(pl.String) + ")").alias(
            "label"
        ),
    )
    return labelled.pivot(
        on="label", index=t("fc.col.time", lang), values="windows_needed", sort_columns=False
    )


def model_table(scores: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The candidates' backtest, best first: method, days scored, MAE, relative to the same
    weekday last week."""
    return pl.DataFrame(
        {
            t("fc.col.method", lang): [LABELS[m][lang] for m in scores["method"]],
            t("fc.col.points", lang): scores["points"],
            t("fc.col.mae", lang): scores["mae"].round(1),
            t("fc.col.relative", lang): scores["relative_mae"].round(3),
        }
    )


def plan_vs_actual(lang: str, url: str, hall: str) -> None:
    """计划与实际: a past week replayed through the model next to what the hall observed, and
    where it was under- or over-staffed."""
    st.subheader(t("fc.rev", lang))
    st.caption(t("fc.rev.help", lang))
    weeks = forecast_data.past_weeks(url, hall, scope=state.scope())
    if not weeks:
        st.info(t("fc.rev.none", lang))
        return
    monday = st.selectbox(
        t("fc.rev.week", lang),
        weeks,
        index=1 if len(weeks) > 1 else 0,  # the last complete week
        format_func=lambda d: t("fc.rev.week.value", lang, first=d.isoformat()),
        key="fc_review_week",
    )
    run = forecast_data.page_review(url, hall, monday, scope=state.scope())
    if isinstance(run, str):
        st.info(run)
        return
    frame = run.frame.filter(pl.col("windows_open") > 0)
    a = run.agreement
    r1, r2, r3, r4 = st.columns(4)
    r1.metric(t("fc.rev.agree", lang), f"{a['within']:.0%}" if a["within"] is not None else "—")
    r2.metric(
        t("fc.rev.observed_sl", lang),
        f"{a['observed_service_level']:.1%}" if a["half_hours"] else "—",
    )
    r3.metric(t("fc.rev.under", lang), f"{(frame['flag'] == 'under').sum()}")
    r4.metric(t("fc.rev.over", lang), f"{(frame['flag'] == 'over').sum()}")
    median = run.patience.median()
    st.caption(
        t(
            "fc.rev.facts",
            lang,
            n=a["half_hours"],
            gap=a["mean_abs_pp"] or 0.0,
            service=run.service_min,
            patience=t("fc.patience.min", lang, n=median)
            if median is not None
            else t("fc.rev.patience_long", lang),
        )
    )
    check = run.plan_check.summary if run.plan_check is not None else {}
    if check.get("half_hours"):
        st.caption(
            t(
                "fc.rev.plan",
                lang,
                predicted=check["predicted_service_level"],
                observed=check["observed_service_level"],
                gap=check["gap_pp"],
                pwait=check["predicted_wait_min"] or 0.0,
                owait=check["observed_wait_min"] or 0.0,
            )
        )
    st.plotly_chart(review_figure(frame, lang), width="stretch")
    off = frame.filter(pl.col("flag") != "ok")
    if off.height:
        st.dataframe(
            pl.DataFrame(
                {
                    t("fc.col.date", lang): off["start"].dt.strftime("%m-%d"),
                    t("fc.col.time", lang): off["start"].dt.strftime("%H:%M"),
                    t("fc.col.flag", lang): [[v] for v in off["flag"]],
                    t("fc.rev.col.arrivals", lang): off["arrivals"],
                    t("fc.rev.col.open", lang): off["windows_open"],
                    t("fc.rev.col.needed", lang): off["windows_needed"],
                    t("fc.rev.col.observed", lang): off["observed_service_level"],
                    t("fc.rev.col.predicted", lang): off["predicted_service_level"],
                    t("fc.rev.col.wait", lang): off["observed_wait_min"].round(1),
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                t("fc.col.flag", lang): st.column_config.MultiselectColumn(
                    options=FLAGS,
                    color=FLAG_COLORS,
                    format_func=lambda code: t(f"fc.flag.{code}", lang),
                ),
                t("fc.rev.col.observed", lang): st.column_config.NumberColumn(format="percent"),
                t("fc.rev.col.predicted", lang): st.column_config.NumberColumn(format="percent"),
            },
        )


def after_close_note(lang: str, url: str, hall: str, newest, weeks: int) -> None:
    """延时办 in the history the plan learns from: how many days the hall served past its
    closing time, and by how long; a habit is a warning that the last slot is too short."""
    last = (newest or clock.now()).date()
    first = last - dt.timedelta(days=7 * weeks - 1)
    as_of = dt.datetime.combine(last, dt.time(23, 59, 59))
    groups = cached.figures(url, first, last, as_of, (("hall", hall),), "date", ("tickets",))
    pattern = after_close_pattern(groups["groups"])
    st.markdown(f"**{t('fc.after_close', lang)}**")
    a1, a2, a3 = st.columns(3)
    a1.metric(
        t("fc.after_close.days", lang),
        f"{pattern.days_after} / {pattern.days_served}",
    )
    a2.metric(BY_KEY["after_close_served"].label(lang), f"{pattern.served_after:,}")
    a3.metric(
        BY_KEY["after_close_minutes_mean"].label(lang),
        BY_KEY["after_close_minutes_mean"].format(pattern.minutes_mean, lang),
    )
    if pattern.habitual:
        st.warning(
            t(
                "fc.after_close.habit",
                lang,
                days=pattern.days_after,
                of=pattern.days_served,
                minutes=pattern.minutes_mean or 0.0,
            ),
            icon=":material/schedule:",
        )
    else:
        st.caption(t("fc.after_close.help", lang, first=first, last=last))


def what_if(lang: str, settings: Settings, service_min: float, patience: float | None) -> None:
    """Erlang C/A for a steady load the user types in."""
    st.subheader(t("fc.calc", lang))
    c1, c2, c3, c4, c5 = st.columns(5)
    arrivals = c1.number_input(t("fc.calc.arrivals", lang), 0.0, 5000.0, 60.0, 5.0)
    service = c2.number_input(t("fc.calc.service", lang), 0.1, 240.0, round(service_min, 1), 0.5)
    windows = c3.number_input(t("fc.calc.windows", lang), 0, 500, 10, 1)
    target = c4.number_input(
        t("fc.calc.target", lang), 0.0, 240.0, float(settings.wait_target_min), 1.0
    )
    patience_in = c5.number_input(
        t("fc.calc.patience", lang), 0.0, 1000.0, float(round(patience or 0.0)), 5.0
    )
    f = queue_figures(arrivals / 60, service, int(windows), target, patience_in or None)
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric(t("fc.calc.sl", lang), f"{f.service_level:.1%}")
    m2.metric(t("fc.calc.p_wait", lang), f"{f.p_wait:.1%}")
    m3.metric(
        t("fc.calc.asa", lang),
        f"{f.asa_min:.1f} min" if math.isfinite(f.asa_min) else t("fc.calc.unstable", lang),
    )
    m4.metric(t("fc.calc.occupancy", lang), f"{f.occupancy:.1%}")
    m5.metric(t("fc.calc.abandon", lang), f"{f.p_abandon:.1%}")


lang = state.lang()
url = state.db_url()
st.title(t("nav.forecast", lang))

if not data.schema_ready(url):
    st.warning(t("data.no_schema", lang))
    st.stop()
try:
    settings = load_settings()
except SettingsError as exc:
    st.error(str(exc))
    st.stop()

demo_banner(url, lang)
scope_guard(url, lang)  # a ?hall= outside the reader's scope shows nothing
halls, newest = forecast_data.halls_with_tickets(url, scope=state.scope())
halls = [h for h in halls if state.scope().allows_hall(h)]
if not halls:
    st.info(t("fc.no_tickets", lang))
    st.stop()
st.caption(t("fc.caption", lang, last=datetime_text(newest)))

wanted = ignore_bad("hall", st.query_params.get("hall"), halls, lang)
c1, c2, c3 = st.columns([2, 2, 3])
hall = c1.selectbox(t("fc.hall", lang), halls, index=halls.index(wanted) if wanted in halls else 0)
if hall != wanted:
    st.query_params["hall"] = hall
weeks = (
    c2.segmented_control(
        t("fc.weeks", lang),
        options=(2, 3, 4),
        default=2,
        format_func=lambda n: t("fc.weeks.value", lang, n=n),
        key="fc_weeks",
    )
    or 2
)
quantile = c3.select_slider(
    t("fc.quantile", lang),
    options=QUANTILES,
    value=min(QUANTILES, key=lambda q: abs(q - settings.staffing_quantile)),
    help=t("fc.quantile.help", lang),
)

with st.spinner(t("fc.computing", lang)):
    result = forecast_data.page_plan(url, hall, 7 * weeks, quantile, scope=state.scope())
if isinstance(result, str):
    st.warning(t("fc.error", lang, reason=result))
    what_if(lang, settings, 10.0, None)
    st.stop()

for warning in result.warnings[lang]:
    st.warning(warning, icon=":material/event_busy:")

plan = result.plan
extended = plan.filter(pl.col("kind") == "extended")
daily = result.daily
first_week = daily.head(7)
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("fc.next7", lang), f"{first_week['yhat'].sum():,.0f}")
m2.metric(t("fc.under", lang), f"{(extended['flag'] == 'under').sum()}")
m3.metric(t("fc.over", lang), f"{(extended['flag'] == 'over').sum()}")
m4.metric(t("fc.cost", lang), f"{extended['staff_hours'].sum():,.1f} h")
patience_text = (
    t("fc.patience.median", lang, n=result.patience_median_min)
    if result.patience_median_min
    else t("fc.rev.patience_long", lang)
)
st.caption(
    t(
        "fc.facts",
        lang,
        service=result.service_min,
        patience=patience_text,
        shrinkage=result.shrinkage,
        target=settings.staffing_service_level,
        wait=settings.wait_target_min,
        cap=settings.staffing_occupancy_cap,
        seconds=result.seconds,
    )
)

if result.slots_over_capacity:
    st.warning(
        t(
            "fc.capacity",
            lang,
            n=result.slots_over_capacity,
            windows=result.windows_in_hall,
        ),
        icon=":material/warning:",
    )
    if result.shortfalls is not None and result.shortfalls.height:
        short = result.shortfalls
        st.dataframe(
            pl.DataFrame(
                {
                    t("fc.short.group", lang): short["group_name"],
                    t("fc.short.windows", lang): short["windows_in_group"],
                    t("fc.short.half_hours", lang): short["half_hours"],
                    t("fc.short.wanted", lang): short["most_wanted"],
                }
            ),
            hide_index=True,
            width="content",
        )

st.subheader(t("fc.demand", lang))
if result.choice is not None:
    st.caption(t("fc.model", lang, summary=result.choice.summary(lang)))
    if result.choice.scores.height:
        st.dataframe(model_table(result.choice.scores, lang), hide_index=True, width="content")
st.plotly_chart(demand_figure(result.history, daily, lang), width="stretch")

st.subheader(t("fc.planner", lang))
st.caption(t("fc.planner.help", lang))
if extended.is_empty():
    st.info(t("fc.no_extended", lang))
else:
    st.dataframe(
        planner_table(plan, lang),
        hide_index=True,
        width="stretch",
        column_config=planner_columns(lang),
    )

after_close_note(lang, url, hall, newest, weeks)

if not extended.is_empty():
    st.markdown(f"**{t('fc.trade', lang)}**")
    st.caption(t("fc.trade.help", lang))
    st.plotly_chart(
        tradeoff_figure(
            tradeoff_by_group(
                result.groups,
                result.calibration,
                policy_from(settings_for(settings, quantile)),
                result.shrinkage,
            )
            if result.calibration is not None and result.groups is not None
            else tradeoff(plan, result.queueing, policy_from(settings_for(settings, quantile))),
            lang,
        ),
        width="stretch",
    )

if result.roster is not None and result.roster.height:
    st.markdown(f"**{t('fc.roster', lang)}**")
    st.caption(t("fc.roster.help", lang))
    r = result.roster
    st.dataframe(
        pl.DataFrame(
            {
                t("fc.col.date", lang): r["date"].dt.strftime("%m-%d"),
                t("fc.col.time", lang): r["start"].dt.strftime("%H:%M")
                + "–"
                + r["end"].dt.strftime("%H:%M"),
                t("fc.roster.people", lang): r["people"],
                t("fc.col.rostered", lang): r["rostered"],
                t("fc.roster.assigned", lang): r["assigned"],
                t("fc.roster.short", lang): r["short"],
                t("fc.roster.sl_plan", lang): r["service_level_plan"],
                t("fc.col.sl_rostered", lang): r["service_level_roster"],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            t(k, lang): st.column_config.NumberColumn(format="percent")
            for k in ("fc.roster.sl_plan", "fc.col.sl_rostered")
        },
    )

st.subheader(t("fc.day", lang))
days = plan["date"].unique().sort().to_list()
if days:
    day = st.selectbox(t("fc.day.pick", lang), days, format_func=lambda d: d.isoformat())
    st.plotly_chart(day_figure(plan.filter(pl.col("date") == day), lang), width="stretch")
    if result.groups is not None and result.groups.height:
        st.markdown(f"**{t('fc.groups', lang)}**")
        st.caption(t("fc.groups.help", lang))
        st.dataframe(
            group_table(result.groups.filter(pl.col("date") == day), lang),
            hide_index=True,
            width="stretch",
        )
    pool = forecast_data.pooling(url, hall, 7 * weeks, quantile, day, scope=state.scope())
    if pool:
        st.markdown(f"**{t('fc.pool', lang)}**")
        p1, p2, p3, p4 = st.columns(4)
        p1.metric(t("fc.pool.pooled", lang), f"{pool['windows_pooled'] / 2:,.1f} h")
        p2.metric(t("fc.pool.dedicated", lang), f"{pool['windows_dedicated'] / 2:,.1f} h")
        p3.metric(t("fc.pool.sim_pooled", lang), f"{pool['sim_service_level_pooled']:.1%}")
        p4.metric(t("fc.pool.sim_split", lang), f"{pool['sim_service_level_split']:.1%}")

plan_vs_actual(lang, url, hall)
what_if(lang, settings, result.service_min, result.patience_min)
