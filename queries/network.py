"""The 区-街道-社区 network's reads (the 15-minute service circle): its halls, each hall's
additive figures, and the items each hall served. Every read takes the caller's `Scope` in SQL
(a street's director sees the street and the stations below it); `metrics.network` rolls the
results up the tree.
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access.scope import Scope, scope_filter
from queries import metric_queries as mq
from queries import rollups
from queries import schema as s
from queries.frames import read_frame
from queries.metric_queries import Filters

HALL_SCHEMA = {
    "hall_id": pl.String(),
    "name": pl.String(),
    "level": pl.String(),
    "parent_hall_id": pl.String(),
}
PARTIAL_SCHEMA = {
    "hall_id": pl.String(),
    "issued": pl.Int64(),
    "served": pl.Int64(),
    "wait_n": pl.Int64(),
    "wait_sum_s": pl.Int64(),
    "accepted": pl.Int64(),
    "evaluations": pl.Int64(),
    "satisfied": pl.Int64(),
}
ITEM_SCHEMA = {
    "hall_id": pl.String(),
    "item_id": pl.String(),
    "item_name": pl.String(),
    "cases": pl.Int64(),
    "tickets": pl.Int64(),
}


def network_halls(conn: Connection, *, scope: Scope) -> pl.DataFrame:
    """hall_id, name, level, parent_hall_id of the halls `scope` may see (a parent outside
    the scope stays named in parent_hall_id: the hall is a root of the reader's tree)."""
    h = s.halls
    stmt = (
        sa.select(h.c.hall_id, h.c.name, h.c.level, h.c.parent_hall_id)
        .where(scope_filter(scope, h))
        .order_by(h.c.hall_id)
    )
    return read_frame(conn, stmt, HALL_SCHEMA)


def hall_partials(
    conn: Connection, period: Filters, *, wait_target_s: float, scope: Scope
) -> pl.DataFrame:
    """Per hall in `scope`: tickets issued and served, valid waits (count and seconds),
    cases accepted, active evaluations and satisfied ones (rating ≥ 3) — additive, so a
    street's figure is the sum of its own and its stations'. The daily rollups answer for
    the days they hold (`queries.rollups`), the rest is read raw; all in SQL."""
    plan = rollups.plan(conn, period)

    def part(name: str, raw) -> pl.DataFrame:
        return rollups.partial(
            conn,
            name,
            plan,
            period,
            "hall",
            raw,
            wait_target_s=wait_target_s,
            boundaries=[],
            scope=scope,
        )

    tickets = part(
        "tickets", lambda p: mq.ticket_counts(conn, p, "hall", wait_target_s, scope=scope)
    )
    intake = part("intake", lambda p: mq.case_intake(conn, p, "hall", scope=scope))
    evals = part("evaluations", lambda p: mq.evaluation_counts(conn, p, "hall", scope=scope))
    frames = [
        tickets.select(
            pl.col("group").alias("hall_id"), "issued", "served", "wait_n", "wait_sum_s"
        ),
        intake.select(pl.col("group").alias("hall_id"), "accepted"),
        evals.select(
            pl.col("group").alias("hall_id"),
            pl.col("count").alias("evaluations"),
            "satisfied",
        ),
    ]
    out = pl.DataFrame(schema={"hall_id": pl.String()})
    for frame in frames:
        frame = frame.group_by("hall_id").agg(pl.all().sum())
        out = out.join(frame, on="hall_id", how="full", coalesce=True)
    return out.select(
        pl.col(c).cast(t).fill_null(0) if c != "hall_id" else pl.col(c)
        for c, t in PARTIAL_SCHEMA.items()
    ).sort("hall_id")


def hall_items(conn: Connection, period: Filters, *, scope: Scope) -> pl.DataFrame:
    """Per hall and item (inside `scope`): cases accepted in the period, and served tickets of
    the period linked to a case of that item (`tickets.case_id`). Items without a case link
    are not known for a ticket: those tickets are not counted here."""
    c, t, i = s.cases, s.tickets, s.items
    cases = (
        sa.select(c.c.hall_id, c.c.item_id, sa.func.count().label("n"))
        .where(
            c.c.accepted_at >= period.start,
            c.c.accepted_at < period.end,
            scope_filter(scope, c),
        )
        .group_by(c.c.hall_id, c.c.item_id)
    )
    linked = c.alias("linked")
    tickets = (
        sa.select(t.c.hall_id, linked.c.item_id, sa.func.count().label("n"))
        .select_from(t.join(linked, linked.c.case_id == t.c.case_id))
        .where(
            t.c.issued_at >= period.start,
            t.c.issued_at < period.end,
            t.c.status == "served",
            scope_filter(scope, t),
        )
        .group_by(t.c.hall_id, linked.c.item_id)
    )
    schema = {"hall_id": pl.String(), "item_id": pl.String(), "n": pl.Int64()}
    by_case = read_frame(conn, cases, schema).rename({"n": "cases"})
    by_ticket = read_frame(conn, tickets, schema).rename({"n": "tickets"})
    names = read_frame(
        conn, sa.select(i.c.item_id, i.c.name), {"item_id": pl.String(), "item_name": pl.String()}
    )
    joined = by_case.join(by_ticket, on=["hall_id", "item_id"], how="full", coalesce=True)
    return (
        joined.join(names, on="item_id", how="left")
        .with_columns(
            pl.col("cases").fill_null(0),
            pl.col("tickets").fill_null(0),
            pl.col("item_name").fill_null(pl.col("item_id")),
        )
        .select(list(ITEM_SCHEMA))
        .cast(ITEM_SCHEMA)
        .sort("hall_id", "item_id")
    )
