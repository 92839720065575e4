"""延时办 across days: how often a hall serves past its closing time (pure functions).

The figures themselves (`after_close_served`, `after_close_minutes_mean`) come from
`metrics.engine`; this module reads a hall's figures by date for the staffing page, where a
hall that serves past closing most evenings is telling the plan its last slot is too short.
"""

from __future__ import annotations

from dataclasses import dataclass

HABIT_SHARE = 0.5  # past closing on at least half the days it served: a habit, not a fluke


@dataclass(frozen=True)
class AfterClosePattern:
    days_served: int  # days with at least one served ticket
    days_after: int  # of them, days with a ticket called after closing
    served_after: int  # tickets called after closing, all days
    minutes_mean: float | None  # mean overrun over the days_after (minutes)

    @property
    def share(self) -> float | None:
        return None if not self.days_served else self.days_after / self.days_served

    @property
    def habitual(self) -> bool:
        return self.share is not None and self.days_after >= 2 and self.share >= HABIT_SHARE


def after_close_pattern(groups: list[dict]) -> AfterClosePattern:
    """From `compute(..., dimension="date")["groups"]` (each with a `tickets` section)."""
    served = [g["tickets"] for g in groups if g["tickets"]["served"]]
    after = [t for t in served if t["after_close_served"]]
    minutes = [t["after_close_minutes_mean"] for t in after if t["after_close_minutes_mean"]]
    return AfterClosePattern(
        days_served=len(served),
        days_after=len(after),
        served_after=sum(t["after_close_served"] for t in after),
        minutes_mean=sum(minutes) / len(minutes) if minutes else None,
    )
