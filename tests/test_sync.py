"""`hall sync`: feeds that keep the database current.

A vendor-style queue database on MariaDB (pinyin columns, numeric status codes, a separate
call-log table joined in the query, Chinese aliases and watermark) is synced into SQLite,
PostgreSQL and MariaDB while the vendor rows change; a SQLite vendor file is killed mid-batch,
taken away and brought back; an inbox folder takes GBK CSV and XLSX exports once.

The vendor MariaDB database comes from HALL_TEST_VENDOR_URL (default: the MariaDB test
database's name + `_vendor`, created when missing); in CI a missing server fails, elsewhere
the tests that need it skip.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import signal
import sqlite3
import subprocess
import time
from contextlib import redirect_stdout
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import NO_SIGN_IN, SERVER_URLS, first_run_on, unavailable
from sqlalchemy.engine import Engine

from cli.main import main as hall
from queries import schema
from queries.db import init_schema, make_engine
from sync import state
from sync.config import SyncConfigError, load_sync_config
from sync.runner import Runner

ROOT = Path(__file__).resolve().parent.parent
HALL = ROOT / ".venv" / "bin" / "hall"
VENDOR_URL = os.environ.get("HALL_TEST_VENDOR_URL") or (
    sa.make_url(SERVER_URLS["mariadb"])
    .set(database=f"{sa.make_url(SERVER_URLS['mariadb']).database}_vendor")
    .render_as_string(hide_password=False)
)
T0 = dt.datetime(2026, 3, 2, 8, 30)
DAY = T0.date()

# --- the hall --------------------------------------------------------------------------------


def seed(engine: Engine) -> None:
    """One hall with a department, a queue (综合业务), two windows (A01, A02) and a staff member."""
    init_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            schema.halls.insert(),
            [{"hall_id": "H01", "name": "示范区政务服务中心", "level": "district"}],
        )
        conn.execute(schema.departments.insert(), [{"dept_id": "D01", "name": "人社局"}])
        conn.execute(
            schema.queues.insert(),
            [{"queue_id": "Q1", "hall_id": "H01", "name": "综合业务", "prefix": "A"}],
        )
        conn.execute(
            schema.windows.insert(),
            [
                {"window_id": "W1", "hall_id": "H01", "label": "A01", "kind": "comprehensive"},
                {"window_id": "W2", "hall_id": "H01", "label": "A02", "kind": "comprehensive"},
            ],
        )


def tickets(engine: Engine) -> list[tuple]:
    t = schema.tickets
    cols = (
        t.c.ticket_id,
        t.c.ticket_no,
        t.c.queue_id,
        t.c.issued_at,
        t.c.called_at,
        t.c.finished_at,
        t.c.window_id,
        t.c.status,
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*cols).order_by(t.c.ticket_id))]


def write_config(folder: Path, body: str) -> Path:
    """hallpulse.toml with these feeds (the app, where a test opens it, without sign-in)."""
    path = folder / "hallpulse.toml"
    path.write_text(NO_SIGN_IN + body, encoding="utf-8")
    return path


def status_json(db_url: str) -> dict[str, dict]:
    out = io.StringIO()
    with redirect_stdout(out):
        assert hall(["sync", "status", "--db", db_url, "--json"]) == 0
    return {r["name"]: r for r in json.loads(out.getvalue())}


def metrics_json(db_url: str) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        assert (
            hall(["metrics", "--db", db_url, "--from", str(DAY), "--to", str(DAY), "--json"]) == 0
        )
    return json.loads(out.getvalue())


# --- config ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('kind = "sql"\ntable = "tickets"', "#1: name is missing"),
        ('name = "q"\nkind = "ftp"\ntable = "tickets"', "#1 'q': kind must be one of sql, folder"),
        (
            'name = "q"\nkind = "sql"\ntable = "ticket"\nurl = "sqlite:///x"\nquery = "s"\n'
            'watermark = "w"',
            "#1 'q': table 'ticket' is not a contract table",
        ),
        (
            'name = "q"\nkind = "sql"\ntable = "tickets"\nurl = "sqlite:///x"\nwatermark = "w"',
            "#1 'q': give exactly one of query or source_table",
        ),
        (
            'name = "q"\nkind = "folder"\ntable = "tickets"\npath = "in"\nwatermark = "w"',
            "#1 'q': unknown key(s) watermark (watermark: not for kind = 'folder')",
        ),
        (
            'name = "q"\nkind = "folder"\ntable = "tickets"\npath = "in"\ninterval_s = -1',
            "#1 'q': interval_s must be a number ≥ 0.1",
        ),
        (
            'name = "q"\nkind = "folder"\ntable = "tickets"\npath = "in"\nmapping = "nope.toml"',
            "#1 'q': mapping: ",
        ),
    ],
)
def test_config_errors_name_the_source_and_the_key(tmp_path, entry, message):
    path = write_config(tmp_path, f"[[sync.sources]]\n{entry}\n")
    with pytest.raises(SyncConfigError) as info:
        load_sync_config(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_config_resolves_paths_against_its_folder_and_refuses_a_repeated_name(tmp_path):
    (tmp_path / "m.toml").write_text('[constants]\nhall_id = "H01"\n', encoding="utf-8")
    path = write_config(
        tmp_path,
        '[sync]\nrejects_dir = "rej"\n[[sync.sources]]\nname = "a"\nkind = "folder"\n'
        'table = "tickets"\npath = "inbox"\nmapping = "m.toml"\n',
    )
    cfg = load_sync_config(path)
    (src,) = cfg.sources
    assert (src.path, src.mapping, cfg.rejects_dir) == (
        tmp_path / "inbox",
        tmp_path / "m.toml",
        tmp_path / "rej",
    )
    assert src.declared == {"constants": {"hall_id": "H01"}}
    twice = path.read_text(encoding="utf-8") + path.read_text(encoding="utf-8").split("[sync]\n")[
        1
    ].replace('rejects_dir = "rej"\n', "")
    path.write_text(twice, encoding="utf-8")
    with pytest.raises(SyncConfigError, match="#2 'a': name: already used"):
        load_sync_config(path)


# --- a vendor queue system on MariaDB --------------------------------------------------------

VENDOR_DDL = (
    "DROP TABLE IF EXISTS jh_log",
    "DROP TABLE IF EXISTS qh_record",
    """CREATE TABLE qh_record (
        lsh VARCHAR(32) PRIMARY KEY COMMENT '流水号',
        pdhm VARCHAR(16) COMMENT '排队号码',
        dtbh VARCHAR(16) COMMENT '大厅编号',
        ywlx VARCHAR(64) COMMENT '业务类型',
        qhsj DATETIME COMMENT '取号时间',
        zt TINYINT COMMENT '状态 0 等候 1 已叫 2 办结 3 过号',
        gxsj DATETIME COMMENT '更新时间'
    ) DEFAULT CHARSET=utf8mb4""",
    """CREATE TABLE jh_log (
        id INT AUTO_INCREMENT PRIMARY KEY,
        lsh VARCHAR(32) COMMENT '流水号',
        ckh VARCHAR(16) COMMENT '窗口号',
        jhsj DATETIME COMMENT '叫号时间',
        wcsj DATETIME COMMENT '完成时间'
    ) DEFAULT CHARSET=utf8mb4""",
)
VENDOR_QUERY = (
    "SELECT r.lsh AS 流水号, r.pdhm AS 排队号, r.dtbh AS 大厅, r.ywlx AS 业务类型, "
    "r.qhsj AS 取号时间, j.jhsj AS 叫号时间, j.wcsj AS 完成时间, j.ckh AS 窗口号, "
    "r.zt AS 状态, r.gxsj AS 更新时间 FROM qh_record r LEFT JOIN jh_log j ON j.lsh = r.lsh"
)
VENDOR_MAPPING = """
[columns]
ticket_id = "流水号"
hall_id = "大厅"
queue_id = "业务类型"
window_id = "窗口号"

[constants]
source = "walk_in"

[values.status]
"0" = "waiting"
"1" = "called"
"2" = "served"
"3" = "no_show"
"""
STATUS = {0: "waiting", 1: "called", 2: "served", 3: "no_show"}


class Vendor:
    """The vendor's queue database; every change bumps 更新时间 like the real systems do."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.clock = T0

    def tick(self) -> dt.datetime:
        self.clock += dt.timedelta(seconds=20)
        return self.clock

    def issue(self, n: int) -> None:
        with self.engine.begin() as conn:
            at = self.tick()
            conn.execute(
                sa.text(
                    "INSERT INTO qh_record VALUES (:lsh, :pdhm, 'H01', '综合业务', :at, 0, :at)"
                ),
                {"lsh": f"LSH{n:06d}", "pdhm": f"A{n:03d}", "at": at},
            )

    def call(self, n: int, window: str) -> None:
        with self.engine.begin() as conn:
            at = self.tick()
            conn.execute(
                sa.text("INSERT INTO jh_log (lsh, ckh, jhsj) VALUES (:lsh, :w, :at)"),
                {"lsh": f"LSH{n:06d}", "w": window, "at": at},
            )
            conn.execute(
                sa.text("UPDATE qh_record SET zt = 1, gxsj = :at WHERE lsh = :lsh"),
                {"lsh": f"LSH{n:06d}", "at": at},
            )

    def finish(self, n: int, code: int = 2) -> None:
        with self.engine.begin() as conn:
            at = self.tick()
            conn.execute(
                sa.text("UPDATE jh_log SET wcsj = :at WHERE lsh = :lsh"),
                {"lsh": f"LSH{n:06d}", "at": at},
            )
            conn.execute(
                sa.text("UPDATE qh_record SET zt = :zt, gxsj = :at WHERE lsh = :lsh"),
                {"lsh": f"LSH{n:06d}", "at": at, "zt": code},
            )

    def expected(self) -> list[tuple]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT r.lsh, r.pdhm, r.qhsj, j.jhsj, j.wcsj, j.ckh, r.zt FROM qh_record r "
                    "LEFT JOIN jh_log j ON j.lsh = r.lsh ORDER BY r.lsh"
                )
            ).all()
        window = {"A01": "W1", "A02": "W2", None: None}
        return [(r[0], r[1], "Q1", r[2], r[3], r[4], window[r[5]], STATUS[r[6]]) for r in rows]

    def export_csv(self, path: Path) -> None:
        """The query's result as a CSV export, for importing the same rows by hand."""
        with self.engine.connect() as conn:
            result = conn.execute(sa.text(VENDOR_QUERY))
            with path.open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(result.keys())
                for row in result:
                    w.writerow(["" if v is None else str(v) for v in row])


@pytest.fixture
def vendor() -> Vendor:
    url = sa.make_url(VENDOR_URL)
    engine = None
    try:
        if url.get_backend_name() in ("mysql", "mariadb") and url.database:
            server = sa.create_engine(url._replace(database=None))
            try:
                with server.begin() as conn:
                    conn.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS `{url.database}`"))
            finally:
                server.dispose()
        engine = make_engine(VENDOR_URL)
        with engine.begin() as conn:
            for ddl in VENDOR_DDL:
                conn.execute(sa.text(ddl))
    except sa.exc.OperationalError as exc:
        if engine is not None:
            engine.dispose()
        unavailable(
            f"vendor MariaDB not reachable ({str(exc.orig).splitlines()[0]}): start MariaDB "
            "(root without a password on 127.0.0.1:3306) or set HALL_TEST_VENDOR_URL"
        )
    yield Vendor(engine)
    engine.dispose()


def hall_env(config: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HALLPULSE_CONFIG"] = str(config)
    env["HALLPULSE_NOW"] = "2026-03-02T18:00:00"
    return env


def wait_for(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_vendor_database_syncs_while_it_changes(db_url, engine, vendor, tmp_path, monkeypatch):
    seed(engine)
    (tmp_path / "queue-mapping.toml").write_text(VENDOR_MAPPING, encoding="utf-8")
    config = write_config(
        tmp_path,
        f"""
[[sync.sources]]
name = "queue"
kind = "sql"
table = "tickets"
url = "{VENDOR_URL}"
query = "{VENDOR_QUERY}"
watermark = "更新时间"
lookback_min = 1
mapping = "queue-mapping.toml"
interval_s = 0.3
""",
    )
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))
    monkeypatch.setenv("HALLPULSE_NOW", "2026-03-02T18:00:00")
    for n in range(1, 21):
        vendor.issue(n)
    for n in range(1, 11):
        vendor.call(n, "A01" if n % 2 else "A02")
    for n in range(1, 6):
        vendor.finish(n)

    assert hall(["sync", "run", "--db", db_url, "--once"]) == 0
    assert tickets(engine) == vendor.expected()
    first = status_json(db_url)["queue"]
    assert (first["rows_total"], first["failures"], first["last_error"]) == (20, 0, None)
    assert first["watermark"] == vendor.clock.isoformat()

    # the loop runs as a service while the queue system keeps working
    proc = subprocess.Popen(
        [str(HALL), "sync", "run", "--db", db_url],
        env=hall_env(config),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for n in range(6, 11):
            vendor.finish(n, 2 if n < 9 else 3)  # two of them never came to the window
        for n in range(21, 31):
            vendor.issue(n)
        for n in range(11, 16):
            vendor.call(n, "A02")
        wait_for(lambda: tickets(engine) == vendor.expected(), what="the loop to catch up")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM: stopping" in err
    assert tickets(engine) == vendor.expected()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.tickets)).scalar() == 30

    # the figures of the synced rows equal those of the same rows imported by hand
    export = tmp_path / "qh_record.csv"
    vendor.export_csv(export)
    by_hand = f"sqlite:///{tmp_path / 'by-hand.db'}"
    hand_engine = make_engine(by_hand)
    seed(hand_engine)
    hand_engine.dispose()
    assert (
        hall(
            [
                "import",
                "--db",
                by_hand,
                "tickets",
                str(export),
                "--mapping",
                str(tmp_path / "queue-mapping.toml"),
            ]
        )
        == 0
    )
    assert metrics_json(db_url) == metrics_json(by_hand)


# --- a vendor SQLite file: kill -9, gone and back, bad rows ---------------------------------


def vendor_file(path: Path, rows: int, start: int = 1) -> None:
    """A queue table keyed by an increasing serial number (序号) as the watermark."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS 排队记录 (序号 INTEGER PRIMARY KEY, 流水号 TEXT, "
            "取号时间 TEXT, 状态 TEXT, 大厅 TEXT, 队列 TEXT)"
        )
        db.executemany(
            "INSERT INTO 排队记录 VALUES (?, ?, ?, ?, 'H01', '综合业务')",
            [
                (
                    n,
                    f"T{n:07d}",
                    (T0 + dt.timedelta(seconds=n % 30_000)).strftime("%Y-%m-%d %H:%M:%S"),
                    "等候",
                )
                for n in range(start, start + rows)
            ],
        )


SQLITE_SOURCE = """
[[sync.sources]]
name = "{name}"
kind = "sql"
table = "tickets"
url = "sqlite:///{path}"
source_table = "排队记录"
watermark = "序号"
batch_rows = {batch}
interval_s = 1
mapping = "plain.toml"
"""
PLAIN_MAPPING = (
    '[columns]\nticket_id = "流水号"\nhall_id = "大厅"\nqueue_id = "队列"\n'
    '[constants]\nsource = "walk_in"\n'
)


def test_kill_9_in_the_middle_of_a_large_feed_loses_and_doubles_nothing(tmp_path):
    rows, batch = 15_000, 1_000
    source = tmp_path / "vendor.db"
    vendor_file(source, rows)
    (tmp_path / "plain.toml").write_text(PLAIN_MAPPING, encoding="utf-8")
    config = write_config(tmp_path, SQLITE_SOURCE.format(name="q", path=source, batch=batch))
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    engine = make_engine(url)
    seed(engine)
    state.ensure_tables(engine)

    def taken() -> int:
        with engine.connect() as conn:
            row = state.load(conn, "q")
        return (row or {}).get("rows_total") or 0

    proc = subprocess.Popen(
        [str(HALL), "sync", "run", "--db", url, "--once"],
        env=hall_env(config),
        cwd=tmp_path,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: taken() >= 2 * batch, what="two batches")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    with engine.connect() as conn:
        row = state.load(conn, "q")
        count = conn.execute(sa.select(sa.func.count()).select_from(schema.tickets)).scalar()
    # the rows and their watermark went in together: exactly the serials up to the watermark
    assert count == row["rows_total"] == int(row["watermark"]) < rows

    done = subprocess.run(
        [str(HALL), "sync", "run", "--db", url, "--once"],
        env=hall_env(config),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.select(schema.tickets.c.ticket_id))]
        row = state.load(conn, "q")
    assert sorted(ids) == [f"T{n:07d}" for n in range(1, rows + 1)]
    assert int(row["watermark"]) == rows
    engine.dispose()


def test_a_source_that_goes_away_is_retried_and_catches_up_while_the_others_run(
    tmp_path, monkeypatch
):
    gone, other = tmp_path / "gone.db", tmp_path / "other.db"
    vendor_file(gone, 50)
    vendor_file(other, 50, start=1001)
    (tmp_path / "plain.toml").write_text(PLAIN_MAPPING, encoding="utf-8")
    config = write_config(
        tmp_path,
        SQLITE_SOURCE.format(name="gone", path=gone, batch=1000)
        + SQLITE_SOURCE.format(name="other", path=other, batch=1000),
    )
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))
    monkeypatch.setenv("HALLPULSE_NOW", "2026-03-02T18:00:00")
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    engine = make_engine(url)
    seed(engine)
    cfg = load_sync_config(config)

    def count() -> int:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(schema.tickets)).scalar()

    assert all(o.ok for o in Runner(engine, cfg).run(once=True))
    assert count() == 100

    gone.rename(tmp_path / "moved.db")
    vendor_file(other, 10, start=2001)
    for attempt in (1, 2, 3):
        outcomes = {o.name: o for o in Runner(engine, cfg).run(once=True)}
        assert not outcomes["gone"].ok and outcomes["other"].ok
        st = status_json(url)
        assert st["gone"]["failures"] == attempt
        assert "no such file" in st["gone"]["last_error"]
        assert st["gone"]["last_error"].startswith("gone: ")
        retry = dt.datetime.fromisoformat(st["gone"]["next_try_at"])
        assert retry == dt.datetime(2026, 3, 2, 18) + dt.timedelta(seconds=2 ** (attempt - 1))
        assert st["other"]["failures"] == 0 and st["other"]["last_error"] is None
    assert count() == 110
    assert hall(["sync", "run", "--db", url, "--once"]) == 1  # a failing source: exit code 1

    (tmp_path / "moved.db").rename(gone)
    vendor_file(gone, 5, start=51)
    assert all(o.ok for o in Runner(engine, cfg).run(once=True))
    assert count() == 115
    st = status_json(url)
    assert (st["gone"]["failures"], st["gone"]["last_error"], st["gone"]["rows_total"]) == (
        0,
        None,
        55,
    )
    assert st["gone"]["lag_min"] is not None
    engine.dispose()


def test_bad_vendor_rows_are_kept_in_a_rejects_file_and_the_feed_moves_on(tmp_path, monkeypatch):
    source = tmp_path / "vendor.db"
    vendor_file(source, 10)
    with sqlite3.connect(source) as db:
        db.execute("UPDATE 排队记录 SET 状态 = '作废' WHERE 序号 = 4")
        db.execute("UPDATE 排队记录 SET 取号时间 = '2026-02-30 09:00:00' WHERE 序号 = 7")
    (tmp_path / "plain.toml").write_text(PLAIN_MAPPING, encoding="utf-8")
    config = write_config(
        tmp_path,
        '[sync]\nrejects_dir = "rejects"\n'
        + SQLITE_SOURCE.format(name="q", path=source, batch=4)
        + "lookback_ids = 5\n",
    )
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    engine = make_engine(url)
    seed(engine)
    assert hall(["sync", "run", "--db", url, "--once"]) == 0
    ids = {r[0] for r in tickets(engine)}
    assert ids == {f"T{n:07d}" for n in range(1, 11)} - {"T0000004", "T0000007"}
    st = status_json(url)["q"]
    assert (st["rows_total"], st["rejected_total"], st["watermark"]) == (8, 2, "10")
    # the last batch that had a bad row names it by key and field
    assert (
        "q: 1 rows rejected; first: row 流水号=T0000007: issued_at = '2026-02-30 09:00:00'"
        in (st["last_error"])
    )
    files = sorted((tmp_path / "rejects").glob("q-*.csv"))
    assert len(files) == 2
    rejected = [list(csv.reader(f.open(encoding="utf-8-sig")))[1] for f in files]
    assert [r[2:4] for r in rejected] == [["4", "T0000004"], ["7", "T0000007"]]
    assert "status" in rejected[0][1] and "no such date" in rejected[1][1]

    # a quiet round later (rows 5–10 read again in the look-back, row 7 rejected again but not
    # reported twice) the note of the rejected rows is still there, with its time
    assert hall(["sync", "run", "--db", url, "--once"]) == 0
    again = status_json(url)["q"]
    assert (again["last_error"], again["last_error_at"]) == (st["last_error"], st["last_error_at"])
    assert (again["rows_total"], again["rows_last"], again["rejected_total"]) == (8, 5, 2)
    assert len(list((tmp_path / "rejects").glob("q-*.csv"))) == 2

    # the vendor renames a column: the source fails naming the mapping entry, then recovers
    with sqlite3.connect(source) as db:
        db.execute("ALTER TABLE 排队记录 RENAME COLUMN 流水号 TO 票据号")
    assert hall(["sync", "run", "--db", url, "--once"]) == 1
    st = status_json(url)["q"]
    assert st["failures"] == 1
    assert "[columns] ticket_id = '流水号': the file has no such column" in st["last_error"]
    with sqlite3.connect(source) as db:
        db.execute("ALTER TABLE 排队记录 RENAME COLUMN 票据号 TO 流水号")
    assert hall(["sync", "run", "--db", url, "--once"]) == 0
    assert status_json(url)["q"]["failures"] == 0
    engine.dispose()


# --- the inbox folder ------------------------------------------------------------------------

INBOX_HEADER = ["流水号", "大厅", "业务类型", "取号时间", "叫号时间", "状态", "取号方式"]


def gbk_csv(path: Path, rows: list[list[str]]) -> None:
    text = io.StringIO()
    csv.writer(text).writerows([INBOX_HEADER, *rows])
    path.write_bytes(text.getvalue().encode("gbk"))


def xlsx(path: Path, rows: list[list[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["取号记录导出"])  # a title row above the header, as exports have
    ws.append(INBOX_HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)


def test_an_inbox_takes_gbk_csv_and_xlsx_once_and_sets_bad_files_aside(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "inbox.toml").write_text('[columns]\nticket_id = "流水号"\n', encoding="utf-8")
    config = write_config(
        tmp_path,
        '[[sync.sources]]\nname = "inbox"\nkind = "folder"\ntable = "tickets"\n'
        'path = "inbox"\nmapping = "inbox.toml"\nsettle_s = 0.1\n',
    )
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    engine = make_engine(url)
    seed(engine)
    gbk_csv(
        inbox / "取号记录-0302.csv",
        [
            [
                "C1",
                "H01",
                "综合业务",
                "2026-03-02 09:00:00",
                "2026-03-02 09:10:00",
                "已完成",
                "现场",
            ],
            ["C2", "H01", "综合业务", "2026-03-02 09:05:00", "", "等候", "现场"],
        ],
    )
    xlsx(
        inbox / "取号记录-0302b.xlsx",
        [["X1", "H01", "综合业务", dt.datetime(2026, 3, 2, 10, 0), None, "等候", "现场"]],
    )
    gbk_csv(
        inbox / "bad.csv",
        [
            ["B1", "H01", "综合业务", "2026-03-02 11:00:00", "", "等候", "现场"],
            ["B2", "H01", "无此队列", "2026-03-02 11:01:00", "", "等候", "现场"],
        ],
    )
    (inbox / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    (inbox / ".hidden.csv.part").write_text("still copying", encoding="utf-8")

    assert hall(["sync", "run", "--db", url, "--once"]) == 0
    assert {r[0] for r in tickets(engine)} == {"C1", "C2", "X1", "B1"}
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [
        "取号记录-0302.csv",
        "取号记录-0302b.xlsx",
    ]
    assert sorted(p.name for p in (inbox / "rejected").iterdir()) == [
        "bad.csv",
        "bad.csv.rejects.csv",
        "old.xls",
        "old.xls.error.txt",
    ]
    rejects = list(
        csv.reader((inbox / "rejected" / "bad.csv.rejects.csv").open(encoding="utf-8-sig"))
    )
    assert rejects[1][0] == "3" and rejects[1][2] == "B2" and "unknown queue" in rejects[1][1]
    assert "old Excel .xls" in (inbox / "rejected" / "old.xls.error.txt").read_text("utf-8")
    assert [p.name for p in inbox.iterdir() if p.is_file()] == [".hidden.csv.part"]

    # the same export dropped again (another name) is not imported twice
    with engine.begin() as conn:
        conn.execute(schema.tickets.delete().where(schema.tickets.c.ticket_id == "C2"))
    (inbox / "done" / "取号记录-0302.csv").rename(inbox / "again.csv")
    assert hall(["sync", "run", "--db", url, "--once"]) == 0
    assert "C2" not in {r[0] for r in tickets(engine)}
    assert (inbox / "done" / "again.csv").exists()
    st = status_json(url)["inbox"]
    assert st["rows_total"] == 4 and st["rejected_total"] == 1
    with engine.connect() as conn:
        files = conn.execute(
            sa.select(schema.sync_files.c.file_name, schema.sync_files.c.status).order_by(
                schema.sync_files.c.file_name
            )
        ).all()
    assert [tuple(f) for f in files] == [
        ("bad.csv", "rejected"),
        ("old.xls", "rejected"),
        ("取号记录-0302.csv", "done"),
        ("取号记录-0302b.xlsx", "done"),
    ]
    engine.dispose()


def test_status_before_any_run_lists_the_declared_sources(tmp_path, monkeypatch):
    config = write_config(
        tmp_path,
        '[[sync.sources]]\nname = "inbox"\nkind = "folder"\ntable = "cases"\npath = "in"\n',
    )
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    st = status_json(url)
    assert st == {"inbox": st["inbox"] | {"name": "inbox", "kind": "folder", "table": "cases"}}
    assert st["inbox"]["last_run_at"] is None and st["inbox"]["declared"] is True
    out = io.StringIO()
    with redirect_stdout(out):
        assert hall(["sync", "status", "--db", url]) == 0
    assert "inbox (folder → cases)\n  never run" in out.getvalue()


# --- the data page ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_data_page_shows_the_feeds_and_a_failing_one(tmp_path, monkeypatch, lang):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from i18n.text import t

    here, missing = tmp_path / "here.db", tmp_path / "missing.db"
    vendor_file(here, 30)
    (tmp_path / "plain.toml").write_text(PLAIN_MAPPING, encoding="utf-8")
    config = write_config(
        tmp_path,
        SQLITE_SOURCE.format(name="qms", path=here, batch=1000)
        + SQLITE_SOURCE.format(name="branch", path=missing, batch=1000),
    )
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    engine = make_engine(url)
    seed(engine)
    Runner(engine, load_sync_config(config)).run(once=True)
    engine.dispose()

    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("HALL_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    first_run_on(at, "data_overview").run(timeout=60)
    assert not at.exception, [e.message for e in at.exception]
    assert t("data.sync", lang) in [h.value for h in at.subheader]
    assert [e.body for e in at.error] == [t("data.sync.failing", lang, n=1)]
    feeds = at.dataframe[0].value
    assert list(feeds[t("sync.col.source", lang)]) == ["branch", "qms"]
    assert list(feeds[t("sync.col.rows_total", lang)]) == [0, 30]
    assert list(feeds[t("sync.col.failures", lang)]) == [1, 0]
    errors = list(feeds[t("sync.col.error", lang)])
    assert errors[0].startswith("branch: unable to open database file") and errors[1] == ""


# --- values and watermarks -------------------------------------------------------------------


def test_cursor_values_become_the_text_an_export_holds():
    from decimal import Decimal

    from sync.sqlsource import db_text

    utc = dt.UTC
    assert [
        db_text(v)
        for v in (
            None,
            2,
            Decimal("3.00"),
            Decimal("2.5"),
            4.0,
            True,
            dt.datetime(2026, 3, 2, 9, 14, 5, 600_000),
            dt.datetime(2026, 3, 2, 1, 14, 5, tzinfo=utc),
            dt.date(2026, 3, 2),
            b"\xe5\x8f\x96\xe5\x8f\xb7",
        )
    ] == [
        "",
        "2",
        "3",
        "2.5",
        "4",
        "true",
        "2026-03-02 09:14:06",
        "2026-03-02 01:14:05+0000",
        "2026-03-02",
        "取号",
    ]


@pytest.mark.parametrize(
    ("stored", "since"),
    [
        (dt.datetime(2026, 3, 2, 9, 0), dt.datetime(2026, 3, 2, 8, 50)),
        ("2026-03-02 09:00:00", "2026-03-02 08:50:00"),
        ("2026-03-02T09:00:00", "2026-03-02T08:50:00"),
        (1200, 1190),
        ("A-17", "A-17"),
    ],
)
def test_the_look_back_applies_to_times_text_times_and_ids(tmp_path, stored, since):
    from sync.sqlsource import SqlSource

    path = write_config(
        tmp_path,
        '[[sync.sources]]\nname = "q"\nkind = "sql"\ntable = "tickets"\nurl = "sqlite:///v.db"\n'
        'source_table = "t"\nwatermark = "w"\nlookback_min = 10\nlookback_ids = 10\n',
    )
    config = load_sync_config(path)
    source = SqlSource(config.sources[0], config.rejects_dir)
    assert source.since(state.Watermark.of(stored)) == since
    mark = state.Watermark.of(stored)
    assert state.Watermark.decode(*mark.encode()) == mark


def test_the_loop_backs_off_a_failing_source_keeps_the_others_and_stops_on_request(
    tmp_path, monkeypatch
):
    import threading

    here = tmp_path / "here.db"
    vendor_file(here, 5)
    (tmp_path / "plain.toml").write_text(PLAIN_MAPPING, encoding="utf-8")
    fast = "interval_s = 0.1\nbackoff_max_s = 1\n"
    body = SQLITE_SOURCE.replace("interval_s = 1\n", "")
    config = write_config(
        tmp_path,
        body.format(name="here", path=here, batch=100)
        + fast
        + body.format(name="gone", path=tmp_path / "nowhere.db", batch=100)
        + fast,
    )
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    seed(engine)
    runner = Runner(engine, load_sync_config(config))
    rounds = {"here": 0, "gone": 0}
    for cfg, source in runner.sources:
        original = source.run_round

        def counted(*args, _name=cfg.name, _run=original, **kwargs):
            rounds[_name] += 1
            return _run(*args, **kwargs)

        source.run_round = counted
    stop = threading.Event()
    loop = threading.Thread(target=runner.run, kwargs={"stop": stop})
    started = time.monotonic()
    loop.start()
    # on a busy machine rounds come later: wait for them rather than for a fixed time
    wait_for(lambda: rounds["here"] >= 8 and rounds["gone"] >= 2, what="rounds of both sources")
    stop.set()
    loop.join(timeout=10)
    elapsed = time.monotonic() - started
    assert not loop.is_alive()
    # the healthy source ran every 0.1 s; the failing one backed off (0.2, 0.4, 0.8 s, then at
    # most once a second) instead of running at each interval
    assert rounds["gone"] <= 4 + elapsed
    assert rounds["gone"] < rounds["here"]
    with engine.connect() as conn:
        assert state.load(conn, "gone")["failures"] == rounds["gone"]
        assert state.load(conn, "here")["rows_total"] == 5
    engine.dispose()


def test_the_alert_rules_run_after_each_sweep_and_their_failure_never_stops_the_feeds(
    tmp_path, monkeypatch
):
    here = tmp_path / "here.db"
    vendor_file(here, 5)
    (tmp_path / "plain.toml").write_text(PLAIN_MAPPING, encoding="utf-8")
    config = write_config(tmp_path, SQLITE_SOURCE.format(name="here", path=here, batch=100))
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    seed(engine)
    seen: list[int] = []

    def after_sweep() -> None:  # sees the rows the sweep committed, then fails
        with engine.connect() as conn:
            seen.append(conn.execute(sa.text("select count(*) from tickets")).scalar_one())
        raise RuntimeError("the alert channel is down")

    logged: list[str] = []
    runner = Runner(engine, load_sync_config(config), log=logged.append, after_sweep=after_sweep)
    outcomes = runner.run(once=True)
    assert [o.ok for o in outcomes] == [True] and seen == [5]
    assert any("the alert channel is down" in line for line in logged)
    engine.dispose()


def test_feed_settings_changes_are_audited_once_each(tmp_path):
    """`hall sync run` notes the feeds it starts with: the first run adds them, an unchanged
    start writes nothing, a changed interval or database and a removed source are one row
    each, without the database password."""
    from access import audit
    from sync.changes import note_config
    from sync.config import SourceConfig, SyncConfig

    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    init_schema(engine)
    vendor = SourceConfig(
        name="叫号机", kind="sql", table="tickets", url="mysql+pymysql://qms:s3cret@10.0.0.5/qms"
    )
    inbox = SourceConfig(name="inbox", kind="folder", table="cases")
    config = SyncConfig(path=tmp_path / "hallpulse.toml", sources=(vendor, inbox))
    assert note_config(engine, config, who="cli:ops") == {
        "added": ["inbox", "叫号机"],
        "removed": [],
        "changed": [],
    }
    assert note_config(engine, config, who="cli:ops") is None
    slower = SyncConfig(config.path, (dataclasses.replace(vendor, interval_s=120.0), inbox))
    assert note_config(engine, slower, who="cli:ops")["changed"] == ["叫号机"]
    assert note_config(engine, SyncConfig(config.path, (inbox,)), who="cli:root") == {
        "added": [],
        "removed": ["叫号机"],
        "changed": [],
    }
    with engine.connect() as conn:
        trail = audit.read(conn, action="sync_change").to_dicts()
    assert [r["who"] for r in trail] == ["cli:ops", "cli:ops", "cli:root"]
    assert all("s3cret" not in (r["detail"] or "") for r in trail)
    assert "***" in trail[0]["detail"]
    engine.dispose()
