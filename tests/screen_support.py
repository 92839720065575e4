"""What the big screen's AppTest and browser tests share: a demo database frozen at a busy
moment (a Friday at 10:40, queues waiting) and a reader of the screen's figures from its HTML.

The app's clock is pinned to that moment with HALLPULSE_NOW, so the figures do not depend on
when the tests run.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from queries.db import make_engine

BUSY_NOW = dt.datetime(2026, 11, 27, 10, 40)
HALL = "H01"
HALL_NAME = "示范区政务服务中心"


@pytest.fixture(scope="session")
def busy_demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of an SQLite demo of the eight days up to BUSY_NOW (so last Friday is there)."""
    from simulation.demo import DemoOptions
    from simulation.writer import write_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('busy') / 'hall.db'}"
    engine = make_engine(url)
    try:
        write_demo(engine, DemoOptions(end=BUSY_NOW.date(), days=8, now=BUSY_NOW))
    finally:
        engine.dispose()
    return url


_TILE = re.compile(
    r'data-key="(?P<key>[a-z_]+)".*?<div class="bs-value">(?P<value>[^<]*)', re.DOTALL
)


def figures_in(html: str) -> dict[str, list[str]]:
    """Every figure tile's number in the screen's HTML, by metric key, in page order."""
    found: dict[str, list[str]] = {}
    for match in _TILE.finditer(html):
        found.setdefault(match["key"], []).append(match["value"].strip())
    return found


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
