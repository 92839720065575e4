"""Connecting to a hall database, creating the schema, writing frames in bulk.

The URL comes from `--db`, else `HALL_DB_URL`, else the embedded SQLite file `data/hall.db`.
Supported: SQLite, PostgreSQL (`postgresql+psycopg://`) and MariaDB/MySQL (`mysql+pymysql://`).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url

from queries.schema import (
    ALL_TABLES,
    DIALECT_INDEXES,
    calendar,
    meta,
    metadata,
)
from workdays import china_calendar

DEFAULT_URL = "sqlite:///data/hall.db"
URL_ENV = "HALL_DB_URL"
POOL_SIZE = 16  # connections kept per server database, and as many more at a peak
BATCH_ROWS = 20_000
BULK_FILE_ROWS = 200_000  # rows per file a bulk load sends (COPY, LOAD DATA)


def resolve_url(db: str | None = None) -> str:
    """The database URL: the explicit argument, else $HALL_DB_URL, else the embedded default."""
    return db or os.environ.get(URL_ENV) or DEFAULT_URL


def redact(url: str | URL) -> str:
    """The URL for messages: the password hidden."""
    return make_url(url).render_as_string(hide_password=True)


# errors of a database that cannot be reached right now (a closed port, a server restarting,
# a locked or unreadable SQLite file) — worth waiting for, unlike the errors of a wrong query
UNREACHABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


def first_line(exc: BaseException) -> str:
    """An error's first line (a DBAPI error's own, not SQLAlchemy's long wrapper)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def wait_for(
    action,
    what: str,
    *,
    log=lambda _msg: None,
    sleep=None,
    first_s: float = 1.0,
    cap_s: float = 60.0,
    stop=None,
):
    """`action()`, retried while the database cannot be reached: waits first_s, 2×, 4× … up
    to cap_s between tries, logging each failure with its wait. Other errors go to the caller;
    with `stop` (a threading.Event) set while waiting, the last error does too."""
    import time

    sleep = sleep or (stop.wait if stop is not None else time.sleep)
    failures = 0
    while True:
        try:
            return action()
        except UNREACHABLE as exc:
            failures += 1
            delay = min(first_s * 2 ** (failures - 1), cap_s)
            log(
                f"{what}: database unreachable ({first_line(exc)}); try {failures + 1} in "
                f"{delay:.0f} s"
            )
            sleep(delay)
            if stop is not None and stop.is_set():
                raise


def make_engine(db: str | None = None) -> Engine:
    """An engine for the resolved URL, configured the same way on every dialect.

    SQLite: the file's folder is created, WAL journal (readers work while the demo feeder
    writes), foreign keys enforced. MySQL/MariaDB: utf8mb4 so Chinese text round-trips.
    PostgreSQL: no JIT compilation of queries.
    """
    url = make_url(resolve_url(db))
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if backend == "mysql" and "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    local_files = backend == "mysql" and url.get_driver_name() == "pymysql"
    # one server process serves every page: thirty sessions opening at once (big screens after
    # a restart, analysts) each hold a connection for their reads. SQLAlchemy's default pool
    # (5 kept + 10 more) made the rest wait and closed the extra ones after each use.
    engine = sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_SIZE,
        connect_args={"local_infile": True} if local_files else {},
    )
    if backend == "postgresql":

        @sa.event.listens_for(engine, "connect")
        def _no_jit(dbapi_conn, _record):  # pragma: no cover - trivial
            # the figures' queries are short aggregates whose estimated cost passes the JIT
            # threshold: compiling them took longer than running them (a city's month 2.9 →
            # 2.5 s with it off). The session's own setting, whatever the server's.
            cur = dbapi_conn.cursor()
            cur.execute("SET jit = off")
            cur.close()
            dbapi_conn.commit()

    if local_files:

        @sa.event.listens_for(engine, "connect")
        def _no_file_requests(dbapi_conn, _record):  # pragma: no cover - trivial
            # the server may ask for LOAD DATA LOCAL, but the client sends a file only while
            # `_load_mysql` loads its own (a server asking at any other time is refused)
            dbapi_conn._local_infile = False

    return engine


def init_schema(engine: Engine) -> list[str]:
    """Create every table of the data contract that does not exist yet (idempotent), and
    upgrade an older database in place (`upgrade_schema`; returns what it added)."""
    metadata.create_all(engine)
    return upgrade_schema(engine)


# Columns added to existing contract tables after their first release: (table, column).
ADDED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("cases", "bundle_id"),  # 一件事一次办 (issue 17)
    ("cases", "application_id"),
)
ADDED_INDEXES: tuple[str, ...] = (
    "ix_cases_application",
    "ix_cases_hall_completed_accepted",
    "ix_evaluations_hall_evaluated_rating",
    # and every one of schema.DIALECT_INDEXES on its dialects
)
# Indexes an older release made that a wider one above now serves (its leading columns):
# (table, old index, the index that replaces it). Dropped once the wider one is there, so an
# upgraded database keeps no index that every write updates and no read needs.
REPLACED_INDEXES: tuple[tuple[str, str, str], ...] = (
    ("cases", "ix_cases_hall_completed", "ix_cases_hall_completed_accepted"),
    ("evaluations", "ix_evaluations_hall_evaluated", "ix_evaluations_hall_evaluated_rating"),
    # the block ranges of every completion time, empty ones too, and then of the completed
    # cases' only (PostgreSQL): the completed cases' btree finds a day's completions without
    # rechecking every row of the ranges, and is never chosen for `completed_at IS NULL`
    ("cases", "ix_cases_completed_at_brin", "ix_cases_completed"),
    ("cases", "ix_cases_completed_brin", "ix_cases_completed"),
)


def upgrade_schema(engine: Engine) -> list[str]:
    """Add the columns (nullable, so every stored row stays as it was) and indexes a database
    made by an older release lacks; returns what was added. The new tables themselves come
    from `create_all`. A foreign key is not added to an existing table (SQLite cannot): the
    importer checks those references itself."""
    added = []
    inspector = sa.inspect(engine)
    with engine.begin() as conn:
        for table_name, column_name in ADDED_COLUMNS:
            present = {c["name"] for c in inspector.get_columns(table_name)}
            if column_name in present:
                continue
            column = metadata.tables[table_name].c[column_name]
            preparer = conn.dialect.identifier_preparer
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(
                sa.text(
                    f"ALTER TABLE {preparer.quote(table_name)} "
                    f"ADD COLUMN {preparer.quote(column_name)} {kind} NULL"
                )
            )
            added.append(f"{table_name}.{column_name}")
        for table in metadata.sorted_tables:
            for index in table.indexes:
                if index.name not in ADDED_INDEXES:
                    continue
                names = {i["name"] for i in sa.inspect(conn).get_indexes(table.name)}
                if index.name not in names:
                    index.create(conn)
                    added.append(index.name)
        for extra in DIALECT_INDEXES:  # partial (not MariaDB), block-range (PostgreSQL)
            if conn.dialect.name not in extra.dialects:
                continue
            names = {i["name"] for i in sa.inspect(conn).get_indexes(extra.table)}
            if extra.name not in names:
                conn.execute(sa.text(extra.ddl()))
                added.append(extra.name)
        for table_name, old_name, wider in REPLACED_INDEXES:
            names = {i["name"] for i in sa.inspect(conn).get_indexes(table_name)}
            if old_name in names and wider in names:
                # by name (an Index object of these columns would join the table's metadata)
                quote = conn.dialect.identifier_preparer.quote
                on = f" ON {quote(table_name)}" if conn.dialect.name in ("mysql", "mariadb") else ""
                conn.execute(sa.text(f"DROP INDEX {quote(old_name)}{on}"))
                added.append(f"{old_name} dropped (served by {wider})")
    return added


def drop_schema(engine: Engine) -> None:
    """Drop every table of the data contract (used by `hall demo --fresh` and tests)."""
    from queries import partitioning

    metadata.drop_all(engine)
    partitioning.forget_layout()


def has_schema(engine: Engine) -> bool:
    names = set(sa.inspect(engine).get_table_names())
    return all(t.name in names for t in ALL_TABLES)


def schema_gaps(engine: Engine) -> list[str]:
    """What an existing HallPulse database lacks (tables, and the columns `upgrade_schema`
    adds): empty when complete or when it has no contract table at all."""
    inspector = sa.inspect(engine)
    names = set(inspector.get_table_names())
    if not names & {t.name for t in ALL_TABLES}:
        return []
    gaps = [t.name for t in ALL_TABLES if t.name not in names]
    for table_name, column_name in ADDED_COLUMNS:
        present = (
            {c["name"] for c in inspector.get_columns(table_name)} if table_name in names else ()
        )
        if table_name in names and column_name not in present:
            gaps.append(f"{table_name}.{column_name}")
    return gaps


def ensure_calendar(conn: Connection, first: dt.date, last: dt.date) -> int:
    """Add China's calendar for first..last where the table has no row; returns rows added.

    Rows already present are kept: the table is editable (a hall may correct a day, or import
    next year's schedule before the package knows it).
    """
    have = {
        d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))
        for (d,) in conn.execute(
            sa.select(calendar.c.date).where(calendar.c.date.between(first, last))
        )
    }
    rows = china_calendar(first, last).filter(~pl.col("date").is_in(list(have)))
    bulk_insert(conn, calendar, rows)
    return rows.height


def calendar_frame(conn: Connection) -> pl.DataFrame:
    """The whole `calendar` table as a frame: date, is_workday, name."""
    result = conn.execute(
        sa.select(calendar.c.date, calendar.c.is_workday, calendar.c.name).order_by(calendar.c.date)
    )
    return pl.DataFrame(
        [tuple(r) for r in result],
        schema={"date": pl.Date, "is_workday": pl.Boolean, "name": pl.String},
        orient="row",
    )


def _batches(frame: pl.DataFrame, size: int) -> Iterator[pl.DataFrame]:
    for offset in range(0, frame.height, size):
        yield frame.slice(offset, size)


def _sqlite_storage(frame: pl.DataFrame) -> pl.DataFrame:
    """Values as SQLAlchemy's SQLite types store them (its DATETIME and TIME keep six digits
    of microseconds, BOOLEAN is 0/1), so rows written here compare and read back exactly like
    rows written through SQLAlchemy."""
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Datetime:
            out.append(col.dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))
        elif dtype == pl.Time:
            out.append(col.dt.strftime("%H:%M:%S%.6f"))
        elif dtype == pl.Date:
            out.append(col.dt.strftime("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            out.append(col.cast(pl.Int8))
        else:
            out.append(col)
    return frame.select(out)


def executemany_sqlite(conn: Connection, stmt: sa.Insert, frame: pl.DataFrame) -> None:
    """One compiled statement, rows as plain tuples (stored as SQLAlchemy stores them):
    about 4× faster than bound dicts."""
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(frame.columns))
    order = [compiled.binds[name].key for name in compiled.positiontup]
    stored = _sqlite_storage(frame).select(order)
    for offset in range(0, stored.height, BATCH_ROWS):
        conn.exec_driver_sql(str(compiled), stored.slice(offset, BATCH_ROWS).rows())


def bulk_insert(conn: Connection, table: sa.Table, frame: pl.DataFrame) -> None:
    """Insert a frame whose columns are a subset of the table's, in batches.

    PostgreSQL gets COPY (psycopg 3; executemany with another driver), MySQL/MariaDB LOAD DATA
    LOCAL (PyMySQL, when the server allows it; executemany if not); SQLite executemany of one
    prepared INSERT with rows as tuples.
    """
    if frame.is_empty():
        return
    columns = [c for c in frame.columns if c in table.c]
    unknown = set(frame.columns) - set(columns)
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {sorted(unknown)}")
    frame = frame.select(columns)
    dialect = conn.dialect.name
    if dialect == "postgresql" and _can_copy(conn):
        _copy_postgres(conn, table, frame)
        return
    if dialect == "sqlite":
        executemany_sqlite(conn, table.insert(), frame)
        return
    if dialect in ("mysql", "mariadb") and can_load_local(conn):
        for batch in _batches(frame, BULK_FILE_ROWS):
            if not _load_mysql(conn, table, batch):
                _executemany(conn, table, batch)
        return
    _executemany(conn, table, frame)


def _executemany(conn: Connection, table: sa.Table, frame: pl.DataFrame) -> None:
    stmt = table.insert()
    for batch in _batches(frame, BATCH_ROWS):
        conn.execute(stmt, batch.to_dicts())


def _can_copy(conn: Connection) -> bool:
    """Whether the driver speaks COPY as psycopg 3 does (`cursor.copy`); another driver (e.g.
    psycopg2) gets executemany."""
    return conn.dialect.driver == "psycopg"


def _copy_postgres(conn: Connection, table: sa.Table, frame: pl.DataFrame) -> None:
    quote = conn.dialect.identifier_preparer.quote
    name = quote(table.name)
    cols = ", ".join(quote(c) for c in frame.columns)
    raw = conn.connection.driver_connection
    statement = f"COPY {name} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    error = conn.dialect.loaded_dbapi.Error
    try:
        _copy_batches(raw, statement, frame)
    except error as exc:  # the INSERT's error classes (IntegrityError …), as SQLAlchemy raises
        raise sa.exc.DBAPIError.instance(statement, None, exc, error, dialect=conn.dialect) from exc


def _copy_batches(raw, statement: str, frame: pl.DataFrame) -> None:
    with raw.cursor() as cur:
        for batch in _batches(frame, BULK_FILE_ROWS):
            buf = io.StringIO()
            _bulk_csv(batch, buf, null=r"\N")  # a text value "\N" stays text: only bare \N is NULL
            with cur.copy(statement) as copy:
                copy.write(buf.getvalue())


def _bulk_csv(frame: pl.DataFrame, target, *, null: str) -> None:
    """The CSV a bulk load reads (COPY, LOAD DATA): no header, text quoted (a doubled quote
    inside), `null` bare for NULL, timestamps to the second."""
    frame.write_csv(
        target,
        include_header=False,
        null_value=null,
        quote_style="non_numeric",
        datetime_format="%Y-%m-%d %H:%M:%S",
        time_format="%H:%M:%S",
    )


def can_load_local(conn: Connection) -> bool:
    """Whether the connection was opened able to send LOAD DATA LOCAL files (PyMySQL, as
    `make_engine` opens it)."""
    if conn.dialect.driver != "pymysql":
        return False
    from pymysql.constants.CLIENT import LOCAL_FILES

    raw = conn.connection.driver_connection
    return bool(getattr(raw, "client_flag", 0) & LOCAL_FILES) and hasattr(raw, "_local_infile")


def _load_mysql(conn: Connection, table: sa.Table, frame: pl.DataFrame) -> bool:
    """Load a batch with LOAD DATA LOCAL INFILE from a CSV file of its own: about 10× faster
    than PyMySQL's executemany, whose escaping of every value in Python dominated MariaDB's
    writes. False (nothing written) when the server does not allow LOCAL.

    LOAD DATA LOCAL turns what an INSERT refuses (a duplicate key, a missing reference, a value
    that does not fit) into warnings and skips or mangles the row. So the batch runs in a
    savepoint, and unless every row went in without a warning it is undone and False returned:
    the caller's executemany then writes it or raises the INSERT's own error."""
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(c) for c in frame.columns)
    text = frame.with_columns(
        pl.col(name).cast(pl.Int8) for name, dtype in frame.schema.items() if dtype == pl.Boolean
    )
    raw = conn.connection.driver_connection
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", prefix="hallpulse-") as file:
        # LOAD DATA reads an enclosed "NULL" as text and a bare NULL as NULL; with no escape
        # character, backslashes are text
        _bulk_csv(text, file, null="NULL")
        file.flush()
        savepoint = conn.begin_nested()
        raw._local_infile = True
        try:
            result = conn.exec_driver_sql(
                f"LOAD DATA LOCAL INFILE %s INTO TABLE {quote(table.name)} CHARACTER SET utf8mb4 "
                "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY '' "
                f"({columns})",  # lines end in \n, the default (no backslash in the SQL)
                (file.name,),
            )
        except sa.exc.OperationalError as exc:
            savepoint.rollback()
            if _local_refused(exc):
                return False
            raise
        finally:
            raw._local_infile = False
        warnings = conn.exec_driver_sql("SELECT @@warning_count").scalar_one()
        if result.rowcount == frame.height and not warnings:
            savepoint.commit()
            return True
        savepoint.rollback()
        return False


def _local_refused(exc: sa.exc.OperationalError) -> bool:
    """The server (local_infile=OFF: 1148, 3948, 4166) or the client (2068) refused LOAD DATA
    LOCAL."""
    code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
    return code in (1148, 2068, 3948, 4166)


def set_meta(conn: Connection, values: dict[str, str]) -> None:
    """Record HallPulse's own facts about the database (e.g. that it holds demo data)."""
    conn.execute(meta.delete().where(meta.c.key.in_(list(values))))
    conn.execute(meta.insert(), [{"key": k, "value": v} for k, v in values.items()])


def get_meta(conn: Connection) -> dict[str, str]:
    if not sa.inspect(conn).has_table(meta.name):
        return {}
    return {k: v for k, v in conn.execute(sa.select(meta.c.key, meta.c.value))}
