"""The big screen's live figures: what a hall looks like right now.

The period figures on the screen (issued, served, within-target rate, satisfaction, on-time
rate, overdue cases, the department ranking) come from `metrics.figures.compute` like every
other page. The figures below exist only "now" and are declared here, with the catalog's
`Metric` class, so they are labelled and formatted the same way:

- waiting now (当前等候): today's tickets with status `waiting` (issued, not yet called) at now;
- current wait of a waiting ticket: now − issued_at, or now − appointment_start for an
  appointment whose slot is later than its issue (as metrics.md's wait), floored at 0;
- open windows (开放窗口): a window is open when someone is clocked in at it now (attendance:
  clock_in ≤ now, no clock_out or a later one). A queue's open windows are the open windows
  that called one of its tickets in the last `recent_call_min` minutes (a comprehensive window
  serving several queues counts for each). When the hall has no attendance rows today (a hall
  whose punches arrive later), the windows that called in the last `recent_call_min` minutes
  are taken as open.

Also here: the time the screen calls "now" (`HALLPULSE_NOW` overrides it for tests and
benchmarks), the screen settings, and the masking of staff names.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

import polars as pl

from metrics.catalog import Metric
from metrics.settings import SettingsError, config_path
from workdays import clock

NOW_ENV = clock.NOW_ENV

LIVE_METRICS: tuple[Metric, ...] = (
    Metric("waiting_now", "live", "当前等候", "Waiting now", "count", -1),
    Metric("wait_now_mean_min", "live", "当前平均等候", "Current mean wait", "minutes", -1),
    Metric("wait_now_max_min", "live", "当前最长等候", "Longest current wait", "minutes", -1),
    Metric("open_windows", "live", "开放窗口", "Open windows", "count", 1),
    Metric("serving_now", "live", "正在办理", "Being served", "count", 0),
    Metric("bad_pending", "live", "待整改差评", "Bad reviews pending", "count", -1),
)
LIVE_BY_KEY: dict[str, Metric] = {m.key: m for m in LIVE_METRICS}


def now(tz: str | None = None) -> dt.datetime:
    """The screen's "now", to the second, on the hall's clock (`metrics.clock`):
    $HALLPULSE_NOW (ISO, e.g. 2026-11-27T15:00) when set — for tests and benchmarks on a
    database that ends in the past — else the wall clock in the hall's zone."""
    return clock.now(tz)


# --- settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenSettings:
    """`[screen]` in hallpulse.toml (every key optional)."""

    refresh_s: float = 30.0  # the screen redraws itself this often
    stale_after_min: float = 15.0  # banner when the newest ticket is older (in service hours)
    recent_call_min: float = 30.0  # a window counts for a queue it called within this
    rank_key: str = "wait_within_target_rate"  # department ranking, this month


def load_screen_settings(path: Path | None = None) -> ScreenSettings:
    path = path or config_path()
    if not path.exists():
        return ScreenSettings()
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get("screen", {})
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    known = {f.name for f in fields(ScreenSettings)}
    unknown = sorted(set(section) - known)
    if unknown:
        raise SettingsError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: [screen] "
            + ", ".join(sorted(known))
        )
    values = {}
    for key, value in section.items():
        if key == "rank_key":
            from metrics.catalog import BY_KEY

            if value not in BY_KEY:
                raise SettingsError(f"{path}: [screen] rank_key {value!r} is not a metric")
            values[key] = value
        elif isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise SettingsError(f"{path}: [screen] {key} must be a positive number")
        else:
            values[key] = float(value)
    return replace(ScreenSettings(), **values)


# --- masking -----------------------------------------------------------------------------------


def mask_name(name: str | None) -> str:
    """A staff name as a public screen may show it: 张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明
    (first and last character kept); each part of a Latin name the same way: "Li Ming" → "L* M**g".
    """
    if not name:
        return ""
    name = name.strip()
    if " " in name:
        return " ".join(mask_name(part) for part in name.split())
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- live figures ------------------------------------------------------------------------------


def current_waits(waiting: pl.DataFrame, now: dt.datetime) -> pl.DataFrame:
    """`waiting` (queue_id, issued_at, source, appointment_start) with `wait_min`: minutes
    from the ticket's start (issue, or a later appointment slot) to now, floored at 0."""
    late_slot = (pl.col("source") == "appointment") & (
        pl.col("appointment_start") > pl.col("issued_at")
    )
    start = pl.when(late_slot).then(pl.col("appointment_start")).otherwise(pl.col("issued_at"))
    minutes = (pl.lit(now) - start).dt.total_seconds() / 60.0
    return waiting.with_columns(wait_min=pl.max_horizontal(minutes, pl.lit(0.0)))


def staffed_windows(shifts: pl.DataFrame, now: dt.datetime) -> set[str] | None:
    """Windows someone is clocked in at `now`; None when there are no shifts at all today."""
    if shifts.is_empty():
        return None
    on = shifts.filter(
        (pl.col("clock_in") <= now) & (pl.col("clock_out").is_null() | (pl.col("clock_out") > now))
    )
    return set(on["window_id"].to_list())


def queue_board(
    queues: pl.DataFrame,
    today: pl.DataFrame,
    waits: pl.DataFrame,
    callers: pl.DataFrame,
    staffed: set[str] | None,
) -> pl.DataFrame:
    """One row per queue: queue_id, name, prefix, issued, served, waiting, wait_max_min,
    open_windows (see the module docstring)."""
    if staffed is not None:
        callers = callers.filter(pl.col("window_id").is_in(sorted(staffed)))
    open_ = callers.group_by("queue_id").agg(open_windows=pl.col("window_id").n_unique())
    waiting = waits.group_by("queue_id").agg(
        waiting=pl.len(), wait_max_min=pl.col("wait_min").max()
    )
    return (
        queues.join(today, on="queue_id", how="left")
        .join(waiting, on="queue_id", how="left")
        .join(open_, on="queue_id", how="left")
        .with_columns(
            pl.col("issued", "served", "waiting").fill_null(0).cast(pl.Int64),
            pl.col("open_windows").fill_null(0).cast(pl.Int64),
        )
        .select(
            "queue_id",
            "name",
            "prefix",
            "issued",
            "served",
            "waiting",
            "wait_max_min",
            "open_windows",
        )
    )


def hall_now(
    today: pl.DataFrame, waits: pl.DataFrame, callers: pl.DataFrame, staffed: set[str] | None
) -> dict[str, float | int | None]:
    """The hall's live figures (keys of LIVE_METRICS except bad_pending)."""
    n = waits.height
    open_windows = len(staffed) if staffed is not None else callers["window_id"].n_unique()
    return {
        "waiting_now": n,
        "wait_now_mean_min": float(waits["wait_min"].mean()) if n else None,
        "wait_now_max_min": float(waits["wait_min"].max()) if n else None,
        "open_windows": open_windows,
        "serving_now": int(today["serving"].sum()) if today.height else 0,
    }


def bad_pending(bad: pl.DataFrame, now: dt.datetime) -> int:
    """Bad reviews (metric_queries.bad_reviews rows) not rectified by `now`: awaiting the
    follow-up that closes them (回访 and 整改)."""
    if bad.is_empty():
        return 0
    return bad.filter(
        (pl.col("evaluated_at") <= now)
        & (pl.col("rectified_at").is_null() | (pl.col("rectified_at") > now))
    ).height


def hourly_comparison(
    today: pl.DataFrame, last_week: pl.DataFrame, now: dt.datetime, first_hour: int = 8
) -> pl.DataFrame:
    """hour, today, last_week: issued per hour over the hours either day has tickets (from
    `first_hour` to now's hour when neither has any); today is null after now's hour, so its
    bars stop at now."""
    hours = set(today["hour"].to_list()) | set(last_week["hour"].to_list())
    if not hours:
        hours = set(range(first_hour, max(first_hour, now.hour) + 1))
    span = range(min(hours), max(hours) + 1)
    frame = pl.DataFrame({"hour": list(span)}, schema={"hour": pl.Int32})
    return (
        frame.join(today.rename({"issued": "today"}), on="hour", how="left")
        .join(last_week.rename({"issued": "last_week"}), on="hour", how="left")
        .with_columns(
            today=pl.when(pl.col("hour") <= now.hour).then(pl.col("today").fill_null(0)),
            last_week=pl.col("last_week").fill_null(0),
        )
    )


def is_stale(
    newest: dt.datetime | None, now: dt.datetime, is_open: bool, stale_after_min: float
) -> bool:
    """True when the hall is in service hours and its newest ticket is older than the limit
    (or there is none)."""
    if not is_open:
        return False
    return newest is None or (now - newest).total_seconds() / 60.0 > stale_after_min
