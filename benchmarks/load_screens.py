"""Benchmark: many viewers at once — big screens on the wall and analysts reloading 总览 —
in real Chromium pages against one server, started as `make run` starts it
(`python -m dashboard.serve`).

    .venv/bin/python benchmarks/load_screens.py [--db URL] [--screens 20] [--analysts 10]
        [--duration 600] [--refresh 30] [--reload 30] [--halls H01,H02,…]

Without --db a two-week demo is written to a temporary SQLite file; with --db (SQLite,
PostgreSQL, MariaDB) the database is used as it is (it must hold the HallPulse tables and
halls). Sign-in is on, as in production: the benchmark makes a kiosk link per hall for the
screens (`access.kiosk.add`) and a director account for the analysts, and revokes / leaves
them afterwards (the link is revoked, the account stays and is named in the output).

Phases and figures (each printed next to its target from the issue):
  cold open    every page opened at the same moment on a fresh server: from `goto` to the
               first figures (screen: its KPI tiles; analyst: signed in and 总览's tiles)
  refresh      screens: each redraw of the screen's fragment (script state running → idle,
               timed in the page); analysts: a reload of 总览 until its tiles are back
  errors       exceptions shown on any page, pages that failed to load, console errors
  memory       the server's resident memory, sampled every 10 s: first, last, peak

Targets: refresh p95 ≤ 1 s for screens and analysts, cold open p95 ≤ 5 s, zero errors, memory
flat (last ≤ first + 10 %). The run exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_REFRESH_P95_S = 1.0
TARGET_COLD_P95_S = 5.0
TARGET_MEMORY_GROWTH = 0.10
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
        "--query",
        default="period=this_week",
        help="总览's URL query for the analysts (a period the database has data for, e.g. "
        "period=custom&from=2026-11-01&to=2026-11-27; default period=this_week)",
    )
    parser.add_argument("--log", type=Path, help="keep the server's log here")
    parser.add_argument(
        "--viewers",
        choices=("browser", "protocol"),
        default="browser",
        help="browser: real Chromium pages (the whole experience, but on one machine the "
        "browsers take most of the CPU); protocol: viewers that speak Streamlit's own "
        "WebSocket protocol (benchmarks/st_client.py), so the figures are the server's",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="load-screens-") as tmp:
        folder = Path(tmp)
        url = args.db or demo_database(folder)
        if args.viewers == "protocol":
            return asyncio.run(run_protocol(args, url, folder))
        return asyncio.run(run(args, url, folder))


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


def prepare(url: str, halls_arg: str | None) -> tuple[dict[str, str], list[int]]:
    """Kiosk links for the halls the screens show (hall → token), and the analysts' account."""
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
            accounts.add_user(
                conn, ANALYST, "director", by="cli:load_screens", password=PASSWORD,
                halls=[halls[0]],
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
    besides the server: Playwright's driver and Chromium, or the protocol viewers) between
    marks. On one machine the viewers compete with the server for the same cores; in a hall
    each screen is its own computer, so the split says how much of a figure is the server's."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.marks: list[tuple[str, float, float, float]] = []

    def read(self) -> tuple[float, float]:
        server = tree(self.server_pid)
        others = [p for p in tree(os.getpid()) if p not in server]
        return cpu_s(server), cpu_s(others)

    def mark(self, name: str) -> None:
        self.marks.append((name, time.perf_counter(), *self.read()))

    def lines(self) -> list[str]:
        out = []
        for (_, t0, s0, b0), (name, t1, s1, b1) in zip(self.marks, self.marks[1:], strict=False):
            wall = t1 - t0
            out.append(
                f"    {name:<10} {wall:6.1f} s wall: server {s1 - s0:6.1f} CPU-s, "
                f"viewers {b1 - b0:6.1f} CPU-s ({os.cpu_count()} cores)"
            )
        return out


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Results:
    def __init__(self) -> None:
        self.cold: dict[str, list[float]] = {"screen": [], "analyst": []}
        self.refresh: dict[str, list[float]] = {"screen": [], "analyst": []}
        self.errors: list[str] = []
        self.memory: list[tuple[float, float]] = []


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
            await page.evaluate("() => document.activeElement && document.activeElement.blur()")
            await page.keyboard.press("r")
            await page.wait_for_function(f"() => window.__runs.length > {before}", timeout=60_000)
            if await page.locator(ANALYST_FIGURES).count() == 0:
                res.errors.append(f"analyst {n}: 总览 without figures after a reload")
        except Exception as exc:
            res.errors.append(f"analyst {n} reload: {str(exc).splitlines()[0]}")
            continue
        res.refresh["analyst"].append(await page.evaluate("() => window.__runs.at(-1)"))


async def memory_loop(pid: int, until: float, res: Results) -> None:
    began = time.monotonic()
    while time.monotonic() < until:
        res.memory.append((time.monotonic() - began, rss_mib(pid)))
        await asyncio.sleep(10)
    res.memory.append((time.monotonic() - began, rss_mib(pid)))


async def count_exceptions(pages, res: Results) -> None:
    for kind, page in pages:
        try:
            shown = await page.locator(EXCEPTION).count()
        except Exception as exc:
            res.errors.append(f"{kind}: page unusable ({exc})")
            continue
        if shown:
            res.errors.append(f"{kind}: {shown} exception(s) shown")


async def open_all(openers: list, screens: int, res: Results) -> tuple[list, float]:
    """Open every viewer at the same moment: [(kind, index, viewer)] of those that opened
    (the others are errors) and the seconds until the last one had its figures."""
    started = time.perf_counter()
    opened = await asyncio.gather(*openers, return_exceptions=True)
    all_open_s = time.perf_counter() - started
    viewers = []
    for i, viewer in enumerate(opened):
        kind = "screen" if i < screens else "analyst"
        if isinstance(viewer, BaseException):
            res.errors.append(f"{kind} {i}: did not open ({viewer})")
        else:
            viewers.append((kind, i, viewer))
    return viewers, all_open_s


def stop_server(proc, url: str, links: list[int], log: Path, kept_log: bool, res: Results):
    """Stop the server, revoke the kiosk links, keep the server's log when a page failed."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    revoke(url, links)
    if not kept_log and res.errors:
        kept = Path(tempfile.gettempdir()) / f"load_screens-{os.getpid()}.log"
        shutil.copy(log, kept)
        print(f"server log kept in {kept}")


async def run(args: argparse.Namespace, url: str, folder: Path) -> int:
    from playwright.async_api import async_playwright

    from queries.db import redact

    tokens, links = prepare(url, args.halls)
    log = args.log or folder / "server.log"
    proc, base = start_server(url, folder, args.refresh, log)
    res = Results()
    halls = list(tokens)
    shown = ", ".join(halls[: args.screens])
    print(f"{args.screens} screens ({shown}) + {args.analysts} analysts on "
          f"{redact(url)}, {args.duration:g} s, screens refresh every {args.refresh:g} s, "
          f"analysts reload every {args.reload:g} s")  # fmt: skip
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            cpu = Cpu(proc.pid)
            cpu.mark("start")
            pages, all_open_s = await open_all(
                [
                    *[
                        open_screen(browser, base, halls[i % len(halls)],
                                    tokens[halls[i % len(halls)]], res)
                        for i in range(args.screens)
                    ],
                    *[open_analyst(browser, base, n, args.query, res)
                      for n in range(args.analysts)],
                ],
                args.screens,
                res,
            )  # fmt: skip
            cpu.mark("cold open")
            pages = [(kind, page) for kind, _, page in pages]
            await count_exceptions(pages, res)
            until = time.monotonic() + args.duration
            analysts = [p for k, p in pages if k == "analyst"]
            await asyncio.gather(
                memory_loop(proc.pid, until, res),
                *[analyst_loop(pg, n, args.reload, until, res) for n, pg in enumerate(analysts)],
                asyncio.sleep(max(0.0, until - time.monotonic())),
            )
            cpu.mark("load")
            for kind, page in pages:
                if kind == "screen":
                    try:
                        res.refresh["screen"] += await page.evaluate("() => window.__runs")
                    except Exception as exc:
                        res.errors.append(f"screen: timings lost ({exc})")
            await count_exceptions(pages, res)
            await browser.close()
    finally:
        stop_server(proc, url, links, log, args.log is not None, res)
    return report(res, all_open_s, cpu)


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
    await session.sign_in(ANALYST, PASSWORD, until=has_metrics)
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


async def run_protocol(args: argparse.Namespace, url: str, folder: Path) -> int:
    from queries.db import redact

    tokens, links = prepare(url, args.halls)
    log = args.log or folder / "server.log"
    proc, base = start_server(url, folder, args.refresh, log)
    res = Results()
    halls = list(tokens)
    print(f"{args.screens} screens ({', '.join(halls[: args.screens])}) + {args.analysts} "
          f"analysts on {redact(url)}, {args.duration:g} s, viewers speaking Streamlit's "
          f"protocol (no browser), screens refresh every {args.refresh:g} s, analysts reload "
          f"every {args.reload:g} s")  # fmt: skip
    try:
        cpu = Cpu(proc.pid)
        cpu.mark("start")
        sessions, all_open_s = await open_all(
            [
                *[
                    protocol_screen(base, halls[i % len(halls)], tokens[halls[i % len(halls)]], res)
                    for i in range(args.screens)
                ],
                *[protocol_analyst(base, n, args.query, res) for n in range(args.analysts)],
            ],
            args.screens,
            res,
        )
        cpu.mark("cold open")
        until = time.monotonic() + args.duration
        await asyncio.gather(
            memory_loop(proc.pid, until, res),
            *[protocol_loop(s, kind, i, args.reload, until, res) for kind, i, s in sessions],
        )
        cpu.mark("load")
        for _, _, session in sessions:
            await session.close()
    finally:
        stop_server(proc, url, links, log, args.log is not None, res)
    return report(res, all_open_s, cpu)


def report(res: Results, all_open_s: float, cpu: Cpu) -> int:
    def fmt(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f} s"

    def line(name: str, value: float | None, target: float, extra: str = "") -> bool:
        ok = value is not None and value <= target
        print(f"  {name:<32} {fmt(value):>9}   target ≤ {target:g} s  "
              f"{'ok' if ok else 'MISSED'}{extra}")  # fmt: skip
        return ok

    print("results")
    oks = []
    cold_all = res.cold["screen"] + res.cold["analyst"]
    oks.append(line("cold open p95 (all pages)", p95(cold_all), TARGET_COLD_P95_S,
                    f"   (n={len(cold_all)}, all open after {all_open_s:.1f} s)"))  # fmt: skip
    for kind in ("screen", "analyst"):
        values = res.cold[kind]
        if values:
            print(f"    {kind:<8} cold open median {statistics.median(values):.2f} s, "
                  f"max {max(values):.2f} s")  # fmt: skip
    for kind, name in (("screen", "screen refresh p95"), ("analyst", "overview reload p95")):
        values = res.refresh[kind]
        extra = f"   (n={len(values)}" + (
            f", median {statistics.median(values):.2f} s)" if values else ")"
        )
        oks.append(line(name, p95(values), TARGET_REFRESH_P95_S, extra))
    print(
        f"  {'errors':<32} {len(res.errors):>9}   target 0  {'ok' if not res.errors else 'MISSED'}"
    )
    for error in res.errors[:10]:
        print(f"    {error[:200]}")
    oks.append(not res.errors)
    if len(res.memory) >= 2:
        first, last = res.memory[0][1], res.memory[-1][1]
        peak = max(m for _, m in res.memory)
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
