"""Rankings of groups (departments, windows, staff) with metrics.md's minimum-sample guard.

A group is ranked only with at least `min_served` served tickets (queue, case and attendance
metrics) or `min_evaluations` evaluations (evaluation metrics) in the period; smaller groups
are listed, marked as too small (样本不足), and not ranked.
"""

from __future__ import annotations

from metrics.catalog import BY_KEY
from metrics.settings import Settings


def sample_of(group: dict, key: str, settings: Settings) -> tuple[int, int]:
    """(sample size, minimum) that decides whether the group may be ranked on `key`."""
    metric = BY_KEY[key]
    if metric.section == "evaluations":
        return group["evaluations"]["count"], settings.min_evaluations
    return group["tickets"]["served"], settings.min_served


def rank_groups(groups: list[dict], key: str, settings: Settings) -> list[dict]:
    """One row per group: its label, value, sample, rank (None when not ranked) and whether
    the sample was too small; ranked best first by the metric's direction."""
    if key not in BY_KEY:
        raise KeyError(f"no metric {key!r}")
    metric = BY_KEY[key]
    label = (
        next(k for k in groups[0] if k not in ("tickets", "cases", "evaluations", "attendance"))
        if groups
        else "group"
    )
    rows = []
    for g in groups:
        value = g[metric.section][key]
        n, minimum = sample_of(g, key, settings)
        rows.append(
            {
                "group": g[label],
                "value": value,
                "sample": n,
                "too_small": n < minimum,
                "rank": None,
            }
        )
    rankable = [r for r in rows if not r["too_small"] and r["value"] is not None]
    sign = -1 if metric.direction >= 0 else 1  # higher first unless lower is better
    rankable.sort(key=lambda r: (sign * r["value"], str(r["group"])))
    for i, r in enumerate(rankable, start=1):
        r["rank"] = i
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, str(r["group"])))
