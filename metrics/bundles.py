"""一件事一次办: the packages of a period side by side, for the 办件时效 page and the weekly report.

`package_table(conn, period, settings, scope=…)` gives one row per package with cases in the
period (in the reader's scope): the figures of `hall metrics --by bundle` and, for the
applications completed in the period, the slowest case (accepted → completed, in days) with
its item. The slowest package is the first row.
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope
from metrics.engine import Deadlines, finish, needs
from metrics.settings import Settings
from queries import schema as s
from queries.metric_inputs import collect
from queries.metric_queries import Filters, bundle_cases
from workdays.deadlines import applications_done

PACKAGE_SCHEMA: dict[str, pl.DataType] = {
    "bundle_id": pl.String(),
    "name": pl.String(),
    "applications": pl.Int64(),  # bundle_applications
    "cases": pl.Int64(),  # accepted cases of the package
    "completed": pl.Int64(),  # bundles_completed
    "on_time_rate": pl.Float64(),  # bundle_on_time_rate
    "one_visit_rate": pl.Float64(),  # bundle_one_visit_rate
    "slowest_days": pl.Float64(),  # the slowest case of its completed applications
    "slowest_item": pl.String(),
    "slowest_case_id": pl.String(),
}
# the figures of the table (`metrics.engine.needs` reads only their partials)
PACKAGE_KEYS = (
    "bundle_applications",
    "accepted",
    "bundles_completed",
    "bundle_on_time_rate",
    "bundle_one_visit_rate",
)


def package_table(
    conn: Connection,
    period: Filters,
    settings: Settings,
    *,
    scope: Scope,
    given: dict[str, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """One row per package (PACKAGE_SCHEMA), slowest first (by its slowest case), then the
    packages without a completed application by applications. `given`: the period's partials
    by package the caller has read already (`bundle_cases`, `bundle_intake` of
    `queries.metric_queries` with the "bundle" dimension), used as they are."""
    # the partials of the table's figures only, read once: the completed applications'
    # cases give both the figures and the slowest case
    sections, partials = needs(PACKAGE_KEYS)
    given = dict(given or {})
    if "bundle_cases" not in given:
        given["bundle_cases"] = bundle_cases(conn, period, "bundle", scope=scope)
    inputs = collect(
        conn,
        period,
        "bundle",
        wait_target_min=settings.wait_target_min,
        late_grace_min=settings.late_grace_min,
        sections=sections,
        partials=partials,
        scope=scope,
        given=given,
    )
    groups = finish(inputs, settings)["groups"]
    if not groups:
        return pl.DataFrame(schema=PACKAGE_SCHEMA)
    names = dict(conn.execute(sa.select(s.bundles.c.bundle_id, s.bundles.c.name)).all())
    items = dict(conn.execute(sa.select(s.items.c.item_id, s.items.c.name)).all())
    apps = applications_done(
        given["bundle_cases"], period.start, period.end, Deadlines(inputs.calendar)
    )
    slowest = (
        apps.sort("slowest_days", descending=True, nulls_last=True)
        .group_by("bundle_id", maintain_order=True)
        .first()
        .select("bundle_id", "slowest_days", "slowest_item_id", "slowest_case_id")
    )
    figures = pl.DataFrame(
        [
            {
                "bundle_id": g["bundle_id"],
                "name": names.get(g["bundle_id"], g["bundle_id"]),
                "applications": g["cases"]["bundle_applications"],
                "cases": g["cases"]["accepted"],
                "completed": g["cases"]["bundles_completed"],
                "on_time_rate": g["cases"]["bundle_on_time_rate"],
                "one_visit_rate": g["cases"]["bundle_one_visit_rate"],
            }
            for g in groups
        ],
        schema={k: v for k, v in PACKAGE_SCHEMA.items() if not k.startswith("slowest")},
    )
    table = figures.join(slowest, on="bundle_id", how="left").with_columns(
        pl.col("slowest_item_id")
        .replace_strict(items, default=pl.col("slowest_item_id"), return_dtype=pl.String)
        .alias("slowest_item")
    )
    table = table.filter((pl.col("applications") > 0) | (pl.col("completed") > 0))
    return table.sort(["slowest_days", "applications"], descending=True, nulls_last=True).select(
        list(PACKAGE_SCHEMA)
    )
