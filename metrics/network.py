"""The 15-minute service circle in figures (pure functions): the 区-街道-社区 tree, each level's
share of demand (下沉率), each station's figures rolled up the tree, halls compared with their
peers of the same level, and which items each level handles.

Inputs are the frames of `queries.network`: halls (hall_id, name, level, parent_hall_id),
partials (hall_id, issued, served, wait_n, wait_sum_s, accepted, evaluations, satisfied) and
items (hall_id, item_id, item_name, cases, tickets).

- 下沉率 (share carried below the district): (tickets issued + cases accepted at street and
  community halls) / (tickets issued + cases accepted at all halls of the network in view).
  The same share is also given for tickets and for cases alone.
- A hall's rolled-up figures are the sums over itself and every hall below it; its mean wait
  is Σ wait seconds / Σ valid waits, its satisfaction Σ satisfied / Σ evaluations.
"""

from __future__ import annotations

import polars as pl

LEVELS = ("district", "street", "community")
LOWER = ("street", "community")
ADDITIVE = ("issued", "served", "wait_n", "wait_sum_s", "accepted", "evaluations", "satisfied")
MOVABLE_MIN_SHARE = 0.5  # an item is a candidate to move closer when the district still carries
# at least this share of it, while a street or community hall already handles some of it


def tree(halls: pl.DataFrame) -> pl.DataFrame:
    """The halls with `depth` (0 for a root: no parent, or a parent outside the view),
    `root_id`, `path` (ids from the root, "/"-joined) and `ancestors` (list of ids above,
    nearest last), in depth-first order (children by hall_id). Cycles are broken at the
    first repeat."""
    ids = set(halls["hall_id"].to_list())
    parent = {
        h: (p if p in ids and p != h else None)
        for h, p in halls.select("hall_id", "parent_hall_id").iter_rows()
    }
    children: dict[str | None, list[str]] = {}
    for h in sorted(ids):
        children.setdefault(parent[h], []).append(h)
    rows, seen = [], set()

    def walk(h: str, above: list[str]) -> None:
        if h in seen:
            return
        seen.add(h)
        rows.append((h, len(above), above[0] if above else h, "/".join([*above, h]), above))
        for child in children.get(h, []):
            walk(child, [*above, h])

    for root in children.get(None, []):
        walk(root, [])
    for h in sorted(ids - seen):  # a cycle with no root: start it anywhere
        walk(h, [])
    order = pl.DataFrame(
        rows,
        schema={
            "hall_id": pl.String,
            "depth": pl.Int64,
            "root_id": pl.String,
            "path": pl.String,
            "ancestors": pl.List(pl.String),
        },
        orient="row",
    ).with_row_index("order")
    return order.join(halls, on="hall_id", how="left").sort("order").drop("order")


def _with_rates(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col("wait_n") > 0)
        .then(pl.col("wait_sum_s") / pl.col("wait_n") / 60)
        .alias("wait_mean_min"),
        pl.when(pl.col("evaluations") > 0)
        .then(pl.col("satisfied") / pl.col("evaluations"))
        .alias("satisfaction_rate"),
    )


def _own(halls: pl.DataFrame, partials: pl.DataFrame) -> pl.DataFrame:
    joined = tree(halls).join(partials, on="hall_id", how="left")
    return joined.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in ADDITIVE)


def rolled_up(halls: pl.DataFrame, partials: pl.DataFrame) -> pl.DataFrame:
    """One row per hall in tree order: its own figures (`own_issued`, `own_accepted`) and the
    sums over its subtree (issued, served, wait_n, wait_sum_s, accepted, evaluations,
    satisfied), with the subtree's wait_mean_min and satisfaction_rate, and `stations`: how
    many halls the subtree holds."""
    own = _own(halls, partials)
    members = own.select(
        "hall_id", pl.concat_list(pl.col("ancestors"), pl.col("hall_id")).alias("up"), *ADDITIVE
    ).explode("up")
    sums = members.group_by("up").agg(
        *[pl.col(c).sum() for c in ADDITIVE], pl.len().cast(pl.Int64).alias("stations")
    )
    out = own.select(
        "hall_id",
        "name",
        "level",
        "parent_hall_id",
        "depth",
        "path",
        pl.col("issued").alias("own_issued"),
        pl.col("accepted").alias("own_accepted"),
    ).join(sums.rename({"up": "hall_id"}), on="hall_id", how="left")
    return _with_rates(out)


def level_shares(halls: pl.DataFrame, partials: pl.DataFrame) -> pl.DataFrame:
    """One row per level present (district, street, community, then others): halls, tickets
    issued and its share, cases accepted and its share, demand (tickets + cases) and its
    share, mean wait and satisfaction of the level."""
    own = _own(halls, partials).with_columns(pl.col("level").fill_null("unknown"))
    by_level = own.group_by("level").agg(
        pl.len().cast(pl.Int64).alias("halls"), *[pl.col(c).sum() for c in ADDITIVE]
    )
    total_t = max(int(by_level["issued"].sum()), 0)
    total_c = max(int(by_level["accepted"].sum()), 0)
    rank = {level: i for i, level in enumerate(LEVELS)}
    out = by_level.with_columns(
        (pl.col("issued") + pl.col("accepted")).alias("demand"),
        (pl.col("issued") / total_t if total_t else pl.lit(None, pl.Float64)).alias("ticket_share"),
        (pl.col("accepted") / total_c if total_c else pl.lit(None, pl.Float64)).alias("case_share"),
        pl.col("level").replace_strict(rank, default=len(LEVELS)).alias("__rank"),
    )
    total = total_t + total_c
    out = out.with_columns(
        (pl.col("demand") / total if total else pl.lit(None, pl.Float64)).alias("demand_share")
    )
    return _with_rates(out).sort("__rank", "level").drop("__rank")


def sinking_rate(shares: pl.DataFrame) -> dict[str, float | None]:
    """下沉率: the share of demand, of tickets and of cases carried by street and community
    halls (None when the view has none of that kind)."""
    lower = shares.filter(pl.col("level").is_in(LOWER))

    def share(column: str) -> float | None:
        total = int(shares[column].sum())
        return None if not total else int(lower[column].sum()) / total

    return {"demand": share("demand"), "tickets": share("issued"), "cases": share("accepted")}


def peers(halls: pl.DataFrame, partials: pl.DataFrame) -> pl.DataFrame:
    """Halls compared with the others of their level (own figures, not rolled up): level,
    hall_id, name, issued, accepted, wait_mean_min, satisfaction_rate, and each figure's
    ratio to the level's (`wait_vs_level`, `satisfaction_vs_level`: the hall's minus the
    level's, in minutes and in points of a fraction). Sorted by level, then by issued."""
    own = _with_rates(_own(halls, partials)).with_columns(pl.col("level").fill_null("unknown"))
    levels = _with_rates(own.group_by("level").agg(*[pl.col(c).sum() for c in ADDITIVE])).select(
        "level",
        pl.col("wait_mean_min").alias("level_wait"),
        pl.col("satisfaction_rate").alias("level_satisfaction"),
        pl.col("issued").alias("level_issued"),
    )
    rank = {level: i for i, level in enumerate(LEVELS)}
    return (
        own.join(levels, on="level", how="left")
        .with_columns(
            (pl.col("wait_mean_min") - pl.col("level_wait")).alias("wait_vs_level"),
            (pl.col("satisfaction_rate") - pl.col("level_satisfaction")).alias(
                "satisfaction_vs_level"
            ),
            pl.when(pl.col("level_issued") > 0)
            .then(pl.col("issued") / pl.col("level_issued"))
            .alias("share_of_level"),
            pl.col("level").replace_strict(rank, default=len(LEVELS)).alias("__rank"),
        )
        .sort(["__rank", "issued", "hall_id"], descending=[False, True, False])
        .select(
            "level",
            "hall_id",
            "name",
            "issued",
            "share_of_level",
            "accepted",
            "wait_mean_min",
            "wait_vs_level",
            "satisfaction_rate",
            "satisfaction_vs_level",
        )
    )


def level_items(halls: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
    """Which items each level handles: one row per item with cases and served tickets at each
    level (`cases_district`, `cases_street`, `cases_community`, `tickets_…`), the item's
    total volume (cases + tickets), `lower_share` (the share of it handled at street and
    community halls), `halls_lower` (how many street/community halls handle it) and
    `movable`: the district still carries ≥ MOVABLE_MIN_SHARE of it while some street or
    community hall already handles it — it could move closer to residents. Sorted by the
    district's volume of the item, largest first."""
    level_of = halls.select("hall_id", pl.col("level").fill_null("unknown"))
    rows = items.join(level_of, on="hall_id", how="left").with_columns(
        pl.col("level").fill_null("unknown"), (pl.col("cases") + pl.col("tickets")).alias("volume")
    )
    base = rows.group_by("item_id").agg(
        pl.col("item_name").first(),
        pl.col("volume").sum().alias("volume"),
        pl.col("volume").filter(pl.col("level").is_in(LOWER)).sum().alias("lower"),
        pl.col("volume").filter(pl.col("level") == "district").sum().alias("district"),
        pl.col("hall_id")
        .filter(pl.col("level").is_in(LOWER) & (pl.col("volume") > 0))
        .n_unique()
        .alias("halls_lower"),
    )
    for level in LEVELS:
        part = rows.filter(pl.col("level") == level).group_by("item_id")
        base = base.join(
            part.agg(
                pl.col("cases").sum().alias(f"cases_{level}"),
                pl.col("tickets").sum().alias(f"tickets_{level}"),
            ),
            on="item_id",
            how="left",
        )
    cols = [f"{k}_{level}" for level in LEVELS for k in ("cases", "tickets")]
    out = base.with_columns(pl.col(c).fill_null(0) for c in cols).with_columns(
        pl.when(pl.col("volume") > 0).then(pl.col("lower") / pl.col("volume")).alias("lower_share")
    )
    movable = (
        (pl.col("halls_lower") > 0)
        & (pl.col("district") >= MOVABLE_MIN_SHARE * pl.col("volume"))
        & (pl.col("district") > 0)
    )
    return (
        out.with_columns(movable.fill_null(False).alias("movable"))
        .sort(["district", "volume", "item_id"], descending=[True, True, False])
        .select("item_id", "item_name", *cols, "volume", "lower_share", "halls_lower", "movable")
    )
