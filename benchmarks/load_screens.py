"""Benchmark: many viewers at once — big screens on the wall and analysts reloading 总览 —
against one server, started as `make run` starts it (`python -m dashboard.serve`), in real
Chromium pages, in viewers speaking Streamlit's own protocol, or in both at once.

    .venv/bin/python benchmarks/load_screens.py [--db URL] [--screens 20] [--analysts 10]
        [--duration 600] [--refresh 30] [--reload 30] [--halls H01,H02,…]
        [--viewers browser|protocol|mixed] [--browsers 2] [--analyst-halls all|H,…]

Without --db a two-week demo is written to a temporary SQLite file; with --db (SQLite,
PostgreSQL, MariaDB) the database is used as it is (it must hold the HallPulse tables and
halls). Sign-in is on, as in production: the benchmark makes a kiosk link per hall for the
screens (`access.kiosk.add`) and a director account for the analysts, and revokes / leaves
them afterwards (the link is revoked, the account stays and is named in the output). For a
database whose days end in the past (the 365-day demo), set HALLPULSE_NOW (for instance
"2026-11-27 18:00"): the server then shows that moment, and 总览 has figures to open with.

Viewers (--viewers):
  browser      every viewer is a Chromium page (/usr/bin/chromium through Playwright): the
               whole experience, but on one machine thirty renderers take most of the CPU,
               so the figures are the browsers' more than the server's
  protocol     every viewer speaks Streamlit's WebSocket protocol (benchmarks/st_client.py):
               a few milliseconds of CPU per run, so the figures are the server's; what it
               cannot tell is how long a browser takes to draw the page
  mixed        --browsers of the viewers (default 2: one screen and one analyst; half of
               them analysts, rounded down) are Chromium pages and the others speak the
               protocol, all opened at the same moment: the server carries the full load
               while real pages measure what a person sees

Phases and figures, for each kind of viewer (chromium, protocol) apart, each printed next to
its target from the issue:
  cold open    every viewer opened at the same moment on a fresh server: from the request
               to the first figures (screen: its KPI tiles; analyst: signed in and 总览's
               tiles)
  refresh      screens: each redraw of the screen's fragment (Chromium: script state
               running → idle, timed in the page; protocol: from the page timer's request to
               the finished run); analysts: a rerun of 总览 until its tiles are back
  errors       exceptions shown, viewers that failed to open, failed refreshes
  memory       the server's resident memory, sampled every 10 s: first, last, peak
  CPU          seconds of the server and of the viewers (Chromium with Playwright's driver,
               and this process: the protocol viewers and Playwright's client) per phase

Targets: refresh p95 ≤ 1 s for screens and analysts, cold open p95 ≤ 5 s, zero errors, memory
flat (last ≤ first + 10 %). The run exits 1 when a target is missed by either kind of viewer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_REFRESH_P95_S = 1.0
TARGET_COLD_P95_S = 5.0
TARGET_MEMORY_GROWTH = 0.10
KINDS = ("screen", "analyst")
CLIENTS = ("chromium", "protocol")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-background-timer-throttling",  # pages in the background still refresh
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
SCREEN_FIGURES = '[data-key="waiting_now"]'
ANALYST_FIGURES = '[data-testid="stMetric"]'
PASSWORD = "Bench-mark-2026!"
ANALYST = "bench-analyst"

# in each page: time every run of the script (a screen's fragment redraw is one), from the
# moment the app says "running" to the moment it is idle again
RUN_TIMER = """
() => {
  window.__runs = []; window.__started = null;
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => {
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running' && window.__started === null) window.__started = performance.now();
    if (state !== 'running' && window.__started !== null) {
      window.__runs.push((performance.now() - window.__started) / 1000);
      window.__started = null;
    }
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}
"""

# before each key R: no field keeps the focus (R would be typed into it), and a window blur,
# as when a person switches windows, makes Streamlit forget the keys it believes held — it
# ignores a key whose keyup it missed, and after a rerun it sometimes misses R's (2 reloads
# of 8 in a row on one page, 2026-12-06)
FORGET_KEYS = """
() => {
  if (document.activeElement) document.activeElement.blur();
  window.dispatchEvent(new Event('blur'));
}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a two-week demo in SQLite)")
    parser.add_argument("--screens", type=int, default=20, help="big screens (20)")
    parser.add_argument("--analysts", type=int, default=10, help="analysts on 总览 (10)")
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (600)")
    parser.add_argument("--refresh", type=float, default=30, help="screen refresh, s (30)")
    parser.add_argument("--reload", type=float, default=30, help="analyst reload every s (30)")
    parser.add_argument("--halls", help="halls the screens show, round robin (default: all)")
    parser.add_argument(
        "--analyst-halls",
        help="the analysts' director account's halls: all (a city's director), a comma list, "
        "default the screens' first hall; an account made by an earlier run is kept as it is",
    )
    parser.add_argument(
        "--query",
        default="period=this_week",
        help="总览's URL query for the analysts (a period the database has data for, e.g. "
        "period=custom&from=2026-11-01&to=2026-11-27; default period=this_week)",
    )
    parser.add_argument("--log", type=Path, help="keep the server's log here")
    parser.add_argument(
        "--viewers",
        choices=("browser", "protocol", "mixed"),
        default="browser",
        help="browser: real Chromium pages (the whole experience, but on one machine the "
        "browsers take most of the CPU); protocol: viewers that speak Streamlit's own "
        "WebSocket protocol (benchmarks/st_client.py), so the figures are the server's; "
        "mixed: --browsers of them in Chromium, the others over the protocol",
    )
    parser.add_argument(
        "--browsers",
        type=int,
        help="with --viewers mixed: how many viewers are Chromium pages (2: one screen and "
        "one analyst; half of them analysts, rounded down)",
    )
    args = parser.parse_args()
    total = args.screens + args.analysts
    if args.browsers is not None and args.viewers != "mixed":
        parser.error("--browsers goes with --viewers mixed")
    browsers = {"browser": total, "protocol": 0}.get(args.viewers, args.browsers)
    browsers = 2 if browsers is None else browsers
    if not 0 <= browsers <= total:
        parser.error(f"--browsers must be between 0 and the {total} viewers")
    plan = plan_viewers(args.screens, args.analysts, browsers)
    with tempfile.TemporaryDirectory(prefix="load-screens-") as tmp:
        folder = Path(tmp)
        url = args.db or demo_database(folder)
        return asyncio.run(run(args, url, folder, plan))


def demo_database(folder: Path) -> str:
    from queries.db import make_engine
    from simulation.demo import DemoOptions
    from simulation.writer import write_demo
    from workdays import clock

    url = f"sqlite:///{folder / 'hall.db'}"
    started = time.perf_counter()
    engine = make_engine(url)
    now = clock.now().replace(second=0, microsecond=0)
    write_demo(engine, DemoOptions(end=now.date(), days=14, now=now))
    engine.dispose()
    print(f"demo database (14 days up to {now:%Y-%m-%d %H:%M}) in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    return url


def prepare(
    url: str, halls_arg: str | None, analyst_halls: str | None = None
) -> tuple[dict[str, str], list[int]]:
    """Kiosk links for the halls the screens show (hall → token), and the analysts' account:
    a director of `analyst_halls` ("all": every hall of the database, a city's director; a
    comma list; default the screens' first hall), made once and reused as it is."""
    import sqlalchemy as sa

    from access import accounts, kiosk
    from queries import schema
    from queries.db import make_engine

    engine = make_engine(url)
    tokens: dict[str, str] = {}
    links: list[int] = []
    with engine.begin() as conn:
        halls = [r[0] for r in conn.execute(sa.select(schema.halls.c.hall_id).order_by("hall_id"))]
        if halls_arg:
            halls = [h for h in halls_arg.split(",") if h in halls]
        if not halls:
            raise SystemExit("no halls in the database: run `hall demo` first or give --halls")
        for hall in halls:
            link, tokens[hall] = kiosk.add(conn, hall, by="cli:load_screens", label="load test")
            links.append(link.link_id)
        if accounts.get_user(conn, ANALYST) is None:
            every = [r[0] for r in conn.execute(sa.select(schema.halls.c.hall_id))]
            granted = (
                every
                if analyst_halls == "all"
                else [h for h in analyst_halls.split(",") if h in every]
                if analyst_halls
                else [halls[0]]
            )
            accounts.add_user(
                conn, ANALYST, "director", by="cli:load_screens", password=PASSWORD,
                halls=granted,
            )  # fmt: skip
        else:
            accounts.set_password(conn, ANALYST, PASSWORD, by="cli:load_screens")
    engine.dispose()
    return tokens, links


def revoke(url: str, links: list[int]) -> None:
    from access import kiosk
    from queries.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        for link_id in links:
            kiosk.revoke(conn, link_id, by="cli:load_screens")
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    url: str, folder: Path, refresh_s: float, log: Path
) -> tuple[subprocess.Popen, str]:
    config = folder / "hallpulse.toml"
    config.write_text(f"[screen]\nrefresh_s = {refresh_s:g}\n", encoding="utf-8")
    port = free_port()
    command = [
        sys.executable, "-m", "dashboard.serve",  # as `make run` serves it: warmed up first
        "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
    ]  # fmt: skip
    env = {**os.environ, "HALL_DB_URL": url, "HALLPULSE_CONFIG": str(config)}
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"streamlit exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return proc, base
        except OSError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("streamlit did not become healthy in 120 s")


def rss_mib(pid: int) -> float:
    """Resident memory of the server process and its children, MiB (from /proc)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def tree(pid: int) -> list[int]:
    """pid and every process below it (from /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children(p)
    return out


def cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system, with reaped children) the processes have used so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])
    return total / tick


class Cpu:
    """CPU seconds of the server and of the viewers (this benchmark and everything it started
    besides the server) between marks. The viewers' share is split between the browsers
    (Chromium and Playwright's driver, the processes below this one) and this process (the
    protocol viewers and Playwright's client). On one machine the viewers compete with the
    server for the same cores; in a hall each screen is its own computer, so the split says
    how much of a figure is the server's."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.marks: list[tuple[str, float, float, float, float]] = []

    def read(self) -> tuple[float, float, float]:
        """CPU-s so far of the server, of the browsers and of this process."""
        server = tree(self.server_pid)
        below = [p for p in tree(os.getpid()) if p not in server and p != os.getpid()]
        return cpu_s(server), cpu_s(below), cpu_s([os.getpid()])

    def mark(self, name: str) -> None:
        self.marks.append((name, time.perf_counter(), *self.read()))

    def lines(self) -> list[str]:
        out = []
        for (_, t0, s0, b0, o0), (name, t1, s1, b1, o1) in zip(
            self.marks, self.marks[1:], strict=False
        ):
            browsers, own = b1 - b0, o1 - o0
            out.append(
                f"    {name:<10} {t1 - t0:6.1f} s wall: server {s1 - s0:6.1f} CPU-s, "
                f"viewers {browsers + own:6.1f} CPU-s (browsers {browsers:.1f}, this process "
                f"{own:.1f}; {os.cpu_count()} cores)"
            )
        return out


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Viewer:
    kind: str  # "screen" | "analyst"
    n: int  # its number among its kind: screens show the halls round robin by it
    client: str  # "chromium" | "protocol"


def plan_viewers(screens: int, analysts: int, browsers: int) -> list[Viewer]:
    """Every viewer and how it opens: `browsers` of them are Chromium pages — half of them
    analysts (rounded down), the rest screens, as far as there are viewers of each kind —
    the first of their kind; the others speak Streamlit's protocol."""
    browsers = max(0, min(browsers, screens + analysts))
    in_chromium = {"analyst": min(analysts, browsers // 2)}
    in_chromium["screen"] = min(screens, browsers - in_chromium["analyst"])
    in_chromium["analyst"] = browsers - in_chromium["screen"]
    return [
        Viewer(kind, n, "chromium" if n < in_chromium[kind] else "protocol")
        for kind, count in (("screen", screens), ("analyst", analysts))
        for n in range(count)
    ]


def describe(counts: dict[str, int]) -> str:
    """`{"screen": 3, "analyst": 1}` → "3 screens + 1 analyst" (kinds with none left out)."""
    parts = [f"{counts[k]} {k}{'' if counts[k] == 1 else 's'}" for k in KINDS if counts.get(k)]
    return " + ".join(parts) or "no viewers"


class Results:
    """The figures of one kind of viewer: Chromium pages or protocol viewers."""

    def __init__(self, client: str = "chromium", planned: dict[str, int] | None = None) -> None:
        self.client = client
        self.planned = planned or {}  # viewers of each kind (screen, analyst) it has
        self.cold: dict[str, list[float]] = {"screen": [], "analyst": []}
        self.refresh: dict[str, list[float]] = {"screen": [], "analyst": []}
        self.errors: list[str] = []
        self.missed_keys = 0  # key R presses the page ignored and that were pressed again


def group(plan: list[Viewer]) -> dict[str, Results]:
    """client → the Results its viewers fill in, for the clients the plan has (chromium
    first)."""
    return {
        client: Results(client, {k: sum(v.kind == k for v in mine) for k in KINDS})
        for client in CLIENTS
        if (mine := [v for v in plan if v.client == client])
    }


async def open_screen(browser, base: str, hall: str, token: str, res: Results):
    from urllib.parse import urlencode

    context = await browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = await context.new_page()
    page.set_default_timeout(120_000)
    page.on("pageerror", lambda exc: res.errors.append(f"screen {hall}: {exc}"))
    started = time.perf_counter()
    await page.goto(f"{base}/screen?{urlencode({'hall': hall, 'kiosk': token})}")
    await page.wait_for_selector(SCREEN_FIGURES)
    res.cold["screen"].append(time.perf_counter() - started)
    await page.wait_for_selector(IDLE, state="attached")
    await page.evaluate(RUN_TIMER)
    return page


async def sign_in(page, base: str, query: str) -> None:
    await page.goto(f"{base}/overview?{query}")
    await page.get_by_role("textbox", name="用户名", exact=True).fill(ANALYST)
    await page.get_by_role("textbox", name="密码", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()


async def open_analyst(browser, base: str, n: int, query: str, res: Results):
    context = await browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = await context.new_page()
    page.set_default_timeout(120_000)
    page.on("pageerror", lambda exc: res.errors.append(f"analyst {n}: {exc}"))
    started = time.perf_counter()
    await sign_in(page, base, query)
    await page.wait_for_selector(ANALYST_FIGURES)
    res.cold["analyst"].append(time.perf_counter() - started)
    return page


async def press_rerun(page, before: int, res: Results, tries: int = 3) -> None:
    """Key R until the page starts its run: Streamlit now and then drops a key whose keyup it
    missed (1 reload of 7 on one page, 2026-12-06, with a blur before it), which is the
    harness's miss, not the server's. A key the page ignored for 5 s is pressed again and
    counted (`res.missed_keys`); the reload's time runs from the run's start either way."""
    started = f"() => window.__started !== null || window.__runs.length > {before}"
    for attempt in range(tries):
        await page.evaluate(FORGET_KEYS)
        await page.keyboard.press("r")
        try:
            await page.wait_for_function(started, timeout=5_000)
            return
        except Exception:
            if attempt == tries - 1:
                raise
            res.missed_keys += 1


async def analyst_loop(page, n: int, every_s: float, until: float, res: Results) -> None:
    """Every `every_s` the analyst reloads 总览 in the signed-in session (Streamlit's rerun,
    key R: the whole page script runs again; a browser reload would be a new session and a
    new sign-in, whose password hash is slow on purpose)."""
    await page.wait_for_selector(IDLE, state="attached")
    await page.evaluate(RUN_TIMER)
    await asyncio.sleep(every_s * (n % 10) / 10)  # spread the reloads
    while time.monotonic() + every_s < until:
        await asyncio.sleep(every_s)
        before = await page.evaluate("() => window.__runs.length")
        try:
            await press_rerun(page, before, res)
            await page.wait_for_function(f"() => window.__runs.length > {before}", timeout=60_000)
            if await page.locator(ANALYST_FIGURES).count() == 0:
                res.errors.append(f"analyst {n}: 总览 without figures after a reload")
        except Exception as exc:
            res.errors.append(f"analyst {n} reload: {str(exc).splitlines()[0]}")
            continue
        res.refresh["analyst"].append(await page.evaluate("() => window.__runs.at(-1)"))


async def memory_loop(pid: int, until: float, memory: list[tuple[float, float]]) -> None:
    began = time.monotonic()
    while time.monotonic() < until:
        memory.append((time.monotonic() - began, rss_mib(pid)))
        await asyncio.sleep(10)
    memory.append((time.monotonic() - began, rss_mib(pid)))


async def count_exceptions(pages, res: Results) -> None:
    for kind, page in pages:
        try:
            shown = await page.locator(EXCEPTION).count()
        except Exception as exc:
            res.errors.append(f"{kind}: page unusable ({exc})")
            continue
        if shown:
            res.errors.append(f"{kind}: {shown} exception(s) shown")


async def open_all(
    openers: list[tuple[Viewer, Awaitable]], groups: dict[str, Results]
) -> tuple[list[tuple[Viewer, object]], float]:
    """Open every viewer at the same moment: [(viewer, page or session)] of those that opened
    (the others are errors of their client) and the seconds until the last one had its
    figures."""
    started = time.perf_counter()
    opened = await asyncio.gather(*(o for _, o in openers), return_exceptions=True)
    all_open_s = time.perf_counter() - started
    viewers = []
    for (viewer, _), opened_as in zip(openers, opened, strict=True):
        if isinstance(opened_as, BaseException):
            groups[viewer.client].errors.append(
                f"{viewer.kind} {viewer.n}: did not open ({opened_as or repr(opened_as)})"
            )
        else:
            viewers.append((viewer, opened_as))
    return viewers, all_open_s


def stop_server(proc, url: str, links: list[int], log: Path, kept_log: bool, errors: bool):
    """Stop the server, revoke the kiosk links, keep the server's log when a viewer failed."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    revoke(url, links)
    if not kept_log and errors:
        kept = Path(tempfile.gettempdir()) / f"load_screens-{os.getpid()}.log"
        shutil.copy(log, kept)
        print(f"server log kept in {kept}")


def has_metrics(elements) -> bool:
    return any(kind == "metric" for kind, _ in elements)


async def protocol_screen(base: str, hall: str, token: str, res: Results):
    from urllib.parse import urlencode

    from st_client import Session

    started = time.perf_counter()
    session = await Session.open(base, "screen", urlencode({"hall": hall, "kiosk": token}))
    await session.run()
    res.cold["screen"].append(time.perf_counter() - started)
    if not session.auto_reruns:
        raise RuntimeError(f"screen {hall}: the page asked for no timed refresh")
    return session


async def protocol_analyst(base: str, n: int, query: str, res: Results):
    from st_client import Session

    started = time.perf_counter()
    session = await Session.open(base, "overview", query)
    await session.run()
    try:
        await session.sign_in(ANALYST, PASSWORD, until=has_metrics, timeout=120)
    except TimeoutError:
        raise RuntimeError(
            "总览 showed no figures within 120 s of signing in (a database whose days end "
            "before this week has none in 总览's default period: set HALLPULSE_NOW to a time "
            "inside them)"
        ) from None
    res.cold["analyst"].append(time.perf_counter() - started)
    return session


async def protocol_loop(session, kind: str, n: int, every_s: float, until: float, res):
    """A screen reruns its fragment at the interval the page set (as the browser's timer
    does), an analyst reruns 总览 every `every_s` (key R); each run is timed from the request
    to the finished script."""
    fragment = ""
    if kind == "screen":
        every_s, fragment = session.auto_reruns[0]
    await asyncio.sleep(every_s * (n % 10) / 10)  # spread them, as real viewers are
    while time.monotonic() + every_s < until:
        await asyncio.sleep(every_s)
        try:
            if fragment:
                run = await session.run(fragment_id=fragment, auto=True, timeout=60)
            else:
                run = await session.run(until=has_metrics, timeout=60)
        except Exception as exc:
            res.errors.append(f"{kind} {n} refresh: {str(exc).splitlines()[0]}")
            continue
        res.refresh[kind].append(run.seconds)


def opener(viewer: Viewer, browser, base: str, tokens: dict[str, str], query: str, res: Results):
    """What opens one viewer: a Chromium page or a protocol session, a screen (on the hall
    its number gives, round robin) or an analyst."""
    halls = list(tokens)
    hall = halls[viewer.n % len(halls)]
    if viewer.client == "chromium":
        if viewer.kind == "screen":
            return open_screen(browser, base, hall, tokens[hall], res)
        return open_analyst(browser, base, viewer.n, query, res)
    if viewer.kind == "screen":
        return protocol_screen(base, hall, tokens[hall], res)
    return protocol_analyst(base, viewer.n, query, res)


async def run(args: argparse.Namespace, url: str, folder: Path, plan: list[Viewer]) -> int:
    from queries.db import redact

    tokens, links = prepare(url, args.halls, args.analyst_halls)
    log = args.log or folder / "server.log"
    proc, base = start_server(url, folder, args.refresh, log)
    groups = group(plan)
    memory: list[tuple[float, float]] = []
    halls = list(tokens)
    clients = {
        "chromium": "in Chromium",
        "protocol": "speaking Streamlit's protocol (no browser)",
    }
    how = ", ".join(f"{describe(res.planned)} {clients[c]}" for c, res in groups.items())
    print(f"{args.screens} screens ({', '.join(halls[: args.screens])}) + {args.analysts} "
          f"analysts on {redact(url)}, {args.duration:g} s: {how}; screens refresh every "
          f"{args.refresh:g} s, analysts reload every {args.reload:g} s")  # fmt: skip
    try:
        async with contextlib.AsyncExitStack() as stack:
            browser = None
            if "chromium" in groups:
                from playwright.async_api import async_playwright

                playwright = await stack.enter_async_context(async_playwright())
                browser = await playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS
                )
                stack.push_async_callback(browser.close)
            cpu = Cpu(proc.pid)
            cpu.mark("start")
            viewers, all_open_s = await open_all(
                [(v, opener(v, browser, base, tokens, args.query, groups[v.client])) for v in plan],
                groups,
            )
            cpu.mark("cold open")
            pages = [(f"{v.kind} {v.n}", page) for v, page in viewers if v.client == "chromium"]
            await count_exceptions(pages, groups.get("chromium", Results()))
            until = time.monotonic() + args.duration
            loops = []
            for v, opened in viewers:
                res = groups[v.client]
                if v.client == "protocol":
                    loops.append(protocol_loop(opened, v.kind, v.n, args.reload, until, res))
                elif v.kind == "analyst":
                    loops.append(analyst_loop(opened, v.n, args.reload, until, res))
            await asyncio.gather(
                memory_loop(proc.pid, until, memory),
                *loops,
                asyncio.sleep(max(0.0, until - time.monotonic())),  # Chromium screens' timers
            )
            cpu.mark("load")
            for v, opened in viewers:
                res = groups[v.client]
                if v.client == "protocol":
                    await opened.close()
                elif v.kind == "screen":
                    try:
                        res.refresh["screen"] += await opened.evaluate("() => window.__runs")
                    except Exception as exc:
                        res.errors.append(f"screen {v.n}: timings lost ({exc})")
            await count_exceptions(pages, groups.get("chromium", Results()))
    finally:
        failed = any(res.errors for res in groups.values())
        stop_server(proc, url, links, log, args.log is not None, failed)
    return report(list(groups.values()), memory, all_open_s, cpu)


def report_group(res: Results) -> list[bool]:
    """Print one kind of viewer's figures beside their targets; whether each target is met
    (kinds of viewer it has none of are left out)."""

    def fmt(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f} s"

    def line(name: str, value: float | None, target: float, extra: str = "") -> bool:
        ok = value is not None and value <= target
        print(f"    {name:<30} {fmt(value):>9}   target ≤ {target:g} s  "
              f"{'ok' if ok else 'MISSED'}{extra}")  # fmt: skip
        return ok

    print(f"  {res.client}: {describe(res.planned)}")
    kinds = [k for k in KINDS if res.planned.get(k)]
    oks = []
    cold = [s for k in kinds for s in res.cold[k]]
    planned = sum(res.planned.get(k, 0) for k in kinds)
    oks.append(line("cold open p95", p95(cold), TARGET_COLD_P95_S,
                    f"   (n={len(cold)} of {planned})"))  # fmt: skip
    for kind in kinds:
        values = res.cold[kind]
        if values:
            print(f"      {kind:<8} cold open median {statistics.median(values):.2f} s, "
                  f"max {max(values):.2f} s")  # fmt: skip
    for kind, name in (("screen", "screen refresh p95"), ("analyst", "overview reload p95")):
        if kind not in kinds:
            continue
        values = res.refresh[kind]
        extra = f"   (n={len(values)}" + (
            f", median {statistics.median(values):.2f} s)" if values else ")"
        )
        oks.append(line(name, p95(values), TARGET_REFRESH_P95_S, extra))
    print(f"    {'errors':<30} {len(res.errors):>9}   target 0  "
          f"{'ok' if not res.errors else 'MISSED'}")  # fmt: skip
    for error in res.errors[:10]:
        print(f"      {error[:200]}")
    if res.missed_keys:
        print(f"      key R ignored by the page and pressed again: {res.missed_keys} time(s)")
    oks.append(not res.errors)
    return oks


def report(
    groups: list[Results], memory: list[tuple[float, float]], all_open_s: float, cpu: Cpu
) -> int:
    """Print the figures of each kind of viewer, the server's memory and the CPU split;
    0 when every target is met, else 1."""
    print("results")
    oks = []
    for res in groups:
        oks += report_group(res)
    print(f"  {'every viewer open after':<32} {all_open_s:7.1f} s")
    if len(memory) >= 2:
        first, last = memory[0][1], memory[-1][1]
        peak = max(m for _, m in memory)
        flat = last <= first * (1 + TARGET_MEMORY_GROWTH)
        print(f"  {'server memory first → last':<32} {first:,.0f} → {last:,.0f} MiB "
              f"(peak {peak:,.0f})   target: last ≤ first + {TARGET_MEMORY_GROWTH:.0%}  "
              f"{'ok' if flat else 'MISSED'}")  # fmt: skip
        oks.append(flat)
    print("  CPU time by phase")
    print("\n".join(cpu.lines()))
    return 0 if all(oks) else 1


if __name__ == "__main__":
    sys.exit(main())
