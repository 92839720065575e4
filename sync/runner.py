"""Running the feeds: every source in the order declared, each at its own interval.

A round that fails (source unreachable, changed columns, a target error) is recorded in the
source's state with the error and one more consecutive failure, and the source is tried again
after a back-off (its interval, doubled per failure, at most `backoff_max_s`); the other
sources keep running. A stop request (SIGTERM, Ctrl-C: `stop` set) is honoured between
batches: the transaction under way commits, then the loop returns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from queries.db import UNREACHABLE, wait_for
from sync import state
from sync.config import SourceConfig, SyncConfig
from sync.folder import FolderSource
from sync.sqlsource import SqlSource
from workdays import clock


@dataclass
class Outcome:
    name: str
    ok: bool
    rows: int = 0
    rejected: int = 0
    error: str | None = None
    retry_in_s: float | None = None
    notes: list[str] = field(default_factory=list)


def make_source(cfg: SourceConfig, config: SyncConfig):
    if cfg.kind == "sql":
        return SqlSource(cfg, config.rejects_dir)
    return FolderSource(cfg)


def _describe(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)  # a DBAPI error: its own first line, not SQLAlchemy's
    text = str(orig if orig is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) < 2000 else first[:2000] + "…"


class Runner:
    def __init__(
        self,
        target: Engine,
        config: SyncConfig,
        only: str | None = None,
        log: Callable[[str], None] | None = None,
        after_sweep: Callable[[], None] | None = None,
    ):
        """`after_sweep` runs after every sweep in which a source ran (e.g. the alert rules,
        so an alert sees the rows the sweep brought); its failure is logged, never fatal."""
        self.target = target
        self.after_sweep = after_sweep
        self.config = config
        chosen = [config.source(only)] if only else list(config.sources)
        self.sources = [(cfg, make_source(cfg, config)) for cfg in chosen]
        self.log = log or (lambda _msg: None)
        self.unrecorded: dict[str, int] = {}  # failures the target could not record

    def run_source(self, cfg: SourceConfig, source, stop: threading.Event) -> Outcome:
        try:
            result = source.run_round(self.target, stop, self.log)
        except Exception as exc:  # one source's failure never stops the others
            source.close()  # a fresh connection next time (a restarted server, a new file)
            message = _describe(exc)
            if not message.startswith(f"{cfg.name}:"):
                message = f"{cfg.name}: {message}"
            try:
                failures, delay = state.record_failure(
                    self.target,
                    cfg.name,
                    cfg.kind,
                    cfg.table,
                    message,
                    cfg.interval_s,
                    cfg.backoff_max_s,
                )
            except Exception as inner:  # the target itself is down: say so, keep going
                # counted here while the target cannot count: the back-off still grows
                failures = self.unrecorded.get(cfg.name, 0) + 1
                self.unrecorded[cfg.name] = failures
                delay = state.backoff(failures, cfg.interval_s, cfg.backoff_max_s)
                self.log(f"{cfg.name}: could not record the failure ({_describe(inner)})")
            self.log(f"{message} (failure {failures}; next try in {delay:.0f} s)")
            return Outcome(cfg.name, False, error=message, retry_in_s=delay)
        self.unrecorded.pop(cfg.name, None)
        return Outcome(cfg.name, True, result.rows, result.rejected, notes=result.notes)

    def run(self, once: bool = False, stop: threading.Event | None = None) -> list[Outcome]:
        """Run the rounds: once (every source once, back-off ignored) or until `stop` is set.
        Returns the outcomes of the last round of each source."""
        stop = stop or threading.Event()
        last: dict[str, Outcome] = {}
        due = {cfg.name: time.monotonic() for cfg, _ in self.sources}

        def start() -> None:
            state.ensure_tables(self.target)
            if not once:  # a restart keeps a failing source's back-off
                with self.target.connect() as conn:
                    now = clock.now()
                    for row in state.all_states(conn):
                        if row["name"] in due and row["failures"] and row["next_try_at"]:
                            wait = (row["next_try_at"] - now).total_seconds()
                            due[row["name"]] += max(0.0, wait)

        # a target that cannot be reached yet is waited for (with back-off, logged); once
        # (`--once`) it is an error at once
        if once:
            start()
        else:
            cap = max((cfg.backoff_max_s for cfg, _ in self.sources), default=60.0)
            try:
                wait_for(start, "sync", log=self.log, cap_s=cap, stop=stop)
            except UNREACHABLE:  # stopped while waiting: nothing ran
                return []
        try:
            while not stop.is_set():
                ran = False
                for cfg, source in self.sources:
                    if stop.is_set():
                        break
                    if not once and time.monotonic() < due[cfg.name]:
                        continue
                    outcome = self.run_source(cfg, source, stop)
                    last[cfg.name] = outcome
                    ran = True
                    wait = cfg.interval_s if outcome.ok else outcome.retry_in_s
                    due[cfg.name] = time.monotonic() + wait
                if ran and self.after_sweep is not None and not stop.is_set():
                    try:
                        self.after_sweep()
                    except Exception as exc:  # alerts failing must not stop the feeds
                        self.log(f"after the sweep: {_describe(exc)}")
                if once:
                    break
                stop.wait(max(0.05, min(due.values()) - time.monotonic()))
        finally:
            for _, source in self.sources:
                source.close()
        return [last[cfg.name] for cfg, _ in self.sources if cfg.name in last]
