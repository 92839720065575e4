"""The `hall` command line: db init, db overview, demo, argument and connection errors."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.main import main
from queries import rollups, schema
from queries.db import URL_ENV, get_meta, make_engine
from workdays import clock, unannounced_warning

DEMO = ["--days", "2", "--end", "2026-03-04", "--seed", "3"]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli' / 'hall.db'}"


def _table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _count(url: str, table: sa.Table, where=None) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stmt = sa.select(sa.func.count()).select_from(table)
            if where is not None:
                stmt = stmt.where(where)
            return conn.execute(stmt).scalar_one()
    finally:
        engine.dispose()


def _init_span() -> tuple[dt.date, dt.date]:
    today = clock.today()
    return dt.date(today.year - 1, 1, 1), dt.date(today.year + 1, 12, 31)


def test_db_init_creates_the_schema_and_calendar_twice_over(sqlite_url: str, capsys):
    first, last = _init_span()
    days = (last - first).days + 1

    assert main(["db", "init", "--db", sqlite_url]) == 0
    out, err = capsys.readouterr()
    assert {t.name for t in schema.ALL_TABLES} <= _table_names(sqlite_url)
    assert f"calendar: {days} dates added" in out
    assert _count(sqlite_url, schema.calendar) == days
    warning = unannounced_warning(first, last)
    if warning is None:
        assert err == ""
    else:
        assert warning in err  # the span reaches next year: said plainly, not an error

    assert main(["db", "init", "--db", sqlite_url]) == 0
    out, _ = capsys.readouterr()
    assert "calendar: 0 dates added" in out
    assert _count(sqlite_url, schema.calendar) == days


def test_db_init_uses_the_environment_url_without_db(tmp_path: Path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'from-env.db'}"
    monkeypatch.setenv(URL_ENV, url)
    assert main(["db", "init"]) == 0
    assert f"schema ready at {url}" in capsys.readouterr().out
    assert {t.name for t in schema.ALL_TABLES} <= _table_names(url)


def test_demo_writes_refuses_to_overwrite_and_replaces(sqlite_url: str, capsys):
    t = schema.tickets
    assert main(["demo", "--db", sqlite_url, *DEMO]) == 0
    out, err = capsys.readouterr()
    assert "simulating 2 days (2026-03-03 … 2026-03-04, cut at 2026-03-04 23:59)" in err
    assert out.startswith("done in ")
    tickets = _count(sqlite_url, t)
    assert tickets > 0
    assert f"tickets {tickets:,}" in out
    in_range = t.c.issued_at.between(dt.datetime(2026, 3, 3), dt.datetime(2026, 3, 5))
    assert _count(sqlite_url, t, in_range) == tickets
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        demo = {k: v for k, v in get_meta(conn).items() if k.startswith("demo_")}
        assert demo == {"demo_seed": "3", "demo_end": "2026-03-04", "demo_days": "2"}
        assert rollups.rolled_span(conn) == (dt.date(2026, 3, 3), dt.date(2026, 3, 4))
    engine.dispose()

    assert main(["demo", "--db", sqlite_url, *DEMO]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "hall demo: the database already holds" in err
    assert "use --replace" in err
    assert _count(sqlite_url, t) == tickets  # nothing written

    assert main(["demo", "--db", sqlite_url, *DEMO, "--replace"]) == 0
    capsys.readouterr()
    assert _count(sqlite_url, t) == tickets  # same seed, same days: the same simulation


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["demo", "--days", "0"], "must be a positive whole number: '0'", id="days-0"),
        pytest.param(
            ["demo", "--days", "-3"], "must be a positive whole number: '-3'", id="days-negative"
        ),
        pytest.param(
            ["demo", "--days", "two"], "must be a positive whole number: 'two'", id="days-text"
        ),
        pytest.param(
            ["demo", "--end", "2026-13-01"],
            "not a date (YYYY-MM-DD): '2026-13-01'",
            id="end-month-13",
        ),
        pytest.param(
            ["demo", "--now", "2026-03-04 25:00"],
            "not a date-time (YYYY-MM-DD HH:MM[:SS]): '2026-03-04 25:00'",
            id="now-hour-25",
        ),
        pytest.param(["demo", "--seed", "x"], "invalid int value: 'x'", id="seed-text"),
        pytest.param(["db"], "required: db_command", id="db-without-subcommand"),
    ],
)
def test_argument_errors_exit_2_naming_the_value(argv: list[str], message: str, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("usage: hall")


def test_unreachable_database_returns_2(capsys):
    url = "postgresql+psycopg://postgres@127.0.0.1:1/test"
    assert main(["db", "init", "--db", url]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"hall: cannot reach the database {url}: ")
    assert len(err.strip().splitlines()) == 1  # one line, no traceback


def test_db_overview_before_init_says_to_initialise_not_unreachable(sqlite_url: str, capsys):
    assert main(["db", "overview", "--db", sqlite_url]) == 1
    err = capsys.readouterr().err
    assert "has no HallPulse tables yet" in err and "hall db init" in err
    assert "cannot reach the database" not in err


def test_db_overview_json_after_a_demo(sqlite_url: str, capsys):
    assert main(["demo", "--db", sqlite_url, *DEMO]) == 0
    capsys.readouterr()
    assert main(["db", "overview", "--db", sqlite_url, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_key = {(r["hall_id"], r["table"]): r for r in rows}
    h01 = by_key[("H01", "tickets")]
    assert h01["rows"] > 0
    h01_tickets = _count(
        sqlite_url,
        schema.tickets,
        schema.tickets.c.hall_id == "H01",
    )
    assert h01["rows"] == h01_tickets
    assert h01["first_at"].startswith("2026-03-03")
    assert h01["last_at"].startswith("2026-03-04")
    assert h01["age_min"] > 0  # minutes since the last ticket, up to the real now
    assert sum(r["rows"] for r in rows if r["table"] == "tickets") == _count(
        sqlite_url, schema.tickets
    )


def test_installed_console_script_help():
    hall = Path(sys.executable).parent / "hall"
    result = subprocess.run(
        [str(hall), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: hall")
    commands = set(re.search(r"\{([a-z,]+)\}", result.stdout)[1].split(","))
    expected = {"db", "demo", "import", "export", "metrics", "quality", "config", "report"}
    assert expected | {"forecast", "staffing"} <= commands
    assert "fill the database with a simulated district network" in result.stdout


# libraries `hall metrics` has no use for: plotting, pandas and its arrow, numpy, forecasting,
# the other databases' dialects and drivers, password hashing (issue 15: the command is a whole
# process, its imports included)
METRICS_NEVER_IMPORTS = (
    "pandas",
    "pyarrow",
    "plotly",
    "numpy",
    "matplotlib",
    "streamlit",
    "prophet",
    "holidays",
    "argon2",
    "psycopg",
    "pymysql",
    "sqlalchemy.orm",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.dialects.mysql",
)


def test_metrics_command_imports_none_of_the_heavy_libraries(sqlite_url: str):
    """`hall metrics` on SQLite, in a fresh interpreter as the console script runs it: the
    figures come out and none of METRICS_NEVER_IMPORTS (nor a module of theirs) is loaded."""
    assert main(["demo", "--db", sqlite_url, *DEMO]) == 0
    args = ["metrics", "--db", sqlite_url, "--from", "2026-03-03", "--to", "2026-03-04"]
    script = (
        "import json, sys\n"
        "from cli.main import main\n"
        f"code = main({[*args, '--hall', 'H01', '--json']!r})\n"
        f"heavy = {METRICS_NEVER_IMPORTS!r}\n"
        "loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') "
        "for h in heavy))\n"
        "print(json.dumps({'code': code, 'loaded': loaded}), file=sys.stderr)\n"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert report == {"code": 0, "loaded": []}
    figures = json.loads(result.stdout)
    assert figures["tickets"]["issued"] > 0
