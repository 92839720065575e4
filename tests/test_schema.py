"""The data contract's schema on SQLite, PostgreSQL and MariaDB: round-trips, keys, bulk writes."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries import schema
from queries.db import bulk_insert, init_schema
from queries.upsert import upsert

T = dt.datetime
D = dt.date

# One realistic row per table, every column filled (FK order), and for each fact table a second
# row with every optional (nullable, non-key) column left NULL.
FULL_ROWS: dict[str, dict[str, object]] = {
    "halls": {
        "hall_id": "H01",
        "name": "示范区政务服务中心",
        "level": "district",
        "parent_hall_id": "H00",
        "timezone": "Asia/Shanghai",
    },
    "departments": {"dept_id": "D-RS", "name": "区人力资源和社会保障局"},
    "windows": {
        "window_id": "H01-A12",
        "hall_id": "H01",
        "label": "A12",
        "kind": "dedicated",
        "dept_id": "D-RS",
    },
    "staff": {
        "staff_id": "S0042",
        "name": "王晓燕",
        "hall_id": "H01",
        "dept_id": "D-RS",
        "role": "front",
    },
    "items": {
        "item_id": "I-SBK-01",
        "name": "社会保障卡申领",
        "dept_id": "D-RS",
        "theme": "社保医保",
        "kind": "promised",
        "promised_workdays": 3,
        "legal_workdays": 20,
    },
    "queues": {
        "queue_id": "H01-Q-A",
        "hall_id": "H01",
        "name": "社保医保综合业务",
        "prefix": "A",
        "dept_id": "D-RS",
    },
    "service_hours": {
        "hall_id": "H01",
        "weekday": 6,
        "start": dt.time(9, 0, 0),
        "end": dt.time(12, 30, 15),
        "kind": "extended",
        "valid_from": D(2026, 1, 1),
        "valid_to": D(2026, 12, 31),
    },
    "calendar": {"date": D(2026, 10, 10), "is_workday": True, "name": "调休上班"},
    "bundles": {"bundle_id": "YJS03", "name": "新生儿出生一件事", "dept_id": "D-RS"},
    "tickets": {
        "ticket_id": "T-20260302-0001",
        "hall_id": "H01",
        "queue_id": "H01-Q-A",
        "ticket_no": "A023",
        "issued_at": T(2026, 3, 2, 9, 14, 5),
        "called_at": T(2026, 3, 2, 9, 31, 47),
        "finished_at": T(2026, 3, 2, 9, 42, 9),
        "window_id": "H01-A12",
        "staff_id": "S0042",
        "status": "served",
        "source": "appointment",
        "appointment_start": T(2026, 3, 2, 9, 30, 0),
        "case_id": "C-20260302-0007",
    },
    "cases": {
        "case_id": "C-20260302-0007",
        "hall_id": "H01",
        "item_id": "I-SBK-01",
        "window_id": "H01-A12",
        "staff_id": "S0042",
        "channel": "window",
        "applicant_kind": "person",
        "accepted_at": T(2026, 3, 2, 9, 40, 33),
        "due_at": T(2026, 3, 5, 17, 0, 0),
        "completed_at": T(2026, 3, 4, 15, 2, 58),
        "status": "completed",
        "visits": 1,
        "tolerance": True,
        "suspended_workdays": 2,
        "ticket_id": "T-20260302-0001",
        "bundle_id": "YJS03",
        "application_id": "YJS-2026-000123",
    },
    "evaluations": {
        "eval_id": "E-20260302-0003",
        "hall_id": "H01",
        "evaluated_at": T(2026, 3, 2, 9, 43, 1),
        "rating": 2,
        "channel": "device",
        "is_default": True,
        "ticket_id": "T-20260302-0001",
        "case_id": "C-20260302-0007",
        "window_id": "H01-A12",
        "staff_id": "S0042",
        "item_id": "I-SBK-01",
        "comment": "等候时间太长，窗口只开了两个。",
        "revisited_at": T(2026, 3, 3, 10, 5, 12),
        "rectified_at": T(2026, 3, 6, 16, 20, 44),
        "rectification_note": "高峰时段增开 A13 窗口，并安排导办人员分流。",
    },
    "attendance": {
        "staff_id": "S0042",
        "hall_id": "H01",
        "work_date": D(2026, 3, 2),
        "shift_kind": "regular",
        "scheduled_start": T(2026, 3, 2, 8, 30, 0),
        "scheduled_end": T(2026, 3, 2, 17, 30, 0),
        "clock_in": T(2026, 3, 2, 8, 27, 36),
        "clock_out": T(2026, 3, 2, 17, 41, 2),
        "window_id": "H01-A12",
        "leave": "training",
    },
}

SPARSE_ROWS: dict[str, dict[str, object]] = {
    "tickets": {
        "ticket_id": "T-20260302-0002",
        "hall_id": "H01",
        "queue_id": "H01-Q-A",
        "issued_at": T(2026, 3, 2, 9, 15, 59),
        "status": "waiting",
        "source": "walk_in",
    },
    "cases": {
        "case_id": "C-20260302-0008",
        "hall_id": "H01",
        "item_id": "I-SBK-01",
        "channel": "online",
        "accepted_at": T(2026, 3, 2, 22, 3, 11),
        "status": "in_progress",
    },
    "evaluations": {
        "eval_id": "E-20260302-0004",
        "hall_id": "H01",
        "evaluated_at": T(2026, 3, 2, 11, 0, 59),
        "rating": 5,
        "channel": "sms",
    },
    "attendance": {
        "staff_id": "S0042",
        "hall_id": "H01",
        "work_date": D(2026, 3, 7),
        "shift_kind": "weekend",
    },
}


def _fill(table: sa.Table, row: dict[str, object]) -> dict[str, object]:
    """The row with every column of the table present (missing ones as None)."""
    return {c.name: row.get(c.name) for c in table.columns}


def _rows(engine: Engine, table: sa.Table) -> list[dict[str, object]]:
    with engine.connect() as conn:
        result = conn.execute(sa.select(table).order_by(*table.primary_key.columns))
        return [dict(r._mapping) for r in result]


def _seed_reference(conn: sa.Connection) -> None:
    for name in ("halls", "departments", "windows", "staff", "items", "queues"):
        conn.execute(schema.metadata.tables[name].insert(), [FULL_ROWS[name]])


def test_all_tables_are_covered():
    assert [t.name for t in schema.ALL_TABLES] == list(FULL_ROWS)
    for table in schema.ALL_TABLES:
        assert set(FULL_ROWS[table.name]) == set(table.c.keys()), table.name
        assert all(v is not None for v in FULL_ROWS[table.name].values()), table.name
    for table in schema.FACT_TABLES:
        sparse = SPARSE_ROWS[table.name]
        required = {c.name for c in table.columns if not c.nullable}
        assert set(sparse) == required, table.name


def test_every_column_round_trips(engine: Engine):
    init_schema(engine)
    with engine.begin() as conn:
        for table in schema.ALL_TABLES:  # FK order
            conn.execute(table.insert(), [FULL_ROWS[table.name]])
            if table.name in SPARSE_ROWS:
                conn.execute(table.insert(), [SPARSE_ROWS[table.name]])
    expected: dict[str, list[dict[str, object]]] = {}
    for table in schema.ALL_TABLES:
        rows = [_fill(table, FULL_ROWS[table.name])]
        if table.name in SPARSE_ROWS:
            rows.append(_fill(table, SPARSE_ROWS[table.name]))
        key = [c.name for c in table.primary_key.columns]
        expected[table.name] = sorted(rows, key=lambda r, key=key: tuple(r[k] for k in key))
    got = {table.name: _rows(engine, table) for table in schema.ALL_TABLES}
    # No normalisation is needed: SQLAlchemy's Boolean type turns SQLite's and MariaDB's 0/1
    # into True/False, its MySQL TIME type turns PyMySQL's timedelta into datetime.time, and
    # SQLite's text dates/times come back as date/datetime/time. Compared value by value and
    # type by type as well (True == 1 and a datetime never equals a date, but be explicit).
    assert got == expected
    types = {
        (name, i, col): type(value).__name__
        for name, rows in got.items()
        for i, row in enumerate(rows)
        for col, value in row.items()
    }
    want_types = {
        (name, i, col): type(value).__name__
        for name, rows in expected.items()
        for i, row in enumerate(rows)
        for col, value in row.items()
    }
    assert types == want_types


def test_bulk_insert_round_trips_every_column(engine: Engine):
    """The same rows through bulk_insert (COPY on PostgreSQL): every type, CSV-hostile text."""
    tricky = {  # quote, comma, newline, CRLF, tab, backslashes (MariaDB's LOAD DATA, COPY)
        "comment": '窗口说："材料齐全，\n明天再来"，态度, 一般\r\n\t C:\\材料\\"清单" \\',
        "rectification_note": "",  # empty text is not NULL
    }
    rows = {
        t.name: [_fill(t, FULL_ROWS[t.name])]
        + ([_fill(t, SPARSE_ROWS[t.name])] if t.name in SPARSE_ROWS else [])
        for t in schema.ALL_TABLES
    }
    rows["evaluations"][1].update(tricky)
    init_schema(engine)
    with engine.begin() as conn:
        for table in schema.ALL_TABLES:
            frame = pl.DataFrame(rows[table.name], infer_schema_length=None)
            bulk_insert(conn, table, frame)
    got = {table.name: _rows(engine, table) for table in schema.ALL_TABLES}
    assert got == rows  # FULL sorts before SPARSE on every primary key
    assert got["evaluations"][1]["comment"] == tricky["comment"]
    assert got["evaluations"][1]["rectification_note"] == ""


@pytest.mark.parametrize("text", ["\\N", "NULL", "null", '"NULL"', "\\", "123", " "])
def test_bulk_insert_keeps_text_that_looks_like_a_null_marker(engine: Engine, text: str):
    # PostgreSQL's COPY reads a bare \N as NULL, MariaDB's LOAD DATA a bare NULL: text must be
    # quoted so it stays text
    init_schema(engine)
    row = {**SPARSE_ROWS["evaluations"], "comment": text}
    with engine.begin() as conn:
        _seed_reference(conn)
        bulk_insert(conn, schema.evaluations, pl.DataFrame([row]))
    with engine.connect() as conn:
        comment = conn.execute(sa.select(schema.evaluations.c.comment)).scalar_one()
    assert comment == text


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"ticket_id": "T-1"}, id="duplicate-key"),
        pytest.param({"ticket_id": "T-3", "queue_id": "H99-Q-Z"}, id="unknown-queue"),
    ],
)
def test_bulk_insert_raises_what_an_insert_raises_and_writes_nothing(
    engine: Engine, change: dict[str, str]
):
    """A bulk load that would skip a row (MariaDB's LOAD DATA LOCAL turns a duplicate key or a
    missing reference into a warning) raises the INSERT's own error instead, and the
    transaction writes nothing."""
    init_schema(engine)
    with engine.begin() as conn:
        _seed_reference(conn)
    rows = [TICKET, {**TICKET, "ticket_id": "T-2"}, {**TICKET, **change}]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        bulk_insert(conn, schema.tickets, pl.DataFrame(rows))
    assert _rows(engine, schema.tickets) == []


def test_mariadb_loads_in_bulk_and_inserts_when_the_client_may_not_send_files(engine: Engine):
    """MariaDB: rows go in by LOAD DATA LOCAL on the engines HallPulse makes, upserts through a
    staging table; a connection opened without it (another program's engine) gets the same rows
    by executemany."""
    if engine.dialect.name != "mysql":
        pytest.skip("LOAD DATA LOCAL is MariaDB's and MySQL's")
    init_schema(engine)
    with engine.begin() as conn:
        _seed_reference(conn)
    seen: list[str] = []
    rows = [{**TICKET, "ticket_id": f"T-{i}"} for i in range(50)]

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    plain = sa.create_engine(engine.url)  # PyMySQL without local_infile
    try:
        for target, part in ((engine, rows[:25]), (plain, rows[25:])):
            sa.event.listen(target, "before_cursor_execute", record)
            with target.begin() as conn:
                bulk_insert(conn, schema.tickets, pl.DataFrame(part))
            sa.event.remove(target, "before_cursor_execute", record)
            seen.append("|")
    finally:
        plain.dispose()
    first, second = " ".join(seen).split("|")[:2]
    assert "LOAD" in first.split() and "INSERT" not in first.split()
    assert "INSERT" in second.split() and "LOAD" not in second.split()
    assert [r["ticket_id"] for r in _rows(engine, schema.tickets)] == sorted(
        r["ticket_id"] for r in rows
    )
    # an upsert loads into a staging table: the rows held are updated, the new ones inserted
    changed = [{**r, "status": "served", "window_id": "H01-A12"} for r in rows[20:30]]
    changed.append({**TICKET, "ticket_id": "T-new"})
    seen.clear()
    sa.event.listen(engine, "before_cursor_execute", record)
    with engine.begin() as conn:
        upsert(conn, schema.tickets, pl.DataFrame(changed), ("ticket_id",))
    sa.event.remove(engine, "before_cursor_execute", record)
    assert "LOAD" in seen and "INSERT" in seen
    held = {r["ticket_id"]: r for r in _rows(engine, schema.tickets)}
    assert len(held) == 51 and held["T-new"]["status"] == "waiting"
    assert [held[f"T-{i}"]["status"] for i in (19, 20, 29, 30)] == [
        "waiting", "served", "served", "waiting"
    ]  # fmt: skip
    assert held["T-25"]["window_id"] == "H01-A12" and held["T-25"]["queue_id"] == "H01-Q-A"


def test_init_schema_is_idempotent_and_creates_indexes(engine: Engine):
    init_schema(engine)
    init_schema(engine)
    inspector = sa.inspect(engine)
    assert {t.name for t in schema.ALL_TABLES} <= set(inspector.get_table_names())
    indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("tickets")}
    assert indexes["ix_tickets_hall_issued"] == ["hall_id", "issued_at"]
    declared = {ix.name: [c.name for c in ix.columns] for ix in schema.tickets.indexes}
    assert {name: indexes.get(name) for name in declared} == declared


TICKET = {
    "ticket_id": "T-1",
    "hall_id": "H01",
    "queue_id": "H01-Q-A",
    "issued_at": T(2026, 3, 2, 9, 14, 5),
    "status": "waiting",
    "source": "walk_in",
}


@pytest.mark.parametrize(
    ("change", "integrity_error"),
    [
        pytest.param({"hall_id": "H99"}, True, id="unknown-hall-is-rejected"),
        pytest.param({"queue_id": "H99-Q-Z"}, True, id="unknown-queue-is-rejected"),
        pytest.param({"window_id": "H01-Z99"}, True, id="unknown-window-is-rejected"),
        pytest.param({"case_id": "C-nowhere"}, False, id="dangling-case-link-is-accepted"),
    ],
)
def test_foreign_keys_hold_and_soft_links_do_not(
    engine: Engine, change: dict[str, str], integrity_error: bool
):
    init_schema(engine)
    with engine.begin() as conn:
        _seed_reference(conn)
    row = {**TICKET, **change}
    if integrity_error:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(schema.tickets.insert(), [row])
        assert _rows(engine, schema.tickets) == []
    else:
        with engine.begin() as conn:
            conn.execute(schema.tickets.insert(), [row])
        assert _rows(engine, schema.tickets) == [_fill(schema.tickets, row)]


def test_bulk_insert_rejects_unknown_columns(engine: Engine):
    init_schema(engine)
    frame = pl.DataFrame({"dept_id": ["D-RS"], "name": ["区人社局"], "floor": [3], "wing": ["东"]})
    message = r"departments has no column\(s\) \['floor', 'wing'\]"
    with pytest.raises(ValueError, match=message), engine.begin() as conn:
        bulk_insert(conn, schema.departments, frame)
    assert _rows(engine, schema.departments) == []


N_TICKETS = 5_000


def _ticket_frame(n: int) -> pl.DataFrame:
    start = T(2026, 3, 2, 9, 0, 0)
    return pl.DataFrame(
        {
            "ticket_id": [f"T{i:05d}" for i in range(n)],
            "hall_id": "H01",
            "queue_id": "H01-Q-A",
            "ticket_no": [f"A{i % 1000:03d}" for i in range(n)],
            "issued_at": [start + dt.timedelta(seconds=7 * i) for i in range(n)],
            # every third ticket not called yet: NULLs among values
            "called_at": [
                None if i % 3 == 0 else start + dt.timedelta(seconds=7 * i + 95) for i in range(n)
            ],
            "window_id": ["H01-A12" if i % 2 == 0 else None for i in range(n)],
            "status": ["waiting" if i % 3 == 0 else "served" for i in range(n)],
            "source": ["appointment" if i % 5 == 0 else "walk_in" for i in range(n)],
            "case_id": [f"备注-案件{i}" if i % 4 == 0 else None for i in range(n)],
        }
    )


def test_bulk_insert_round_trips_thousands_of_tickets(engine: Engine):
    init_schema(engine)
    with engine.begin() as conn:
        _seed_reference(conn)
    frame = _ticket_frame(N_TICKETS)
    with engine.begin() as conn:
        bulk_insert(conn, schema.tickets, frame)
    t = schema.tickets
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() == N_TICKETS
        assert conn.execute(
            sa.select(sa.func.count()).select_from(t).where(t.c.called_at.is_(None))
        ).scalar_one() == len(range(0, N_TICKETS, 3))
        assert conn.execute(
            sa.select(sa.func.min(t.c.issued_at), sa.func.max(t.c.issued_at))
        ).one() == (T(2026, 3, 2, 9, 0, 0), T(2026, 3, 2, 9, 0, 0) + dt.timedelta(seconds=34_993))
        sampled = {
            r.ticket_id: r
            for r in conn.execute(
                sa.select(t).where(t.c.ticket_id.in_(["T00000", "T00001", "T04999"]))
            )
        }
    assert sampled["T00000"]._asdict() == {
        "ticket_id": "T00000",
        "hall_id": "H01",
        "queue_id": "H01-Q-A",
        "ticket_no": "A000",
        "issued_at": T(2026, 3, 2, 9, 0, 0),
        "called_at": None,
        "finished_at": None,
        "window_id": "H01-A12",
        "staff_id": None,
        "status": "waiting",
        "source": "appointment",
        "appointment_start": None,
        "case_id": "备注-案件0",
    }
    assert sampled["T00001"]._asdict() == {
        "ticket_id": "T00001",
        "hall_id": "H01",
        "queue_id": "H01-Q-A",
        "ticket_no": "A001",
        "issued_at": T(2026, 3, 2, 9, 0, 7),
        "called_at": T(2026, 3, 2, 9, 1, 42),
        "finished_at": None,
        "window_id": None,
        "staff_id": None,
        "status": "served",
        "source": "walk_in",
        "appointment_start": None,
        "case_id": None,
    }
    # 4999 * 7 s = 9 h 43 min 13 s after 09:00:00; called 95 s later
    assert (sampled["T04999"].issued_at, sampled["T04999"].called_at) == (
        T(2026, 3, 2, 18, 43, 13),
        T(2026, 3, 2, 18, 44, 48),
    )
    assert (sampled["T04999"].ticket_no, sampled["T04999"].window_id) == ("A999", None)
