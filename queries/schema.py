"""The data contract as SQLAlchemy Core tables (see the data-contract spec).

Dialect-free: the same definitions create the schema on SQLite, PostgreSQL and MariaDB/MySQL.
- Ids are strings; timestamps are hall-local wall-clock `DATETIME` without offset, to the second.
- References to reference tables are foreign keys. Links between fact tables (a ticket's case,
  an evaluation's ticket or case) are soft: plain indexed columns, because facts arrive from
  different systems at different times.
- Indexes serve the queries that run: by hall and time range, by window/staff and time range.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    event,
)

metadata = MetaData()

# Ids compare exactly: MariaDB's default collation would make `T1` and `t1` one key. The
# generic type with a collation renders as MySQL's own VARCHAR(64) COLLATE utf8mb4_bin, without
# importing the MySQL dialect (and its drivers' modules) into every process that reads SQLite.
ID = String(64).with_variant(String(64, collation="utf8mb4_bin"), "mysql", "mariadb")
LABEL = String(200)
CODE = String(32)


# --- reference tables -----------------------------------------------------------------------

halls = Table(
    "halls",
    metadata,
    Column("hall_id", ID, primary_key=True),
    Column("name", LABEL, nullable=False),
    Column("level", CODE),  # district / street / community
    # a parent may arrive in the same file after its child: validated by import, not an FK
    Column("parent_hall_id", ID),
    Column("timezone", String(64)),
)

departments = Table(
    "departments",
    metadata,
    Column("dept_id", ID, primary_key=True),
    Column("name", LABEL, nullable=False),
)

windows = Table(
    "windows",
    metadata,
    Column("window_id", ID, primary_key=True),
    Column("hall_id", ID, ForeignKey("halls.hall_id"), nullable=False),
    Column("label", String(32), nullable=False),
    Column("kind", CODE),  # comprehensive / dedicated / consultation / self_service
    Column("dept_id", ID, ForeignKey("departments.dept_id")),
    Index("ix_windows_hall", "hall_id"),
)

staff = Table(
    "staff",
    metadata,
    Column("staff_id", ID, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("hall_id", ID, ForeignKey("halls.hall_id")),
    Column("dept_id", ID, ForeignKey("departments.dept_id")),
    Column("role", CODE),  # front / back / guide
    Index("ix_staff_hall", "hall_id"),
)

items = Table(
    "items",
    metadata,
    Column("item_id", ID, primary_key=True),
    Column("name", LABEL, nullable=False),
    Column("dept_id", ID, ForeignKey("departments.dept_id")),
    Column("theme", String(64)),
    Column("kind", CODE, nullable=False),  # instant / promised
    Column("promised_workdays", Integer, nullable=False),
    Column("legal_workdays", Integer),
)

queues = Table(
    "queues",
    metadata,
    Column("queue_id", ID, primary_key=True),
    Column("hall_id", ID, ForeignKey("halls.hall_id"), nullable=False),
    Column("name", LABEL, nullable=False),
    Column("prefix", String(8)),
    Column("dept_id", ID, ForeignKey("departments.dept_id")),
    Index("ix_queues_hall", "hall_id"),
)

# No primary key: a hall's timetable changes by season (夏令时/冬令时), so two versions of a slot
# may share hall, weekday and start and differ only in valid_from, which may be empty. A hall's
# timetable is replaced as a whole on import, and overlapping slots are rejected there.
service_hours = Table(
    "service_hours",
    metadata,
    Column("hall_id", ID, ForeignKey("halls.hall_id"), nullable=False),
    Column("weekday", Integer, nullable=False),  # 1 = Monday … 7 = Sunday
    Column("start", Time, nullable=False),
    Column("end", Time, nullable=False),
    Column("kind", CODE, nullable=False),  # regular / extended
    Column("valid_from", Date),
    Column("valid_to", Date),
    Index("ix_service_hours_hall", "hall_id", "weekday"),
)

calendar = Table(
    "calendar",
    metadata,
    Column("date", Date, primary_key=True),
    Column("is_workday", Boolean, nullable=False),
    Column("name", String(100)),
)

# 一件事一次办 (issue 17): the packages several items of one applicant are filed under
bundles = Table(
    "bundles",
    metadata,
    Column("bundle_id", ID, primary_key=True),
    Column("name", LABEL, nullable=False),
    Column("dept_id", ID, ForeignKey("departments.dept_id")),  # the lead department
)

# --- fact tables ----------------------------------------------------------------------------

tickets = Table(
    "tickets",
    metadata,
    Column("ticket_id", ID, primary_key=True),
    Column("hall_id", ID, ForeignKey("halls.hall_id"), nullable=False),
    Column("queue_id", ID, ForeignKey("queues.queue_id"), nullable=False),
    Column("ticket_no", String(16)),
    Column("issued_at", DateTime, nullable=False),
    Column("called_at", DateTime),
    Column("finished_at", DateTime),
    Column("window_id", ID, ForeignKey("windows.window_id")),
    Column("staff_id", ID, ForeignKey("staff.staff_id")),
    Column("status", CODE, nullable=False),
    Column("source", CODE, nullable=False),
    Column("appointment_start", DateTime),
    Column("case_id", ID),  # soft link
    Index("ix_tickets_hall_issued", "hall_id", "issued_at"),
    Index("ix_tickets_queue_issued", "queue_id", "issued_at"),
    Index("ix_tickets_window_issued", "window_id", "issued_at"),
    Index("ix_tickets_staff_issued", "staff_id", "issued_at"),
    Index("ix_tickets_case", "case_id"),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", ID, primary_key=True),
    Column("hall_id", ID, ForeignKey("halls.hall_id"), nullable=False),
    Column("item_id", ID, ForeignKey("items.item_id"), nullable=False),
    Column("window_id", ID, ForeignKey("windows.window_id")),
    Column("staff_id", ID, ForeignKey("staff.staff_id")),
    Column("channel", CODE, nullable=False),
    Column("applicant_kind", CODE),
    Column("accepted_at", DateTime, nullable=False),
    Column("due_at", DateTime),
    Column("completed_at", DateTime),
    Column("status", CODE, nullable=False),
    Column("visits", Integer),
    Column("tolerance", Boolean),
    Column("suspended_workdays", Integer),
    # soft link back to the ticket of the visit that opened the case (named in the contract's
    # conventions, missing from its column list)
    Column("ticket_id", ID),
    # 一件事一次办: the package and the one application grouping the cases filed together
    Column("bundle_id", ID, ForeignKey("bundles.bundle_id")),
    Column("application_id", ID),
    Index("ix_cases_hall_accepted", "hall_id", "accepted_at"),
    # accepted_at too: the stock open at a past moment (completed after it, accepted before)
    # is found among the later completions on the index alone, reading only the open cases
    Index("ix_cases_hall_completed_accepted", "hall_id", "completed_at", "accepted_at"),
    Index("ix_cases_hall_status", "hall_id", "status"),
    Index("ix_cases_item", "item_id"),
    Index("ix_cases_window_accepted", "window_id", "accepted_at"),
    Index("ix_cases_ticket", "ticket_id"),
    Index("ix_cases_application", "application_id"),
)


BAD_RATING = 2  # a bad review (差评): rated 2 or less on the 1–5 scale (metrics.md)
# a case still open whatever the moment (a completed one is open until its completed_at)
OPEN_CASE_STATUSES = ("in_progress", "suspended")


@dataclass(frozen=True)
class DialectIndex:
    """An index some dialects have and the others do without, written as the CREATE INDEX
    they understand rather than as an `Index` with `postgresql_where=` / `postgresql_using=`:
    those keywords make SQLAlchemy import the PostgreSQL dialect into every process that
    loads the schema, SQLite's included. Partial (`where`: the rows that satisfy it only) on
    PostgreSQL and SQLite (MariaDB has no partial index), or a block-range index (`using`
    "brin", PostgreSQL's alone)."""

    name: str
    table: str
    columns: tuple[str, ...]
    where: str | None = None
    using: str | None = None
    dialects: tuple[str, ...] = ("postgresql", "sqlite")

    def ddl(self, on: str | None = None, name: str | None = None) -> str:
        """CREATE INDEX for the table (or one of its partitions, `on`, under `name`)."""
        columns = ", ".join(self.columns)
        index, table = name or self.name, on or self.table
        using = f" USING {self.using}" if self.using else ""
        where = f" WHERE {self.where}" if self.where else ""
        return f"CREATE INDEX {index} ON {table}{using} ({columns}){where}"


DIALECT_INDEXES: tuple[DialectIndex, ...] = (
    # 一件事's cases (a few percent) completed or accepted in a period: the packages' figures
    # of a month at city level read them here instead of scanning every case of 150 halls
    # (1.6 s and 0.8 s on the 18.7 M cases of the two-year city). Partial, so writes of the
    # other cases never touch them.
    DialectIndex("ix_cases_package_completed", "cases", ("completed_at",), "bundle_id IS NOT NULL"),
    DialectIndex("ix_cases_package_accepted", "cases", ("accepted_at",), "bundle_id IS NOT NULL"),
    # the open stock (in progress or suspended: a few percent of the cases) with every column
    # its figures group, filter and judge by: read on the index alone, hall by hall, instead
    # of a scan of every case ever accepted (the city's 67 k open among 2.3 M: 0.40 s -> 0.06 s)
    DialectIndex(
        "ix_cases_open",
        "cases",
        (
            "hall_id",
            "accepted_at",
            "item_id",
            "due_at",
            "suspended_workdays",
            "completed_at",
            "window_id",
            "staff_id",
            "channel",
            "bundle_id",
        ),
        "status IN ({})".format(", ".join(f"'{status}'" for status in OPEN_CASE_STATUSES)),
        dialects=("postgresql",),  # SQLite's pick, (hall, status), finds the same rows
    ),
    # the bad reviews (rating ≤ 2, a few per thousand) with what their figure and list read
    # by: a period's are found among themselves instead of among every evaluation of the
    # period (the 7-hall year's 2,833 of 530 k: 0.14 s -> 0.03 s on SQLite)
    DialectIndex(
        "ix_evaluations_bad",
        "evaluations",
        (
            "hall_id",
            "evaluated_at",
            "eval_id",
            "revisited_at",
            "rectified_at",
            "is_default",
            "window_id",
            "staff_id",
            "item_id",
            "rating",
        ),
        f"rating <= {BAD_RATING}",
    ),
    # cases marked completed without a completion time (a data error the import now refuses,
    # kept in older data): the open stock's third branch finds them here at any scale
    # instead of scanning every case of the city (0.7 s on 18.7 M cases); empty when clean
    DialectIndex(
        "ix_cases_completed_untimed",
        "cases",
        ("hall_id",),
        "status = 'completed' AND completed_at IS NULL",
    ),
    # the facts' times in block ranges (PostgreSQL): rows are written roughly in time order,
    # so a day's rows sit in a few ranges of pages. Today's figures of a whole city (the
    # days not rolled yet, and the months before a hall's first data) are read through them
    # instead of scanning every ticket, case and evaluation; a few pages each, and writes
    # barely touch them. The indexes that lead with the hall serve one hall's reads.
    *(
        DialectIndex(
            f"ix_{table}_{column}_brin", table, (column,), using="brin", dialects=("postgresql",)
        )
        for table, column in (
            ("tickets", "issued_at"),
            ("cases", "accepted_at"),
            ("evaluations", "evaluated_at"),
        )
    ),
    # the completed cases by completion time (PostgreSQL): today's completions of a whole city
    # or street, which no rollup holds yet, are found among them instead of through block
    # ranges. Cases are written when accepted, so a day's completions are scattered: the
    # ranges held 185 k candidates, rechecked row by row, for the city's 34.5 k of a day
    # (0.12 s -> 0.05 s; 办件时效's 365 days cold 2.4 -> 1.6 s). Partial: `completed_at IS
    # NULL` (the open stock's branches) is never read through it, and one hall's reads keep
    # (hall_id, completed_at, accepted_at).
    DialectIndex(
        "ix_cases_completed",
        "cases",
        ("completed_at",),
        "completed_at IS NOT NULL",
        dialects=("postgresql",),
    ),
    # the waits' histograms per day of a whole city or street (总览's daily 90th percentile of
    # a year): read in (kind, day, bucket) order on the index alone and summed over the halls
    # as it goes, instead of sorting every hall's buckets of the period (the city's year,
    # 775 k rows: 0.63 s -> 0.15-0.2 s). One hall's reads keep the (day, hall) index.
    DialectIndex(
        "ix_rollup_histograms_kind_day",
        "hallpulse_rollup_histograms",
        ("kind", "day", "bucket", "hall_id", "n", "sum_s"),
        dialects=("postgresql",),
    ),
)


evaluations = Table(
    "evaluations",
    metadata,
    Column("eval_id", ID, primary_key=True),
    Column("hall_id", ID, ForeignKey("halls.hall_id"), nullable=False),
    Column("evaluated_at", DateTime, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("channel", CODE, nullable=False),
    Column("is_default", Boolean),
    Column("ticket_id", ID),  # soft link
    Column("case_id", ID),  # soft link
    Column("window_id", ID, ForeignKey("windows.window_id")),
    Column("staff_id", ID, ForeignKey("staff.staff_id")),
    Column("item_id", ID, ForeignKey("items.item_id")),
    Column("comment", Text),
    Column("revisited_at", DateTime),
    Column("rectified_at", DateTime),
    Column("rectification_note", Text),
    # rating too: a period's bad reviews (rating ≤ 2, a few per thousand) are picked on the
    # index alone, reading only their rows
    Index("ix_evaluations_hall_evaluated_rating", "hall_id", "evaluated_at", "rating"),
    Index("ix_evaluations_window_evaluated", "window_id", "evaluated_at"),
    Index("ix_evaluations_staff_evaluated", "staff_id", "evaluated_at"),
    Index("ix_evaluations_ticket", "ticket_id"),
    Index("ix_evaluations_case", "case_id"),
)

attendance = Table(
    "attendance",
    metadata,
    Column("staff_id", ID, ForeignKey("staff.staff_id"), primary_key=True),
    Column("hall_id", ID, ForeignKey("halls.hall_id"), nullable=False),
    Column("work_date", Date, primary_key=True),
    Column("shift_kind", CODE, primary_key=True),  # regular / extended / weekend
    Column("scheduled_start", DateTime),
    Column("scheduled_end", DateTime),
    Column("clock_in", DateTime),
    Column("clock_out", DateTime),
    Column("window_id", ID, ForeignKey("windows.window_id")),
    Column("leave", CODE),  # annual / sick / personal / training / other
    Index("ix_attendance_hall_date", "hall_id", "work_date"),
)

# --- HallPulse's own bookkeeping (not part of the data contract) -----------------------------

meta = Table(
    "hallpulse_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text),
)

# Alerts (预警推送, see alerts/): one row per episode of a rule's condition (open until the
# condition clears; the next episode of the same key opens it again), and one row per message
# sent, failed or held back by a channel's rate limit. Times are bookkeeping times on the
# network's clock (hall-local for a single-zone network).
# keys compare exactly, as ids do (MariaDB's default collation would make Q1 and q1 one key)
EPISODE_KEY = String(255).with_variant(String(255, collation="utf8mb4_bin"), "mysql", "mariadb")
alert_episodes = Table(
    "hallpulse_alert_episodes",
    metadata,
    Column("episode_key", EPISODE_KEY, primary_key=True),  # e.g. queue_wait:H01:Q03
    Column("rule", String(64), nullable=False),
    Column("hall_id", ID),  # null for a network-wide condition (a sync source)
    Column("status", CODE, nullable=False),  # open / cleared
    Column("opened_at", DateTime, nullable=False),
    Column("cleared_at", DateTime),
)
alerts = Table(
    "hallpulse_alerts",
    metadata,
    Column("alert_id", Integer, primary_key=True, autoincrement=True),
    Column("episode_key", EPISODE_KEY, nullable=False),
    Column("rule", String(64), nullable=False),
    Column("kind", CODE, nullable=False),  # queue_wait, queue_length, window_idle, ...
    Column("hall_id", ID),
    Column("target_kind", CODE),  # queue / window / case / evaluation / source / hall
    Column("target_id", ID),
    Column("value", Double),  # the figure that crossed the threshold
    Column("threshold", Double),
    Column("title", String(500), nullable=False),
    Column("message", Text, nullable=False),
    Column("link", String(1000)),
    Column("channel", String(64), nullable=False),
    Column("status", CODE, nullable=False),  # pending / sent / failed / rate_limited
    Column("error", Text),
    Column("fired_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("cleared_at", DateTime),
    Index("ix_hallpulse_alerts_fired", "fired_at"),
    Index("ix_hallpulse_alerts_channel_fired", "channel", "fired_at"),
    Index("ix_hallpulse_alerts_episode", "episode_key"),
)
ALERT_TABLES: tuple[Table, ...] = (alert_episodes, alerts)

# Feeds (`hall sync`): one row per declared source — its watermark (text, with its type), when
# it last ran and succeeded, rows taken, the newest source time taken, the last error and the
# back-off. Written in the same transaction as the rows a round takes.
sync_state = Table(
    "hallpulse_sync_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("watermark", String(64)),
    Column("watermark_type", String(16)),  # datetime | date | int | decimal | text
    Column("last_run_at", DateTime),
    Column("last_success_at", DateTime),
    Column("rows_last", BigInteger),
    Column("rows_total", BigInteger),
    Column("rejected_last", BigInteger),
    Column("rejected_total", BigInteger),
    Column("newest_source_at", DateTime),
    Column("last_error", Text),
    Column("last_error_at", DateTime),
    Column("failures", Integer),  # consecutive failed rounds
    Column("next_try_at", DateTime),
)

# Files a folder feed has taken, by content hash: a file dropped again is not imported twice.
sync_files = Table(
    "hallpulse_sync_files",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("file_name", String(255), nullable=False),
    Column("status", String(16), nullable=False),  # done | rejected
    Column("rows_imported", BigInteger),
    Column("rows_rejected", BigInteger),
    Column("taken_at", DateTime),
)

# The daily model each forecast series chose by its own rolling-origin backtest
# (forecasting.select), kept so that the next forecast from the same history skips the
# backtest. Not in ALL_TABLES: forecasting.service creates it when it first stores a choice.
forecast_choices = Table(
    "hallpulse_forecast_choices",
    metadata,
    Column("hall_id", ID, primary_key=True),
    Column("series", ID, primary_key=True),  # the queue's id, or "*" for the whole hall
    Column("history_last", Date, primary_key=True),
    Column("fingerprint", String(64), primary_key=True),  # version, history size and sum
    Column("choice", Text, nullable=False),  # JSON of forecasting.select.Choice
    Column("created_at", DateTime, nullable=False),
)

# Daily rollups: the metric queries' additive partials per hall and day, rebuilt for the days
# a write touches (see queries/rollups.py). `hallpulse_rollup_days` lists the days they hold.
ROLLUP_ID = ID
_SUM = BigInteger


def _rollup(name: str, *columns: Column) -> Table:
    return Table(
        f"hallpulse_rollup_{name}",
        metadata,
        Column("day", Date, nullable=False),
        Column("hall_id", ROLLUP_ID, nullable=False),
        *columns,
        Index(f"ix_rollup_{name}_day", "day", "hall_id"),
    )


rollup_days = Table(
    "hallpulse_rollup_days",
    metadata,
    Column("day", Date, primary_key=True),
    Column("built_at", DateTime, nullable=False),
)
rollup_tickets = _rollup(
    "tickets",
    Column("queue", ROLLUP_ID),
    Column("window", ROLLUP_ID),
    Column("staff", ROLLUP_ID),
    Column("department", ROLLUP_ID),
    *[
        Column(c, _SUM, nullable=False)
        for c in (
            "issued",
            "served",
            "no_show",
            "cancelled",
            "appointment",
            "wait_n",
            "wait_sum_s",
            "wait_within",
            "service_n",
            "service_sum_s",
            "called_before_issued",
        )
    ],
    Column("wait_max_s", _SUM),
)
rollup_histograms = _rollup(
    "histograms",
    Column("kind", CODE, nullable=False),
    Column("bucket", _SUM, nullable=False),
    Column("n", _SUM, nullable=False),
    Column("sum_s", _SUM, nullable=False),
)
rollup_hours = _rollup(  # 总览's hour × weekday heatmap (`queries.details.hour_by_day`)
    "hours",
    Column("hour", Integer, nullable=False),
    *[Column(c, _SUM, nullable=False) for c in ("issued", "wait_n", "wait_sum_s")],
)
rollup_segments = _rollup(
    "segments",
    Column("segment", Integer, nullable=False),
    Column("n", _SUM, nullable=False),
)
rollup_after_close = _rollup(  # 延时办: served tickets by segment of call time (issue 17)
    "after_close",
    Column("segment", Integer, nullable=False),
    Column("n", _SUM, nullable=False),
    Column("last_end", DateTime),
)
rollup_coverage = _rollup(
    "coverage",
    Column("queue", ROLLUP_ID),
    Column("window", ROLLUP_ID),
    Column("staff", ROLLUP_ID),
    Column("department", ROLLUP_ID),
    Column("first_eval_day", Date, nullable=False),
    Column("covered", _SUM, nullable=False),
)
rollup_intake = _rollup(
    "intake",
    Column("item", ROLLUP_ID),
    Column("department", ROLLUP_ID),
    Column("bundle", ROLLUP_ID),  # 一件事 package (办件时效's packages table)
    Column("channel", CODE),  # 办件时效's intake by channel
    *[Column(c, _SUM, nullable=False) for c in ("accepted", "online", "instant", "tolerance")],
)
# completed cases judged on the calendar when built (`workdays.deadlines.judge_completion`):
# on time by a due_at or by the working days their item allows, working days used and allowed
# by law for the speed-up
rollup_completion = _rollup(
    "completion",
    Column("department", ROLLUP_ID),
    Column("item", ROLLUP_ID),
    Column("bundle", ROLLUP_ID),
    *[
        Column(c, _SUM, nullable=False)
        for c in (
            "n",
            "on_time_known",
            "one_visit",
            "visits_known",
            "on_time_derived",
            "speed_used",
            "speed_legal",
        )
    ],
)
# the 一件事 applications done, per hall and the day of their last completion, judged on the
# calendar when built (`workdays.deadlines.judge_applications`): a year of a city is 55,000
# rows instead of the packaged cases of every application done in it
rollup_bundles = _rollup(
    "bundles",
    *[Column(c, _SUM, nullable=False) for c in ("done", "on_time", "one_visit", "visits_known")],
)
rollup_evaluations = _rollup(
    "evaluations",
    Column("window", ROLLUP_ID),
    Column("staff", ROLLUP_ID),
    Column("department", ROLLUP_ID),
    *[
        Column(c, _SUM, nullable=False)
        for c in ("count", "default_count", "satisfied", "very", "rating_sum", "bad")
    ],
)
# the called tickets per hall, day they were issued on, day they were called on and the
# quarter-hours of each (the first quarter-hour at or after the time of day, from midnight):
# 考勤与饱和度's people waiting per quarter-hour of a year without a row of tickets
# (`queries.occupancy`)
rollup_waits = _rollup(
    "waits",
    Column("call_day", Date, nullable=False),
    Column("ka", Integer, nullable=False),
    Column("kc", Integer, nullable=False),
    Column("n", _SUM, nullable=False),
)
# the active evaluations per hall, day, channel and rating: 好差评's ratings by channel of a
# year without a row of evaluations (`queries.ratings`)
rollup_ratings = _rollup(
    "ratings",
    Column("channel", CODE, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("n", _SUM, nullable=False),
)
# the links of the closed days that pointed nowhere when the day was rolled, one row each
# (`queries.quality`): the data-quality page of a city counts its dangling links among these
# few, each looked up again by its key (a link heals when the other file is imported),
# instead of joining every evaluation, case and ticket to every ticket and case
rollup_unlinked = _rollup(
    "unlinked",
    Column("finding", String(40), nullable=False),  # a key of queries.links.SOFT_LINKS
    Column("row_id", ID, nullable=False),  # the linking row's key
    Column("target_id", ID, nullable=False),  # what it points to
)
ROLLUP_TABLES: tuple[Table, ...] = (
    rollup_days,
    rollup_tickets,
    rollup_histograms,
    rollup_hours,
    rollup_segments,
    rollup_after_close,
    rollup_coverage,
    rollup_intake,
    rollup_completion,
    rollup_bundles,
    rollup_evaluations,
    rollup_unlinked,
    rollup_waits,
    rollup_ratings,
)


# Monthly rollups: the daily rows of a whole month summed per hall and members, for the
# rollups whose rows carry no date of their own (coverage keeps its first evaluation's day,
# segments their day: those stay daily).
# A year is then read as 12 rows per group instead of 365. `hallpulse_rollup_months` lists the
# months built; a month is built only once every one of its days is rolled, and is dropped
# with any of its days.
def _monthly(daily: Table) -> Table:
    name = daily.name.removeprefix("hallpulse_rollup_")
    return Table(
        f"{daily.name}_months",
        metadata,
        *(column._copy() for column in daily.c),
        Index(f"ix_rollup_{name}_months_day", "day", "hall_id"),
    )


rollup_months = Table(
    "hallpulse_rollup_months",
    metadata,
    Column("day", Date, primary_key=True),  # the month's first day
    Column("built_at", DateTime, nullable=False),
)
MONTHLY_ROLLUPS: dict[str, Table] = {
    daily.name: _monthly(daily)
    for daily in (
        rollup_tickets,
        rollup_histograms,
        rollup_intake,
        rollup_completion,
        rollup_evaluations,
        rollup_ratings,
    )
}
ROLLUP_MONTH_TABLES: tuple[Table, ...] = (rollup_months, *MONTHLY_ROLLUPS.values())
ROLLUP_TABLES += ROLLUP_MONTH_TABLES

REFERENCE_TABLES: tuple[Table, ...] = (
    halls,
    departments,
    windows,
    staff,
    items,
    queues,
    service_hours,
    calendar,
    bundles,
)
FACT_TABLES: tuple[Table, ...] = (tickets, cases, evaluations, attendance)
ALL_TABLES: tuple[Table, ...] = REFERENCE_TABLES + FACT_TABLES

# Enumerations of the contract: code → (Chinese label, English label).
ENUMS: dict[tuple[str, str], dict[str, tuple[str, str]]] = {
    ("halls", "level"): {
        "district": ("区级中心", "District centre"),
        "street": ("街道中心", "Street centre"),
        "community": ("社区站点", "Community station"),
    },
    ("windows", "kind"): {
        "comprehensive": ("综合窗口", "Comprehensive"),
        "dedicated": ("专窗", "Dedicated"),
        "consultation": ("咨询导办", "Consultation"),
        "self_service": ("自助服务", "Self-service"),
    },
    ("staff", "role"): {
        "front": ("前台受理", "Front desk"),
        "back": ("后台审批", "Back office"),
        "guide": ("导办", "Guide"),
    },
    ("items", "kind"): {
        "instant": ("即办件", "Instant"),
        "promised": ("承诺件", "Promised"),
    },
    ("service_hours", "kind"): {
        "regular": ("常规时段", "Regular"),
        "extended": ("延时服务", "Extended"),
    },
    ("tickets", "status"): {
        "waiting": ("等候中", "Waiting"),
        "called": ("已叫号", "Called"),
        "serving": ("办理中", "Serving"),
        "served": ("已办理", "Served"),
        "no_show": ("过号", "No-show"),
        "cancelled": ("已取消", "Cancelled"),
        "transferred": ("已转办", "Transferred"),
    },
    ("tickets", "source"): {
        "walk_in": ("现场取号", "Walk-in"),
        "appointment": ("预约", "Appointment"),
        "priority": ("绿色通道", "Priority"),
    },
    ("cases", "channel"): {
        "window": ("窗口", "Window"),
        "online": ("网办", "Online"),
        "self_service": ("自助终端", "Self-service"),
        "proxy": ("帮办代办", "Proxy"),
        "mail": ("邮寄", "Mail"),
    },
    ("cases", "applicant_kind"): {
        "person": ("个人", "Person"),
        "enterprise": ("企业", "Enterprise"),
    },
    ("cases", "status"): {
        "in_progress": ("办理中", "In progress"),
        "completed": ("已办结", "Completed"),
        "returned": ("退件", "Returned"),
        "rejected": ("不予受理", "Rejected"),
        "suspended": ("中止", "Suspended"),
        "withdrawn": ("撤回", "Withdrawn"),
    },
    ("evaluations", "channel"): {
        "device": ("窗口评价器", "Window device"),
        "sms": ("短信", "SMS"),
        "qr": ("扫码", "QR code"),
        "app": ("App", "App"),
        "web": ("网站", "Web"),
        "hotline": ("12345 热线", "12345 hotline"),
    },
    ("attendance", "shift_kind"): {
        "regular": ("常规班", "Regular"),
        "extended": ("延时班", "Extended"),
        "weekend": ("周末班", "Weekend"),
    },
    ("attendance", "leave"): {
        "annual": ("年假", "Annual"),
        "sick": ("病假", "Sick"),
        "personal": ("事假", "Personal"),
        "training": ("培训", "Training"),
        "other": ("其他", "Other"),
    },
}

# --- who sees what (access/): local accounts, their grants, the audit trail, kiosk links ------
# Bookkeeping, not in ALL_TABLES: access.tables.ensure creates them when first needed.

users = Table(
    "hallpulse_users",
    metadata,
    Column("login", ID, primary_key=True),
    Column("display_name", LABEL),
    Column("role", CODE, nullable=False),  # admin / director / manager / staff / viewer
    Column("password_hash", String(255)),  # argon2id; empty for a single-sign-on user
    Column("oidc_subject", String(255), unique=True),  # the provider's `sub` once bound
    Column("email", String(255)),  # maps a first single sign-on to this account
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_count", Integer, nullable=False, default=0),
    Column("locked_until", DateTime),
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime),
    Column("password_changed_at", DateTime),
)

# One row per hall a user may see; a department manager's rows also name the department, a
# window staff member's row the staff_id. Halls are checked against `halls` when granted (no FK:
# the bookkeeping tables must not depend on the order of imports).
grants = Table(
    "hallpulse_grants",
    metadata,
    Column("grant_id", Integer, primary_key=True, autoincrement=True),
    Column("login", ID, ForeignKey("hallpulse_users.login"), nullable=False),
    Column("hall_id", ID, nullable=False),
    Column("dept_id", ID),
    Column("staff_id", ID),
    Column("granted_at", DateTime, nullable=False),
    Column("granted_by", String(100)),
    Index("ix_hallpulse_grants_login", "login"),
)

# Append-only: access.audit has no update or delete. `at` is the network's hall-local time.
audit = Table(
    "hallpulse_audit",
    metadata,
    Column(
        "audit_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("at", DateTime, nullable=False),
    Column("who", String(100), nullable=False),
    Column("role", CODE),
    Column("action", CODE, nullable=False),
    Column("target", String(255)),
    Column("scope", Text),
    Column("detail", Text),  # JSON
    Column("client", String(64)),
    Index("ix_hallpulse_audit_at", "at"),
    Index("ix_hallpulse_audit_who_at", "who", "at"),
)

# A big screen's link: only the SHA-256 of its token is stored.
kiosk_links = Table(
    "hallpulse_kiosk_links",
    metadata,
    Column("link_id", Integer, primary_key=True, autoincrement=True),
    Column("hall_id", ID, nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("label", LABEL),
    Column("created_by", String(100)),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime),
    Column("revoked_at", DateTime),
    Column("last_seen_at", DateTime),
)

ACCESS_TABLES: tuple[Table, ...] = (users, grants, audit, kiosk_links)

# the dialect indexes, once every table they are on is defined
for _extra in DIALECT_INDEXES:
    event.listen(
        metadata.tables[_extra.table],
        "after_create",
        DDL(_extra.ddl()).execute_if(dialect=_extra.dialects),
    )
