"""The weekly report, end to end: `build_weekly` reads one hall-week and returns the PDF and the
workbook as bytes (the dashboard offers them for download), `write_files` puts them into a
folder atomically (the command line). Both share every step.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from access.scope import Scope
from metrics.settings import Settings
from queries.live import hall_zones
from reports.weekly_data import ReportError, Week, gather, halls_for_week
from workdays.clock import now as hall_now

__all__ = ["ReportError", "ReportFiles", "Week", "build_weekly", "halls_for_week", "write_files"]


@dataclass
class ReportFiles:
    hall_id: str
    week: Week
    pdf: bytes
    xlsx: bytes
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return f"{self.hall_id}-{self.week}"

    @property
    def names(self) -> tuple[str, str]:
        return f"{self.stem}.pdf", f"{self.stem}.xlsx"


def build_weekly(
    engine: Engine,
    hall_id: str,
    week: Week,
    *,
    lang: str = "zh",
    settings: Settings | None = None,
    generated_at: dt.datetime | None = None,
    scope: Scope,
) -> ReportFiles:
    """One hall's report for one ISO week inside the reader's `scope`, as PDF and .xlsx bytes.
    Raises ReportError when the hall does not exist or has no data that week, OutOfScope for a
    hall outside the scope; database errors propagate."""
    settings = settings or Settings()
    if generated_at is None:  # on the hall's clock (halls.timezone), not the server's
        with engine.connect() as conn:
            generated_at = hall_now(hall_zones(conn).get(hall_id))
    # the PDF libraries load (≈2 s in a fresh process) while the database works: SQLite and
    # polars release the GIL, so the two overlap
    warm = threading.Thread(target=_load_renderers, name="report-warm-up", daemon=True)
    warm.start()
    data = gather(engine, hall_id, week, settings, scope=scope)
    timings = dict(data.timings)
    clock = time.perf_counter()
    warm.join()
    timings["loading the PDF and chart libraries (rest)"] = time.perf_counter() - clock
    from reports.excel import render_xlsx
    from reports.pdf import render_pdf

    clock = time.perf_counter()
    xlsx = render_xlsx(data, lang)
    timings["excel"] = time.perf_counter() - clock
    clock = time.perf_counter()
    pdf = render_pdf(data, lang, generated_at)
    timings["pdf (charts and layout)"] = time.perf_counter() - clock
    return ReportFiles(hall_id, week, pdf, xlsx, timings)


def _load_renderers() -> None:
    import weasyprint  # noqa: F401

    from reports import charts, excel, pdf  # noqa: F401

    charts.register_fonts()


def write_files(reports: list[ReportFiles], out_dir: Path) -> list[Path]:
    """Write every report's two files into out_dir, all or nothing: each file is first written
    to a hidden temporary file in out_dir and renamed only when every file has been written;
    on any failure the temporaries, and any file this run already renamed, are removed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    pending: list[tuple[Path, Path]] = []
    renamed: list[Path] = []
    try:
        for report in reports:
            for name, payload in zip(report.names, (report.pdf, report.xlsx), strict=True):
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
                pending.append((Path(tmp), out_dir / name))
                os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the report
                with os.fdopen(fd, "wb") as handle:
                    handle.write(payload)
                    handle.flush()
                    os.fsync(handle.fileno())
        for tmp, final in pending:
            os.replace(tmp, final)
            renamed.append(final)
    except BaseException:
        # a run is all or nothing: neither temporaries nor some of the reports remain
        for tmp, _ in pending:
            tmp.unlink(missing_ok=True)
        for final in renamed:
            final.unlink(missing_ok=True)
        raise
    return [final for _, final in pending]
