"""Reads of a page at the same time: each on its own connection, on threads of the script run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx


def side_by_side(reads: list[Callable[[], object]]) -> list:
    """The results of `reads`, run at the same time on threads of this script run (each read
    takes its own connection): while one waits for the database another computes, so a page's
    figures of the period, the period before and by date cost about the longest of them
    rather than their sum (总览 of the 150-hall city, cold: see the README). A read that
    fails raises here, in the page."""
    if len(reads) < 2:
        return [read() for read in reads]
    ctx = get_script_run_ctx()

    def run(read: Callable[[], object]) -> object:
        if ctx is not None:  # session state (the outage note) and the page's caches
            add_script_run_ctx(threading.current_thread(), ctx)
        return read()

    with ThreadPoolExecutor(max_workers=len(reads), thread_name_prefix="hallpulse-read") as pool:
        return [future.result() for future in [pool.submit(run, read) for read in reads]]
