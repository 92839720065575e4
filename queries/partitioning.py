"""Partitioned and sharded fact tables on PostgreSQL (a city network, past one server).

Three layouts of the same four fact tables (tickets, cases, evaluations, attendance):

- ``plain``: the contract's tables as `metadata.create_all` makes them (every dialect).
- ``month``: declarative partitioning by month of each table's time column (``issued_at``,
  ``accepted_at``, ``evaluated_at``, ``work_date``), one partition a month plus a DEFAULT
  partition that takes any row outside the months created (an import never fails for want of
  a partition; `ensure_months` moves such rows into their month when it is created).
- ``shard``: list partitions by ``hall_id``: the halls named for the second server live in a
  `postgres_fdw` foreign partition (``tickets_s2`` on that server, itself partitioned by month
  there), every other hall in the local DEFAULT partition ``tickets_s1``, partitioned by month.
  Aggregates are pushed to the shard (``enable_partitionwise_aggregate``).

Keys. A partitioned table's primary key must include its partition key, and a sharded table's
must include the distribution column (the hall), as Citus requires too. The key chosen is the
contract's key, then ``hall_id``, then the time column: ``tickets (ticket_id, hall_id,
issued_at)``, ``cases (case_id, hall_id, accepted_at)``, ``evaluations (eval_id, hall_id,
evaluated_at)``, ``attendance (staff_id, work_date, shift_kind, hall_id)``. The contract's id
leads, so the key's index also finds a row by its id alone. Imports keep their semantics:
`upsert` on a partitioned table first deletes a row whose contract id arrives with another hall
or time (a corrected issue time moves the ticket, it does not duplicate it), then updates the
rows whose whole key matches and inserts the rest (no ON CONFLICT, which postgres_fdw's
foreign partitions do not support). In the sharded layout the parent table has no primary key
(PostgreSQL refuses a unique index on a table with foreign partitions): each local partition
and each shard's table enforce the key, and rows of one hall never cross a shard. No fact
table has a foreign key in the sharded layout (no cross-shard constraints); the month layout
keeps the contract's foreign keys to the reference tables.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.schema import CreateIndex, CreateTable

from queries import schema

LAYOUTS = ("plain", "month", "shard")

# table → (partition key, partitioned primary key)
PARTITION_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "tickets": ("issued_at", ("ticket_id", "hall_id", "issued_at")),
    "cases": ("accepted_at", ("case_id", "hall_id", "accepted_at")),
    "evaluations": ("evaluated_at", ("eval_id", "hall_id", "evaluated_at")),
    "attendance": ("work_date", ("staff_id", "work_date", "shift_kind", "hall_id")),
}
SERVER = "hallpulse_shard2"
SHARD_SUFFIX = "_s2"
LOCAL_SUFFIX = "_s1"


class PartitionError(RuntimeError):
    """The layout asked for cannot be made on this database."""


@dataclass(frozen=True)
class ShardSpec:
    """The second server and the halls it holds."""

    url: str  # SQLAlchemy URL of the shard's database (postgresql+psycopg://user@host:port/db)
    halls: tuple[str, ...]


# --- reading the layout -------------------------------------------------------------------------


def layout(conn: Connection) -> str:
    """plain, month or shard: how this database's tickets table is laid out."""
    if conn.dialect.name != "postgresql":
        return "plain"
    row = conn.execute(
        sa.text(
            "SELECT c.relkind, pt.partstrat FROM pg_class c "
            "LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid "
            "WHERE c.oid = to_regclass('tickets')"
        )
    ).first()
    if row is None or row[0] != "p":
        return "plain"
    return "shard" if row[1] == "l" else "month"


_PARTITIONED: dict[tuple[str, str], bool] = {}


def is_partitioned(conn: Connection, table: sa.Table) -> bool:
    """Whether `table` is a partitioned table here (cached per database and table)."""
    if conn.dialect.name != "postgresql" or table.name not in PARTITION_KEYS:
        return False
    key = (conn.engine.url.render_as_string(hide_password=True), table.name)
    if key not in _PARTITIONED:
        kind = conn.execute(
            sa.text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table.name}
        ).scalar()
        _PARTITIONED[key] = kind == "p"
    return _PARTITIONED[key]


_READING: contextvars.ContextVar[bool] = contextvars.ContextVar("partitioned", default=False)


def note_layout(conn: Connection) -> None:
    """Remember, for the metric queries that follow, whether the facts are partitioned."""
    _READING.set(is_partitioned(conn, schema.tickets))


def reading_partitioned() -> bool:
    return _READING.get()


def forget_layout() -> None:
    """Drop the cache of `is_partitioned` (after the schema was dropped or re-created)."""
    _PARTITIONED.clear()


# --- DDL ----------------------------------------------------------------------------------------


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, m = [], dt.date(first.year, first.month, 1)
    while m <= last:
        out.append(m)
        m = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


def _next_month(m: dt.date) -> dt.date:
    return dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def _postgresql():
    """PostgreSQL's dialect, imported only when a partitioned layout is written: the module is
    on every read's path (`note_layout`), where SQLite and MariaDB have no use for it."""
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect()


def _table_ddl(table: sa.Table, name: str, *, keep_pk: bool, keep_fk: bool, by: str) -> str:
    """CREATE TABLE for `table` as `name`, partitioned `by`, with the partitioned key."""
    ddl = str(CreateTable(table).compile(dialect=_postgresql())).strip()
    lines = ddl.splitlines()
    body = []
    for line in lines[1:-1]:
        stripped = line.strip().rstrip(",").strip()
        if stripped.startswith("PRIMARY KEY"):
            if keep_pk:
                body.append(f"\tPRIMARY KEY ({', '.join(PARTITION_KEYS[table.name][1])})")
            continue
        if stripped.startswith("FOREIGN KEY"):
            if keep_fk:
                body.append("\t" + stripped)
            continue
        body.append("\t" + stripped)
    return f"CREATE TABLE {name} (\n" + ",\n".join(body) + f"\n) PARTITION BY {by}"


def _month_name(base: str, month: dt.date) -> str:
    return f"{base}_{month:%Y_%m}"


def _create_months(conn: Connection, base: str, column: str, months: list[dt.date]) -> int:
    """Monthly partitions of `base` (missing ones), moving matching rows out of its default."""
    have = {
        r[0]
        for r in conn.execute(
            sa.text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = to_regclass(:b)"
            ),
            {"b": base},
        )
    }
    made = 0
    for m in months:
        name = _month_name(base, m)
        if name in have:
            continue
        lo, hi = m.isoformat(), _next_month(m).isoformat()
        default = f"{base}_default"
        stray = (
            default in have
            and conn.execute(
                sa.text(
                    f"SELECT 1 FROM {default} WHERE {column} >= :lo AND {column} < :hi LIMIT 1"
                ),
                {"lo": lo, "hi": hi},
            ).first()
        )
        if stray:  # rows that arrived before their month existed: move them in
            conn.execute(sa.text(f"CREATE TABLE {name} (LIKE {base} INCLUDING DEFAULTS)"))
            conn.execute(
                sa.text(
                    f"WITH moved AS (DELETE FROM {default} WHERE {column} >= :lo AND "
                    f"{column} < :hi RETURNING *) INSERT INTO {name} SELECT * FROM moved"
                ),
                {"lo": lo, "hi": hi},
            )
            conn.execute(
                sa.text(
                    f"ALTER TABLE {base} ATTACH PARTITION {name} "
                    f"FOR VALUES FROM ('{lo}') TO ('{hi}')"
                )
            )
        else:
            conn.execute(
                sa.text(
                    f"CREATE TABLE {name} PARTITION OF {base} FOR VALUES FROM ('{lo}') TO ('{hi}')"
                )
            )
        made += 1
    if f"{base}_default" not in have:
        conn.execute(sa.text(f"CREATE TABLE {base}_default PARTITION OF {base} DEFAULT"))
    return made


def _create_indexes(conn: Connection, table: sa.Table, on: str) -> None:
    ddls = []
    for index in table.indexes:
        ddl = str(CreateIndex(index).compile(dialect=_postgresql()))
        ddl = ddl.replace(f" ON {table.name} ", f" ON {on} ", 1)
        if on != table.name:
            ddl = ddl.replace(f"INDEX {index.name} ", f"INDEX {on}_{index.name[3:]} ", 1)
        ddls.append(ddl)
    for extra in schema.DIALECT_INDEXES:
        if extra.table == table.name and "postgresql" in extra.dialects:
            name = extra.name if on == table.name else f"{on}_{extra.name[3:]}"
            ddls.append(extra.ddl(on=on, name=name))
    for ddl in ddls:
        conn.execute(sa.text(ddl.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)))


def _shard_engine(spec: ShardSpec) -> Engine:
    return sa.create_engine(spec.url, pool_pre_ping=True)


def create_layout(
    engine: Engine,
    kind: str,
    first: dt.date,
    last: dt.date,
    shard: ShardSpec | None = None,
) -> None:
    """Create the fact tables partitioned (`month`) or sharded (`shard`), with monthly
    partitions for first..last, then the rest of the contract's tables. The fact tables must
    not exist yet (a plain database is not converted in place: export, re-init, import)."""
    if kind not in ("month", "shard"):
        raise PartitionError(f"unknown layout {kind!r}: use month or shard")
    if engine.dialect.name != "postgresql":
        raise PartitionError("partitioned fact tables need PostgreSQL")
    if kind == "shard" and (shard is None or not shard.halls):
        raise PartitionError("a sharded layout needs the second server's URL and its halls")
    names = set(sa.inspect(engine).get_table_names())
    existing = [t.name for t in schema.FACT_TABLES if t.name in names]
    if existing:
        with engine.connect() as conn:
            current = layout(conn)
        if current == kind:
            ensure_months(engine, first, last, shard)
            return
        raise PartitionError(
            f"the fact tables ({', '.join(existing)}) already exist as a {current} layout; "
            "drop them first (hall demo --replace, or a new database)"
        )
    months = _months(first, last)
    # reference tables first: the month layout's foreign keys point at them
    schema.metadata.create_all(engine, tables=list(schema.REFERENCE_TABLES))
    if kind == "shard":
        assert shard is not None
        _create_shard_tables(shard, months)
    with engine.begin() as conn:
        if kind == "shard":
            _create_server(conn, shard)
        for table in schema.FACT_TABLES:
            column, _pk = PARTITION_KEYS[table.name]
            if kind == "month":
                ddl = _table_ddl(
                    table, table.name, keep_pk=True, keep_fk=True, by=f"RANGE ({column})"
                )
                conn.execute(sa.text(ddl))
                _create_months(conn, table.name, column, months)
                _create_indexes(conn, table, table.name)
                continue
            assert shard is not None
            conn.execute(
                sa.text(
                    _table_ddl(table, table.name, keep_pk=False, keep_fk=False, by="LIST (hall_id)")
                )
            )
            local = table.name + LOCAL_SUFFIX
            conn.execute(
                sa.text(
                    f"CREATE TABLE {local} PARTITION OF {table.name} "
                    f"(PRIMARY KEY ({', '.join(PARTITION_KEYS[table.name][1])})) "
                    f"DEFAULT PARTITION BY RANGE ({column})"
                )
            )
            _create_months(conn, local, column, months)
            remote = table.name + SHARD_SUFFIX
            halls = ", ".join("'" + h.replace("'", "''") + "'" for h in shard.halls)
            conn.execute(
                sa.text(
                    f"CREATE FOREIGN TABLE {remote} PARTITION OF {table.name} "
                    f"FOR VALUES IN ({halls}) SERVER {SERVER} OPTIONS (table_name '{remote}')"
                )
            )
            _create_indexes(conn, table, table.name)  # skips the foreign partition
    schema.metadata.create_all(engine)
    with engine.begin() as conn:  # new sessions aggregate partition by partition
        for setting in ("enable_partitionwise_aggregate", "enable_partitionwise_join"):
            conn.execute(
                sa.text(
                    "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET "
                    f"{setting} = on', current_database()); END $$"
                )
            )
    forget_layout()


def _create_shard_tables(shard: ShardSpec, months: list[dt.date]) -> None:
    """The shard's own tables: `tickets_s2` … partitioned by month, keyed, no foreign keys."""
    remote = _shard_engine(shard)
    try:
        with remote.begin() as conn:
            for table in schema.FACT_TABLES:
                column, _pk = PARTITION_KEYS[table.name]
                name = table.name + SHARD_SUFFIX
                if not conn.execute(sa.text("SELECT to_regclass(:n)"), {"n": name}).scalar():
                    ddl = _table_ddl(
                        table, name, keep_pk=True, keep_fk=False, by=f"RANGE ({column})"
                    )
                    conn.execute(sa.text(ddl))
                _create_months(conn, name, column, months)
                _create_indexes(conn, table, name)
    finally:
        remote.dispose()


def _create_server(conn: Connection, shard: ShardSpec) -> None:
    url = make_url(shard.url)
    conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgres_fdw"))
    conn.execute(sa.text(f"DROP SERVER IF EXISTS {SERVER} CASCADE"))
    opts = {
        "host": url.host or "127.0.0.1",
        "port": str(url.port or 5432),
        "dbname": url.database or "postgres",
        "fetch_size": "50000",
        "async_capable": "true",  # the shards of an Append are scanned concurrently
        "use_remote_estimate": "false",
    }
    rendered = ", ".join(f"{k} '{v}'" for k, v in opts.items())
    conn.execute(
        sa.text(f"CREATE SERVER {SERVER} FOREIGN DATA WRAPPER postgres_fdw OPTIONS ({rendered})")
    )
    user = {"user": url.username or "postgres"}
    if url.password:
        user["password"] = url.password
    rendered = ", ".join(f"{k} '{v}'" for k, v in user.items())
    conn.execute(
        sa.text(f"CREATE USER MAPPING FOR CURRENT_USER SERVER {SERVER} OPTIONS ({rendered})")
    )


def shard_url(conn: Connection) -> str | None:
    """The shard's database as a URL (from the foreign server's options), or None."""
    row = conn.execute(
        sa.text(
            "SELECT s.srvoptions, um.umoptions FROM pg_foreign_server s "
            "LEFT JOIN pg_user_mappings um ON um.srvid = s.oid AND um.usename = current_user "
            "WHERE s.srvname = :n"
        ),
        {"n": SERVER},
    ).first()
    if row is None:
        return None
    opts = dict(o.split("=", 1) for o in (row[0] or []))
    user = dict(o.split("=", 1) for o in (row[1] or []))
    return sa.engine.URL.create(
        "postgresql+psycopg",
        username=user.get("user"),
        password=user.get("password"),
        host=opts.get("host"),
        port=int(opts.get("port", 5432)),
        database=opts.get("dbname"),
    ).render_as_string(hide_password=False)


def ensure_months(
    engine: Engine, first: dt.date, last: dt.date, shard: ShardSpec | None = None
) -> int:
    """Monthly partitions for first..last wherever the layout has them; returns how many were
    made. A no-op on a plain layout."""
    months = _months(first, last)
    made = 0
    with engine.begin() as conn:
        kind = layout(conn)
        if kind == "plain":
            return 0
        for table in schema.FACT_TABLES:
            column, _pk = PARTITION_KEYS[table.name]
            base = table.name if kind == "month" else table.name + LOCAL_SUFFIX
            made += _create_months(conn, base, column, months)
        url = shard_url(conn) if kind == "shard" else None
    if url:
        remote = sa.create_engine(url)
        try:
            with remote.begin() as conn:
                for table in schema.FACT_TABLES:
                    column, _pk = PARTITION_KEYS[table.name]
                    made += _create_months(conn, table.name + SHARD_SUFFIX, column, months)
        finally:
            remote.dispose()
    return made


def vacuum_analyze(engine: Engine, tables: Iterable[str] | None = None) -> None:
    """VACUUM (ANALYZE) the fact tables and the rollups (or those of `tables`) here and on the
    shard, after a bulk load (PostgreSQL).

    ANALYZE: the planner pushes an aggregate down to the shard only when it knows roughly how
    many rows it would otherwise fetch. VACUUM: until it has set a page's bit in the visibility
    map, an index-only scan reads the row from the table as well, so figures read just after a
    load run at half speed or worse until autovacuum comes by (the 150-hall city's month: 5.7 s
    warm after `hall demo --network city`, 2.7 s vacuumed). Outside a transaction, as VACUUM
    must run; a foreign partition is left to its own server."""
    wanted = None if tables is None else set(tables)
    names = [t.name for t in schema.FACT_TABLES if wanted is None or t.name in wanted]
    # the rollups a load rebuilt: read on their indexes alone too (总览's daily histograms)
    rolled = [t.name for t in schema.ROLLUP_TABLES if wanted is None or t.name in wanted]
    if not names and not rolled:
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        url = shard_url(conn) if layout(conn) == "shard" else None
        if url and names:  # this server's partitions; the parents with the foreign ones' stats
            local = [n + LOCAL_SUFFIX for n in names]
            conn.execute(sa.text(f"VACUUM (ANALYZE) {', '.join(local + rolled)}"))
            conn.execute(sa.text(f"ANALYZE {', '.join(names)}"))
        else:
            conn.execute(sa.text(f"VACUUM (ANALYZE) {', '.join(names + rolled)}"))
    if url and names:
        remote = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with remote.connect() as conn:
                shard = ", ".join(n + SHARD_SUFFIX for n in names)
                conn.execute(sa.text(f"VACUUM (ANALYZE) {shard}"))
        finally:
            remote.dispose()


def clear_facts(engine: Engine) -> bool:
    """Empty every table of a partitioned or sharded database, keeping its layout (the
    shard's rows too: postgres_fdw truncates foreign tables). False on a plain layout, which
    callers drop and re-create instead."""
    with engine.begin() as conn:
        if layout(conn) == "plain":
            return False
        names = set(sa.inspect(conn).get_table_names())
        tables = [
            t.name
            for t in (*schema.FACT_TABLES, *schema.ROLLUP_TABLES, *schema.REFERENCE_TABLES)
            if t.name in names
        ]
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)}"))
        if schema.meta.name in names:
            conn.execute(schema.meta.delete())
    return True


def plan(conn: Connection, sql: str, params: dict | None = None) -> str:
    """EXPLAIN (VERBOSE, COSTS OFF) of a statement with partition-wise aggregation on."""
    conn.execute(sa.text("SET LOCAL enable_partitionwise_aggregate = on"))
    conn.execute(sa.text("SET LOCAL enable_partitionwise_join = on"))
    rows = conn.execute(sa.text(f"EXPLAIN (VERBOSE, COSTS OFF) {sql}"), params or {})
    return "\n".join(r[0] for r in rows)


_IDENT = re.compile(r"^[A-Za-z0-9_\-]+$")


def parse_halls(text: str) -> tuple[str, ...]:
    """`H02,H04` → ('H02', 'H04'), refusing anything but plain ids."""
    halls = tuple(h.strip() for h in text.split(",") if h.strip())
    bad = [h for h in halls if not _IDENT.match(h)]
    if bad:
        raise PartitionError(f"not a hall id: {', '.join(bad)}")
    return halls
