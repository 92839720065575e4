"""A roster proposal for the extended hours (午间、晚间延时与“5+2”周末): which shifts, how many
people, who — rotated fairly across weeks and within working-time limits.

Shifts are the contiguous runs of extended half-hours of each day in a plan (a lunch block, an
evening block, a weekend morning). A shift needs the most staff any of its half-hours needs.
People come from the hall's front-desk staff pool; each shift takes those with the fewest
extended hours so far (the last `FAIRNESS_WEEKS` weeks of attendance plus what this proposal has
given them), skipping anyone on leave that day, already on another shift of that time, or
whose week would pass `max_week_hours` (scheduled shifts plus extended ones).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import polars as pl

from forecasting.demand import INTERVAL_MIN

FAIRNESS_WEEKS = 8
MAX_WEEK_HOURS = 44.0  # 40 regular hours and a little overtime (劳动法: 44 h and overtime caps)

PROPOSAL_SCHEMA = {
    "date": pl.Date,
    "start": pl.Datetime("us"),
    "end": pl.Datetime("us"),
    "people": pl.Int64,
    "rostered": pl.Int64,
    "assigned": pl.String,
    "short": pl.Int64,
    "lunch": pl.Boolean,
    "service_level_plan": pl.Float64,
    "service_level_roster": pl.Float64,
}


def extended_shifts(plan: pl.DataFrame) -> list[dict]:
    """Contiguous runs of extended half-hours per date: date, start, end, people (the most
    staff_needed), rostered (the fewest windows on today's roster), the simulated (else the
    formula's) service levels of the plan and of the roster, weighted by arrivals."""
    ext = plan.filter(pl.col("kind") == "extended").sort("start")
    shifts: list[dict] = []
    for row in ext.iter_rows(named=True):
        last = shifts[-1] if shifts else None
        if last and last["end"] == row["start"]:
            last["rows"].append(row)
            last["end"] = row["start"] + dt.timedelta(minutes=INTERVAL_MIN)
        else:
            shifts.append(
                {
                    "date": row["date"],
                    "start": row["start"],
                    "end": row["start"] + dt.timedelta(minutes=INTERVAL_MIN),
                    "rows": [row],
                }
            )
    regular = plan.filter(pl.col("kind") != "extended").select("date", "start")
    for shift in shifts:
        day_regular = regular.filter(pl.col("date") == shift["date"])["start"]
        # between regular half-hours of the same day: a lunch block, covered by staggering
        # the regular staff's lunch rather than by extra hours
        shift["lunch"] = bool(
            (day_regular < shift["start"]).any() and (day_regular >= shift["end"]).any()
        )
        rows = shift.pop("rows")
        shift["people"] = max(r["staff_needed"] for r in rows)
        rostered = [r["windows_rostered"] for r in rows if r["windows_rostered"] is not None]
        shift["rostered"] = min(rostered) if rostered else None
        weight = sum(r["arrivals"] for r in rows) or 1.0

        def level(rows=rows, weight=weight, sim="", formula=""):
            values = [
                (r[sim] if r.get(sim) is not None else r[formula], r["arrivals"]) for r in rows
            ]
            if any(v is None for v, _ in values):
                return None
            return sum(v * a for v, a in values) / weight

        shift["service_level_plan"] = level(sim="sim_service_level", formula="service_level")
        shift["service_level_roster"] = level(
            sim="sim_service_level_rostered", formula="service_level_rostered"
        )
    return shifts


def propose(
    plan: pl.DataFrame,
    staff: pl.DataFrame,
    history: pl.DataFrame,
    max_week_hours: float = MAX_WEEK_HOURS,
) -> pl.DataFrame:
    """The proposal (`PROPOSAL_SCHEMA`), one row per extended shift of `plan`.

    `staff`: staff_id, name of the hall's front-desk pool; `history`: attendance rows
    (`queries.forecast_queries.shifts`) of the past weeks and of the planned days — past
    extended and weekend shifts count towards fairness, scheduled shifts of the planned days
    towards the weekly limit, leave on a planned day makes the person unavailable. `short`:
    people the shift still lacks when the pool runs out."""
    shifts = extended_shifts(plan)
    if not shifts or staff.is_empty():
        return pl.DataFrame(schema=PROPOSAL_SCHEMA)
    hours = ((pl.col("scheduled_end") - pl.col("scheduled_start")).dt.total_seconds() / 3600).alias(
        "h"
    )
    past = history.filter(
        pl.col("shift_kind").is_in(["extended", "weekend"])
        & (pl.col("work_date") < shifts[0]["date"])
        & (pl.col("work_date") >= shifts[0]["date"] - dt.timedelta(weeks=FAIRNESS_WEEKS))
    ).with_columns(hours)
    load = defaultdict(float, dict(past.group_by("staff_id").agg(pl.col("h").sum()).iter_rows()))
    planned = history.filter(pl.col("work_date") >= shifts[0]["date"]).with_columns(hours)
    week_hours: dict[tuple[str, dt.date], float] = defaultdict(float)
    busy: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)  # proposed
    on_leave: set[tuple[str, dt.date]] = set()
    for sid, day, leave, h in planned.select("staff_id", "work_date", "leave", "h").iter_rows():
        if leave:
            on_leave.add((sid, day))
            continue
        week_hours[(sid, _monday(day))] += h or 0.0
    # a week without a schedule yet: a person's usual hours (regular shifts of the past weeks)
    regular = history.filter(
        ~pl.col("shift_kind").is_in(["extended", "weekend"])
        & (pl.col("work_date") < shifts[0]["date"])
        & pl.col("leave").is_null()
    ).with_columns(hours)
    usual = defaultdict(
        float,
        {
            sid: h / FAIRNESS_WEEKS
            for sid, h in regular.group_by("staff_id").agg(pl.col("h").sum()).iter_rows()
        },
    )
    for sid, week in {(sid, _monday(s["date"])) for sid in staff["staff_id"] for s in shifts}:
        week_hours[(sid, week)] = max(week_hours[(sid, week)], usual[sid])
    names = dict(staff.select("staff_id", "name").iter_rows())
    rows = []
    for shift in shifts:
        length = (shift["end"] - shift["start"]).total_seconds() / 3600
        week = _monday(shift["date"])
        extra = 0.0 if shift["lunch"] else length  # hours on top of the working week
        free = [
            sid
            for sid in names
            if (sid, shift["date"]) not in on_leave
            and week_hours[(sid, week)] + extra <= max_week_hours + 1e-9
            and not any(a < shift["end"] and shift["start"] < b for a, b in busy[sid])
        ]
        free.sort(key=lambda sid: (load[sid], sid))
        chosen = free[: shift["people"]]
        for sid in chosen:
            load[sid] += length  # every extended duty counts for the rotation
            week_hours[(sid, week)] += extra
            busy[sid].append((shift["start"], shift["end"]))
        rows.append(
            {
                "date": shift["date"],
                "start": shift["start"],
                "end": shift["end"],
                "people": shift["people"],
                "rostered": shift["rostered"],
                "assigned": "、".join(names[sid] for sid in chosen),
                "short": shift["people"] - len(chosen),
                "lunch": shift["lunch"],
                "service_level_plan": shift["service_level_plan"],
                "service_level_roster": shift["service_level_roster"],
            }
        )
    return pl.DataFrame(rows, schema=PROPOSAL_SCHEMA)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())
