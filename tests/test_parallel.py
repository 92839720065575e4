"""`queries.parallel.on_connections`: a set of reads on a few connections at once on a database
server, one after another on SQLite, results in order, a failure raised in the caller."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from queries.parallel import EXTRA_CONNECTIONS, on_connections


def _read(value: int, barrier: threading.Barrier | None = None):
    def read(conn: Connection) -> tuple[int, int, int]:
        if barrier is not None:
            barrier.wait(timeout=20)  # only passes when the reads run at the same time
        answer = conn.execute(sa.select(sa.literal(value, sa.Integer))).scalar_one()
        return answer, id(conn), threading.get_ident()

    return read


def test_reads_run_side_by_side_on_a_server_and_one_by_one_on_sqlite(engine: Engine):
    server = engine.dialect.name != "sqlite"
    together = 1 + EXTRA_CONNECTIONS
    barrier = threading.Barrier(together) if server else None
    reads = [_read(v, barrier) for v in range(together)] + [_read(v) for v in range(10, 15)]
    with engine.connect() as conn:
        results = on_connections(conn, reads)
        caller = id(conn)
    assert [r[0] for r in results] == [*range(together), *range(10, 15)]  # in order
    connections = {r[1] for r in results}
    if server:
        assert len(connections) == together and caller in connections
        assert len({r[2] for r in results}) == together
    else:  # SQLite: the caller's connection, in the caller's thread
        assert connections == {caller}
        assert {r[2] for r in results} == {threading.get_ident()}


def test_a_failed_read_raises_in_the_caller(engine: Engine):
    def broken(conn: Connection):
        conn.execute(sa.text("SELECT * FROM no_such_table_here"))

    reads = [_read(1), broken, _read(2), _read(3)]
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="no_such_table_here"):
        on_connections(conn, reads)


def test_a_pool_without_room_reads_one_by_one(engine: Engine):
    """With the pool's kept connections all out (a busy server), no worker waits for one:
    the reads run on the caller's connection."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite reads one by one anyway")
    held = [engine.connect() for _ in range(engine.pool.size() - 1)]
    try:
        with engine.connect() as conn:
            results = on_connections(conn, [_read(v) for v in range(6)])
            caller = id(conn)
    finally:
        for conn in held:
            conn.close()
    assert [r[0] for r in results] == list(range(6))
    assert {r[1] for r in results} == {caller}
