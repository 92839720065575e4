"""Shared fixtures: one database fixture parametrised over SQLite, PostgreSQL and MariaDB.

Server URLs come from HALL_TEST_PG_URL / HALL_TEST_MYSQL_URL (local defaults below). In CI
(CI=true) an unreachable server fails the test; elsewhere it is skipped with a message saying
what to install or start.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from queries.db import drop_schema, make_engine
from queries.schema import meta
from queries.schema import tickets as tickets_table
from workdays import clock


def _pin_a_week_with_visitors() -> None:
    """Pin the halls' clock ($HALLPULSE_NOW) for the whole run to last Friday 16:00 when the
    run starts on a Monday morning in the halls' time. The pages open on this week by default,
    and before the first visitors of a Monday there is nothing in it to show: runs at 01:36
    and 02:09 Beijing failed eleven page tests for that alone. Set here, in the process that
    starts pytest's workers, so that every worker and every app they start reads one clock;
    a clock pinned by the caller is left as it is."""
    if os.environ.get(clock.NOW_ENV, "").strip():
        return
    local = clock.now()
    if local.weekday() == 0 and local.hour < 12:
        friday = local.date() - dt.timedelta(days=3)
        os.environ[clock.NOW_ENV] = f"{friday.isoformat()}T16:00:00"


_pin_a_week_with_visitors()

BASE_URLS = {
    "postgresql": os.environ.get(
        "HALL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get("HALL_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}
# Under `pytest -n N` each worker has a database of its own beside the configured one
# (`test_gw0`, `test_gw1` …), created on first use, so parallel tests never share tables.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_url(url: str) -> str:
    if not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


SERVER_URLS = {backend: _worker_url(url) for backend, url in BASE_URLS.items()}
HOW_TO_GET = {
    "postgresql": "install and start PostgreSQL (Debian: apt-get install postgresql) with a "
    "trusted local user and a database `test`, or set HALL_TEST_PG_URL",
    "mariadb": "install and start MariaDB (Debian: apt-get install mariadb-server) with root and "
    "an empty password and a database `test`, or set HALL_TEST_MYSQL_URL",
}
BACKENDS = ("sqlite", "postgresql", "mariadb")

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

# Browser tests: Debian's Chromium, headless, nothing downloaded
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1600, "height": 1000}
RENDER_TIMEOUT_MS = 30_000


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(message: str) -> None:
    """Fail in CI, skip elsewhere: a missing server or browser is never silently ignored."""
    if in_ci():
        pytest.fail(f"{message} (CI=true: required)", pytrace=False)
    pytest.skip(message)


_CREATED: set[str] = set()


def _create_worker_database(backend: str) -> None:
    """Create this worker's database on the server of the configured one (once a process)."""
    if not WORKER or backend in _CREATED:
        return
    name = make_url(SERVER_URLS[backend]).database
    admin = sa.create_engine(BASE_URLS[backend], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if backend == "postgresql":
                exists = conn.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                ).first()
                if not exists:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            else:
                conn.execute(
                    sa.text(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
                )
    finally:
        admin.dispose()
    _CREATED.add(backend)


def server_engine(backend: str) -> Engine:
    try:
        _create_worker_database(backend)
        engine = make_engine(SERVER_URLS[backend])
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        first_line = str(exc.orig).strip().splitlines()[0]
        unavailable(f"{backend} not reachable ({first_line}): {HOW_TO_GET[backend]}")
    return engine


def empty_database(engine: Engine) -> None:
    drop_schema(engine)
    meta.drop(engine, checkfirst=True)


NO_SIGN_IN = '[access]\nauth = "none"\n'


@pytest.fixture(autouse=True)
def sign_in_off(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """The app's tests run without sign-in (`[access] auth = "none"`, under its red banner)
    unless they are about sign-in: those, and any test that sets HALLPULSE_CONFIG itself,
    replace this file (a test that writes its own hallpulse.toml for the app adds NO_SIGN_IN)."""
    config = tmp_path_factory.getbasetemp() / "no-sign-in.toml"
    if not config.exists():
        config.write_text(NO_SIGN_IN, encoding="utf-8")
    monkeypatch.setenv("HALLPULSE_CONFIG", str(config))


def server_sample(backend: str, in_sample: bool) -> None:
    """A sweep (every grouping × every setting …) runs whole on SQLite; on a server only the
    cases `in_sample` run. Each query is the same SQL on every backend, built the same way
    whatever the sweep's value, so the servers check their dialect on a sample, and the suite
    does not pay the sweep three times."""
    if backend != "sqlite" and not in_sample:
        name = {"mysql": "mariadb"}.get(backend, backend)  # a dialect's name, or a backend's
        pytest.skip(f"{name}: outside the servers' sample of this sweep (whole on SQLite)")


# the pages whose URL path (streamlit_app.py) is not their file's name
URL_PATHS = {
    "big_screen": "screen",
    "weekly_report": "weekly-report",
    "data_overview": "data",
    "data_import": "import",
}


def first_run_on(at, page: str):
    """Point an AppTest's first run at `page` (dashboard/pages/<page>.py) by its URL path, as a
    browser opening /<url_path> runs the app once on that page. Without it the first run draws
    the default page (总览, through the home page's switch) and a switch_page runs the app
    again: every page test paid for an overview. AppTest resolves a page by its file's name
    until the app has registered its pages, so the script hash of `st.Page` (its url_path's)
    is set here; a wrong URL path lands on no page and the test's own checks fail."""
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(URL_PATHS.get(page, page))
    return at


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database on each backend in turn."""
    yield empty_url(request.param, tmp_path)


def empty_url(backend: str, folder: Path) -> str:
    """A URL of an empty database on `backend`: a new SQLite file in `folder`, or this
    worker's server database emptied."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'hall.db'}"
    engine = server_engine(backend)
    empty_database(engine)
    engine.dispose()
    return SERVER_URLS[backend]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@functools.cache
def demo_facts(options) -> tuple:
    """The demo's facts for `options`, simulated once per test process: a module that writes
    the same demo to SQLite, PostgreSQL and MariaDB simulates it once
    (`write_demo(engine, options, facts=demo_facts(options))`)."""
    from simulation.demo import generate

    return tuple(generate(options))


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    """A demo SQLite database of the last two weeks up to this minute: (URL, tickets).

    Two weeks so that a holiday break (up to nine days at Spring Festival) still leaves open days.
    """
    from simulation.demo import DemoOptions
    from simulation.writer import write_demo

    now = clock.now().replace(second=0)  # on the demo halls' clock (Beijing), not the server's
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'hall.db'}"
    engine = make_engine(url)
    try:
        write_demo(engine, DemoOptions(end=now.date(), days=14, now=now))
        with engine.connect() as conn:
            tickets = conn.execute(
                sa.select(sa.func.count()).select_from(tickets_table)
            ).scalar_one()
    finally:
        engine.dispose()
    assert tickets > 0
    return url, tickets


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for files a person should look at (screenshots, rendered pages)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for a browser test module (a module-level `server` fixture gives
    the app's base URL to `page`)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        unavailable("Chromium not found: apt-get install chromium fonts-noto-cjk")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server: str):
    """A fresh Chinese-locale page on the module's server."""
    context = browser.new_context(viewport=VIEWPORT, base_url=server, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(RENDER_TIMEOUT_MS)
    yield page
    context.close()
