"""Writing imported rows: insert new keys, update existing ones, on every dialect.

- SQLite: `INSERT … ON CONFLICT (key) DO UPDATE SET col = excluded.col`, executemany.
- MariaDB/MySQL: LOAD DATA LOCAL into a temporary staging table, then one `INSERT … SELECT …
  ON DUPLICATE KEY UPDATE col = VALUES(col)` (`INSERT … VALUES` batches where the connection
  may not send files).
- PostgreSQL: COPY into a temporary staging table, then one `INSERT … SELECT … ON CONFLICT`
  (`insert_new`, a first load into an empty table: COPY straight into the table).

Only the columns present in the frame are written, so a file that lacks an optional column
never wipes values another import put there. Everything runs on the caller's connection and
transaction: the caller decides when the whole file commits.
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable

from queries import partitioning
from queries.db import BATCH_ROWS, bulk_insert, can_load_local, executemany_sqlite
from queries.dialect import key_chunks, key_in
from queries.frames import read_frame


def upsert(conn: Connection, table: sa.Table, frame: pl.DataFrame, key: tuple[str, ...]) -> None:
    """Insert or update the frame's rows by `key` (the table's primary key)."""
    if frame.is_empty():
        return
    columns = [c for c in frame.columns if c in table.c]
    frame = frame.select(columns)
    update = [c for c in columns if c not in key]
    dialect = conn.dialect.name
    if dialect == "postgresql":
        if partitioning.is_partitioned(conn, table):
            _upsert_partitioned(conn, table, frame, key)
        else:
            _upsert_postgres(conn, table, frame, key, update)
        return
    if dialect == "sqlite":
        stmt = sqlite.insert(table)
        stmt = (
            stmt.on_conflict_do_update(
                index_elements=list(key), set_={c: stmt.excluded[c] for c in update}
            )
            if update
            else stmt.on_conflict_do_nothing(index_elements=list(key))
        )
        executemany_sqlite(conn, stmt, frame)
        return
    if dialect not in ("mysql", "mariadb"):  # pragma: no cover - the three tested dialects
        raise NotImplementedError(f"upsert on {dialect}")
    set_ = update or list(key[:1])  # nothing to update: a no-op assignment keeps the row
    if can_load_local(conn):
        _upsert_mysql_staged(conn, table, frame, set_)
        return
    stmt = mysql.insert(table)
    stmt = stmt.on_duplicate_key_update({c: stmt.inserted[c] for c in set_})
    for offset in range(0, frame.height, BATCH_ROWS):
        conn.execute(stmt, frame.slice(offset, BATCH_ROWS).to_dicts())


def _upsert_mysql_staged(
    conn: Connection, table: sa.Table, frame: pl.DataFrame, set_: list[str]
) -> None:
    """MariaDB/MySQL as PostgreSQL: LOAD DATA into a temporary staging table (PyMySQL's
    executemany escapes every value in Python), then one `INSERT … SELECT … ON DUPLICATE KEY
    UPDATE`. A temporary table is the connection's own and commits nothing."""
    stage = _loaded_stage(conn, table, frame)
    written = False
    try:
        stmt = mysql.insert(table).from_select(list(frame.columns), sa.select(stage))
        conn.execute(stmt.on_duplicate_key_update({c: stmt.inserted[c] for c in set_}))
        written = True
    finally:  # TEMPORARY: a plain DROP TABLE would commit the caller's transaction
        quoted = conn.dialect.identifier_preparer.quote(stage.name)
        try:
            conn.exec_driver_sql(f"DROP TEMPORARY TABLE IF EXISTS {quoted}")
        except sa.exc.DBAPIError:
            if written:
                raise
            # the INSERT failed (the connection broken, say): its error is the one raised,
            # not the DROP's; the temporary table goes with the connection


def _loaded_stage(conn: Connection, table: sa.Table, frame: pl.DataFrame) -> sa.Table:
    """A temporary table of the frame's columns with the table's types, holding the frame's
    rows alone (bulk-loaded: COPY, LOAD DATA). Dropped at commit on PostgreSQL, by
    `_upsert_mysql_staged` on MariaDB."""
    stage = sa.Table(
        f"hallpulse_stage_{table.name}",
        sa.MetaData(),
        *(sa.Column(c, table.c[c].type) for c in frame.columns),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    conn.execute(CreateTable(stage, if_not_exists=True))
    conn.execute(stage.delete())
    bulk_insert(conn, stage, frame)
    return stage


def unchanged(conn: Connection, table: sa.Table, frame: pl.DataFrame, key: str) -> pl.Series:
    """For each row of the frame: does the table hold its key with the same value in every
    column the frame gives? (A feed re-reads the rows it has; writing them again would cost a
    million-row export its upsert and every rollup of its days.) Values compare as read back
    into the frame's types; a value the database holds differently (a lost fraction of a
    second) counts as changed, so the row is written as before."""
    columns = [c for c in frame.columns if c in table.c]
    schema = {c: (pl.String() if frame.schema[c] == pl.Null else frame.schema[c]) for c in columns}
    parts = [
        read_frame(
            conn,
            sa.select(*(table.c[c] for c in columns)).where(key_in(conn, table.c[key], part)),
            schema,
        )
        for part in key_chunks(frame[key].to_list())
    ]
    stored = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    if stored.is_empty():
        return pl.Series("unchanged", [False] * frame.height)
    stored = stored.rename({c: f"{c}\x1fstored" for c in columns if c != key}).with_columns(
        pl.lit(True).alias("\x1fheld")
    )
    joined = frame.select(columns).join(stored, on=key, how="left", maintain_order="left")
    same = [
        pl.col(c).cast(schema[c]).eq_missing(pl.col(f"{c}\x1fstored")) for c in columns if c != key
    ]
    held = pl.col("\x1fheld").fill_null(False)
    return joined.select(pl.all_horizontal(held, *same).alias("unchanged")).to_series()


def insert_new(
    conn: Connection, table: sa.Table, frame: pl.DataFrame, key: tuple[str, ...]
) -> None:
    """Insert rows whose keys the table does not hold (a first load into an empty table, the
    file's repeated keys already rejected): on PostgreSQL a COPY straight into the table, with
    no staging table and no ON CONFLICT; elsewhere one INSERT, executemany. A partitioned
    table takes the upsert's path (its foreign partitions take no COPY). In the caller's
    transaction like everything here: a refused file leaves no row."""
    if frame.is_empty():
        return
    if conn.dialect.name == "postgresql" and partitioning.is_partitioned(conn, table):
        upsert(conn, table, frame, key)
        return
    bulk_insert(conn, table, frame.select([c for c in frame.columns if c in table.c]))


def _upsert_postgres(
    conn: Connection,
    table: sa.Table,
    frame: pl.DataFrame,
    key: tuple[str, ...],
    update: list[str],
) -> None:
    stage = _loaded_stage(conn, table, frame)
    stmt = postgresql.insert(table).from_select(list(frame.columns), sa.select(stage))
    stmt = (
        stmt.on_conflict_do_update(
            index_elements=list(key), set_={c: stmt.excluded[c] for c in update}
        )
        if update
        else stmt.on_conflict_do_nothing(index_elements=list(key))
    )
    conn.execute(stmt)


def _upsert_partitioned(
    conn: Connection, table: sa.Table, frame: pl.DataFrame, key: tuple[str, ...]
) -> None:
    """Upsert into a partitioned (or sharded) fact table by the contract's `key`.

    Its primary key adds the hall and the time column (see queries/partitioning.py), and its
    foreign partitions take no ON CONFLICT, so: delete the rows whose contract key arrives with
    another hall or time (the row moves), update the rows whose whole key matches (only the
    frame's columns), insert the rest."""
    full = partitioning.PARTITION_KEYS[table.name][1]
    missing = [c for c in full if c not in frame.columns]
    if missing:
        raise ValueError(f"{table.name}: rows without {', '.join(missing)} cannot be written")
    stage = _loaded_stage(conn, table, frame)
    same_key = sa.and_(*(table.c[c] == stage.c[c] for c in key))
    moved = sa.or_(*(table.c[c] != stage.c[c] for c in full if c not in key))
    conn.execute(sa.delete(table).where(same_key, moved))
    whole = sa.and_(*(table.c[c] == stage.c[c] for c in full))
    update = [c for c in frame.columns if c not in full]
    if update:
        conn.execute(sa.update(table).where(whole).values({c: stage.c[c] for c in update}))
    exists = sa.select(sa.literal(1)).select_from(table).where(whole).exists()
    conn.execute(sa.insert(table).from_select(list(frame.columns), sa.select(stage).where(~exists)))


def replace_rows(conn: Connection, table: sa.Table, frame: pl.DataFrame, by: str) -> int:
    """Delete the rows whose `by` value occurs in the frame, then insert the frame: for tables
    without a key that a file states in full (a hall's service hours). Returns rows deleted."""
    if frame.is_empty():
        return 0
    values = frame[by].unique().to_list()
    deleted = conn.execute(table.delete().where(table.c[by].in_(values))).rowcount
    bulk_insert(conn, table, frame)
    return deleted or 0


LOCK_WAIT_MS = 2_000  # how long a load waits for the readers of an empty table to finish


def suspend_indexes(conn: Connection, table: sa.Table) -> list[str]:
    """Drop the secondary indexes (and on PostgreSQL the foreign keys) of an empty fact table
    before a bulk load, in the caller's transaction, and return the statements that build them
    again (`restore_indexes`, before the commit). A rollback, a crash or a killed process brings
    them back with the rest of the transaction.

    SQLite: building an index once over sorted rows costs about half of keeping five indexes
    up to date row by row; readers keep their snapshot (WAL) meanwhile.
    PostgreSQL: keeping the five indexes of tickets up to date during a COPY and checking its
    four foreign keys row by row (a trigger query per key and row) cost 12 s and 17 s of the
    server's CPU for 1,000,000 rows; building the indexes afterwards and checking each foreign
    key in one query (ALTER TABLE … ADD CONSTRAINT) about 4 s and 0.5 s. Dropping them takes the
    table's ACCESS EXCLUSIVE lock until the commit: readers of the (empty) table wait for the
    load instead of reading nothing. The lock is waited for at most `LOCK_WAIT_MS`; when a
    reader holds the table longer, nothing is dropped and the rows go in the usual way (no
    queue of readers builds up behind the load). A partitioned table is left as it is.
    MariaDB: nothing is dropped (it commits DDL at once)."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return _suspend_postgres(conn, table)
    if dialect != "sqlite":
        return []
    if not conn.connection.driver_connection.in_transaction:
        # pysqlite opens a transaction only before a row is written, and runs DDL before
        # that in autocommit: take the write transaction first, or a drop would stand alone
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL",
        (table.name,),
    ).all()
    quote = conn.dialect.identifier_preparer.quote
    for name, _ in rows:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    return [sql for _, sql in rows]


def _suspend_postgres(conn: Connection, table: sa.Table) -> list[str]:
    """`suspend_indexes` on PostgreSQL: the table's indexes other than its primary key's and
    its foreign keys, dropped once the table is locked (see there)."""
    if partitioning.is_partitioned(conn, table):
        return []
    quote = conn.dialect.identifier_preparer.quote
    name = quote(table.name)
    waited = conn.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar_one()
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_WAIT_MS}")
        conn.exec_driver_sql(f"LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE")
    except sa.exc.OperationalError:  # a reader held it longer: load with everything in place
        savepoint.rollback()
        return []
    finally:
        conn.exec_driver_sql("SELECT set_config('lock_timeout', %s, true)", (waited,))
    savepoint.commit()
    oid = "to_regclass(%s)"
    keys = conn.exec_driver_sql(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE conrelid = {oid} AND contype = 'f' ORDER BY conname",
        (name,),
    ).all()
    indexes = conn.exec_driver_sql(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        f"WHERE i.indrelid = {oid} AND NOT i.indisprimary AND NOT i.indisunique "
        "ORDER BY c.relname",
        (name,),
    ).all()
    for key, _ in keys:
        conn.exec_driver_sql(f"ALTER TABLE {name} DROP CONSTRAINT {quote(key)}")
    for index, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {quote(index)}")
    # indexes first: each foreign key is then checked by one join over the loaded rows
    return [sql for _, sql in indexes] + [
        f"ALTER TABLE {name} ADD CONSTRAINT {quote(key)} {definition}" for key, definition in keys
    ]


def restore_indexes(conn: Connection, statements: list[str]) -> None:
    """Build again the indexes (and foreign keys) `suspend_indexes` dropped."""
    for sql in statements:
        conn.exec_driver_sql(sql)


def count_rows(conn: Connection, table: sa.Table) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
