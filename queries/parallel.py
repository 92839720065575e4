"""Independent reads of one set of figures on a few connections at once (database servers).

A month of a city's figures is about thirty aggregate queries, each short and most of them
waiting on the database rather than on Python (0.76 s of SQL in 0.86 s). One after another on
one connection they use one of the server's cores; `on_connections` runs them on the caller's
connection and up to `extra` more of the engine's pool, each worker taking the next read as it
finishes one, so the server works on several at once.

Only for a server (PostgreSQL, MariaDB): a SQLite file is read in this process, where the
reads would share one interpreter, and an in-memory SQLite has one connection. Only when the
pool has room: a worker never waits for a connection that the many pages of a busy server are
holding (the reads then run one after another on the caller's connection, as before). The
extra connections see what is committed: callers use it for reads only.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.engine import Connection

T = TypeVar("T")
SERVERS = ("postgresql", "mysql", "mariadb")  # mariadb: a mariadb:// URL's dialect
EXTRA_CONNECTIONS = 2  # beside the caller's: three reads at a time


def _room(conn: Connection, extra: int) -> int:
    """How many extra connections to take: none on SQLite, none when the pool's kept
    connections are nearly all out (the overflow stays for the pages that need one)."""
    if conn.dialect.name not in SERVERS:
        return 0
    pool = conn.engine.pool
    size, out = getattr(pool, "size", None), getattr(pool, "checkedout", None)
    if not callable(size) or not callable(out):
        return 0
    return max(0, min(extra, size() - out()))


def on_connections(
    conn: Connection,
    reads: Sequence[Callable[[Connection], T]],
    extra: int = EXTRA_CONNECTIONS,
) -> list[T]:
    """Each `read(connection)`'s result, in order: on `conn` and up to `extra` more
    connections of its engine at the same time where the database is a server with room in
    its pool, else one after another on `conn`. The first read to fail raises here, once the
    others have stopped."""
    workers = min(_room(conn, extra), len(reads) - 1)
    if workers <= 0:
        return [read(conn) for read in reads]
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(reads)):
        todo.put(i)
    results: list = [None] * len(reads)
    failed: list[BaseException] = []

    def work(connection: Connection) -> None:
        while not failed:
            try:
                i = todo.get_nowait()
            except queue.Empty:
                return
            try:
                results[i] = reads[i](connection)
            except BaseException as exc:  # raised in the caller's thread below
                failed.append(exc)
                return

    def worker() -> None:
        try:
            connection = conn.engine.connect()
        except Exception:  # no connection to be had: the others take its share
            return
        with connection:
            work(connection)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    work(conn)
    for thread in threads:
        thread.join()
    if failed:
        raise failed[0]
    return results
