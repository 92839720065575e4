"""`hall demo --vendor-db URL`: the demo hall's day written into a vendor's queue system.

A hall's queue system is usually a supplier's product with a database of its own
(simulation/vendor_schema.py: `qh_record` tickets with numeric status codes, `jh_log` calls,
`pj_record` ratings, `dm_ywlx`/`dm_ck` dictionaries). This module plays that system for one demo
hall: the hall's day is simulated exactly as `hall demo` does (same seed, same tickets, same
ids) and written as the vendor's software would write it while the day happens — a ticket row
inserted when the ticket is taken, updated (`zt`, `update_time`) when it is called, started
and finished, a call-log row appended per call and closed at the finish, a rating row when a
visitor presses the device. Rows change after they are first seen, which is what a
watermark-and-lookback sync (`hall sync run`, examples/vendor/) has to cope with.

`update_time` is the simulated clock of the write (the vendor's server time), so at --speed 10
it runs ten times faster than the wall clock, as the rest of the simulated day does.

The first write of a day replaces the day's rows of the hall (a restart writes the state at
`now` afresh: same ids, same content); from then on each step writes only what changed, in
one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from simulation.demo import (
    DAY,
    DayFacts,
    DemoCalendar,
    DemoOptions,
    HallDaySimulator,
    build_network,
    cut_at,
)
from simulation.follow import FollowOptions, FollowSummary, step_clock
from simulation.vendor_schema import (
    SOURCE_QHFS,
    STATUS_ZT,
    VENDOR_TABLES,
    dm_ck,
    dm_ywlx,
    jh_log,
    pj_record,
    qh_record,
    vendor_meta,
)
from simulation.writer import DemoSummary, existing_fact_rows, write_demo

STARTED = ("serving", "served", "transferred")  # statuses of a call the visitor answered
STATE_COLUMNS = ("ticket_id", "status", "called_at", "finished_at", "window_id", "staff_id")


class VendorRefused(RuntimeError):
    """The hall is not one of the demo network's, or the vendor database cannot be written."""


@dataclass
class VendorStep:
    """What one write did: rows per vendor table and the tickets whose state it changed."""

    clock: dt.datetime
    rows: dict[str, int] = field(default_factory=dict)
    changes: pl.DataFrame = field(default_factory=pl.DataFrame)  # ticket_id, status
    committed: float = 0.0  # time.time() right after the commit


def queue_codes(network, hall_id: str) -> pl.DataFrame:
    """dm_ywlx of the hall: ywlx code (101, 102, … in prefix order), ywmc, qz, queue_id."""
    queues = network.reference["queues"].filter(pl.col("hall_id") == hall_id).sort("prefix")
    return queues.select(
        (pl.int_range(pl.len()) + 101).cast(pl.Int64).alias("ywlx"),
        pl.col("name").alias("ywmc"),
        pl.col("prefix").alias("qz"),
        pl.lit(1).alias("yxbz"),
        "queue_id",
    )


def window_codes(network, hall_id: str) -> pl.DataFrame:
    """dm_ck of the hall: ckbh number (1, 2, … in label order), ckh label, ckmc, window_id."""
    windows = network.reference["windows"].filter(pl.col("hall_id") == hall_id).sort("label")
    return windows.select(
        (pl.int_range(pl.len()) + 1).cast(pl.Int64).alias("ckbh"),
        pl.col("label").alias("ckh"),
        (pl.col("label") + "号窗口").alias("ckmc"),
        pl.lit(1).alias("yxbz"),
        "window_id",
    )


class VendorWriter:
    """One demo hall's queue system: today's tickets, calls and ratings as they happen."""

    def __init__(self, engine: Engine, hall_id: str = "H01", seed: int = 7):
        self.engine = engine
        self.hall_id = hall_id
        self.network = build_network(seed)
        halls = {h.spec.hall_id: h for h in self.network.halls}
        if hall_id not in halls:
            raise VendorRefused(
                f"no hall {hall_id!r} in the demo network (halls: {', '.join(sorted(halls))})"
            )
        self.hall = halls[hall_id]
        hall_row = self.network.reference["halls"].filter(pl.col("hall_id") == hall_id)
        self.timezone = hall_row["timezone"][0]
        self.queues = queue_codes(self.network, hall_id)
        self.windows = window_codes(self.network, hall_id)
        self._ywlx = dict(zip(self.queues["queue_id"], self.queues["ywlx"], strict=True))
        self._ckbh = dict(zip(self.windows["window_id"], self.windows["ckbh"], strict=True))
        self.day: dt.date | None = None
        self.facts: DayFacts | None = None
        self.written: DayFacts | None = None  # the hall's facts as the vendor rows hold them

    # -- the schema and its dictionaries ----------------------------------------------------
    def create(self) -> None:
        """Create the vendor tables (when missing) and write the hall's dictionaries."""
        vendor_meta.create_all(self.engine, tables=list(VENDOR_TABLES), checkfirst=True)
        with self.engine.begin() as conn:
            for table, frame in (
                (dm_ywlx, self.queues.drop("queue_id")),
                (dm_ck, self.windows.drop("window_id")),
            ):
                conn.execute(table.delete())
                conn.execute(table.insert(), frame.to_dicts())

    # -- the simulated day --------------------------------------------------------------------
    def simulate(self, day: dt.date) -> DayFacts:
        """The hall's uncut facts of `day`, as `hall demo` makes them."""
        sim = HallDaySimulator(self.network, DemoCalendar(day, day))
        return sim.run(self.hall, day)

    def state_at(self, now: dt.datetime) -> DayFacts:
        """The hall's facts of `now`'s day as they stand at `now` (simulating the day first)."""
        if self.day != now.date():
            self.day = now.date()
            self.facts = self.simulate(self.day)
            self.written = None
        return cut_at(self.facts, now)

    # -- one write ----------------------------------------------------------------------------
    def step(self, now: dt.datetime) -> VendorStep:
        """Write what changed up to `now` in one transaction."""
        current = self.state_at(now)
        tickets = current.tickets.select(
            *STATE_COLUMNS, "ticket_no", "queue_id", "issued_at", "source", "appointment_start"
        )
        ratings = self._ratings(current)
        result = VendorStep(clock=now)
        with self.engine.begin() as conn:
            if self.written is None:
                self._clear_day(conn, now.date())
                new = tickets
                changed = tickets.select(STATE_COLUMNS).clear()
                changed = changed.with_columns(called_before=pl.col("called_at"))
                new_ratings = ratings
            else:
                before = self.written.tickets.select(STATE_COLUMNS)
                new = tickets.join(before, on="ticket_id", how="anti")
                state = tickets.select(STATE_COLUMNS)
                changed = state.join(
                    before, on=list(STATE_COLUMNS), how="anti", nulls_equal=True
                ).join(new, on="ticket_id", how="anti")
                changed = changed.join(
                    before.select(
                        "ticket_id",
                        pl.col("called_at").alias("called_before"),
                    ),
                    on="ticket_id",
                )
                new_ratings = ratings.join(self._ratings(self.written), on="pjid", how="anti")
            result.rows["qh_record"] = self._insert_tickets(conn, new, now)
            result.rows["qh_record_updated"] = self._update_tickets(conn, changed, now)
            calls, closed = self._calls(conn, new, changed)
            result.rows["jh_log"] = calls
            result.rows["jh_log_closed"] = closed
            if new_ratings.height:
                conn.execute(
                    pj_record.insert(), new_ratings.with_columns(update_time=pl.lit(now)).to_dicts()
                )
            result.rows["pj_record"] = new_ratings.height
        result.committed = time.time()
        result.changes = pl.concat(
            [new.select("ticket_id", "status"), changed.select("ticket_id", "status")]
        )
        self.written = current
        return result

    def _clear_day(self, conn: Connection, day: dt.date) -> None:
        prefix = f"{self.hall_id}-{day:%Y%m%d}-%"
        conn.execute(jh_log.delete().where(jh_log.c.lsh.like(prefix)))
        conn.execute(pj_record.delete().where(pj_record.c.lsh.like(prefix)))
        conn.execute(qh_record.delete().where(qh_record.c.lsh.like(prefix)))

    def _insert_tickets(self, conn: Connection, new: pl.DataFrame, now: dt.datetime) -> int:
        if not new.height:
            return 0
        rows = new.select(
            pl.col("ticket_id").alias("lsh"),
            pl.col("ticket_no").alias("pdh"),
            pl.col("queue_id").replace_strict(self._ywlx).alias("ywlx"),
            pl.col("issued_at").alias("qhsj"),
            pl.col("source").replace_strict(SOURCE_QHFS).alias("qhfs"),
            pl.col("appointment_start").alias("yysj"),
            pl.col("status").replace_strict(STATUS_ZT).alias("zt"),
            pl.col("issued_at").alias("create_time"),
            pl.lit(now).alias("update_time"),
        )
        conn.execute(qh_record.insert(), rows.to_dicts())
        return rows.height

    def _update_tickets(self, conn: Connection, changed: pl.DataFrame, now: dt.datetime) -> int:
        if not changed.height:
            return 0
        stmt = (
            qh_record.update()
            .where(qh_record.c.lsh == sa.bindparam("b_lsh"))
            .values(zt=sa.bindparam("b_zt"), update_time=sa.bindparam("b_update_time"))
        )
        rows = changed.select(
            pl.col("ticket_id").alias("b_lsh"),
            pl.col("status").replace_strict(STATUS_ZT).alias("b_zt"),
            pl.lit(now).alias("b_update_time"),
        )
        conn.execute(stmt, rows.to_dicts())
        return rows.height

    def _calls(self, conn: Connection, new: pl.DataFrame, changed: pl.DataFrame) -> tuple[int, int]:
        """Append a call-log row per new call; close (jssj) the calls of finished tickets."""
        called_now = pl.col("called_at").is_not_null()
        opened = pl.concat(
            [
                new.filter(called_now).select(STATE_COLUMNS),
                changed.filter(called_now & pl.col("called_before").is_null()).select(
                    STATE_COLUMNS
                ),
            ]
        )
        if opened.height:
            rows = opened.select(
                pl.col("ticket_id").alias("lsh"),
                pl.col("window_id").replace_strict(self._ckbh).alias("ckbh"),
                pl.col("staff_id").alias("gh"),
                pl.col("called_at").alias("jhsj"),
                pl.when(pl.col("status").is_in(STARTED)).then(pl.col("called_at")).alias("kssj"),
                pl.col("finished_at").alias("jssj"),
            )
            conn.execute(jh_log.insert(), rows.to_dicts())
        closing = changed.filter(
            pl.col("called_before").is_not_null() & pl.col("finished_at").is_not_null()
        )
        if closing.height:
            stmt = (
                jh_log.update()
                .where(jh_log.c.lsh == sa.bindparam("b_lsh"), jh_log.c.jssj.is_(None))
                .values(jssj=sa.bindparam("b_jssj"))
            )
            conn.execute(
                stmt,
                closing.select(
                    pl.col("ticket_id").alias("b_lsh"), pl.col("finished_at").alias("b_jssj")
                ).to_dicts(),
            )
        return opened.height, closing.height

    def _ratings(self, facts: DayFacts) -> pl.DataFrame:
        """pj_record rows: the ratings given at the windows' devices for the day's tickets."""
        e = facts.evaluations.filter(
            (pl.col("channel") == "device")
            & pl.col("ticket_id").is_not_null()
            & ~pl.col("is_default")
        )
        return e.select(
            pl.col("eval_id").alias("pjid"),
            pl.col("ticket_id").alias("lsh"),
            pl.col("window_id").replace_strict(self._ckbh, default=None).alias("ckbh"),
            pl.col("staff_id").alias("gh"),
            pl.col("rating").alias("pjjg"),
            pl.col("evaluated_at").alias("pjsj"),
        )


def vendor_follow(
    writer: VendorWriter,
    options: FollowOptions,
    log: Callable[[str], None] = lambda _msg: None,
    sleep: Callable[[float], None] = time.sleep,
    on_step: Callable[[VendorStep], None] = lambda _step: None,
) -> FollowSummary:
    """Write the hall's day into the vendor tables step by step (see `follow.step_clock`)."""

    def step(now: dt.datetime) -> dict[str, int]:
        done = writer.step(now)
        on_step(done)
        return done.rows

    return step_clock(step, options, log, sleep)


# -- reading it back as a sync source does ---------------------------------------------------


def query_rows(engine: Engine, query: str) -> tuple[list[str], list[tuple]]:
    """The column names and rows of a source query, as `hall sync run` reads them."""
    with engine.connect() as conn:
        result = conn.execute(sa.text(query))
        return list(result.keys()), [tuple(row) for row in result]


def write_csv(path: Path, headers: list[str], rows: list[tuple]) -> int:
    """Rows as UTF-8 CSV (empty for NULL, date-times to the second): a file `hall import
    --mapping` reads exactly as a sync source's rows."""

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ", timespec="seconds")
        return str(value)

    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(headers)
        out.writerows([text(v) for v in row] for row in rows)
    return len(rows)


# -- the HallPulse side ------------------------------------------------------------------------


def prepare_target(
    engine: Engine,
    today: dt.date,
    days: int,
    seed: int = 7,
    *,
    replace: bool = False,
    log: Callable[[str], None] = lambda _msg: None,
) -> DemoSummary | None:
    """Give the HallPulse database the demo's reference tables and the `days` before `today`
    (every hall, whole days), so that the feed's tickets of today find their halls, queues,
    windows and staff and the screen has its history. A database that already holds facts is
    left as it is (None): the feed only adds and updates today's rows of one hall, which are the
    demo's own rows. `replace` drops the database's tables and writes them afresh."""
    if not replace and existing_fact_rows(engine):
        return None
    options = DemoOptions(end=today - DAY, days=days, seed=seed)
    return write_demo(engine, options, replace=replace, log=log)


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "vendor"


def example_config(
    folder: Path,
    vendor_url: str,
    hall_id: str = "H01",
    *,
    interval_s: float | None = None,
    lookback_min: float | None = None,
    suffix: str = "",
) -> Path:
    """examples/vendor/'s sync config and mappings, written into `folder` for another vendor
    URL and hall (and, when given, another interval, look-back and source names + suffix)."""
    config = tomllib.loads((EXAMPLE / "hallpulse.toml").read_text(encoding="utf-8"))
    lines = []
    for source in config["sync"]["sources"]:
        mapping = (EXAMPLE / source["mapping"]).read_text(encoding="utf-8")
        mapping = mapping.replace('hall_id = "H01"', f"hall_id = {json.dumps(hall_id)}")
        (folder / source["mapping"]).write_text(mapping, encoding="utf-8")
        source = source | {"name": source["name"] + suffix, "url": vendor_url}
        if interval_s is not None:
            source["interval_s"] = interval_s
        if lookback_min is not None:
            source["lookback_min"] = lookback_min
        lines.append("[[sync.sources]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in source.items()]
        lines.append("")
    path = folder / "hallpulse.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
