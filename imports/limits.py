"""`[imports]` in hallpulse.toml: how big a file may be once expanded, and how far in the future
a timestamp may lie.

An export is refused early, naming what is too big, instead of being parsed into memory: an
`.xlsx` is a ZIP archive, and 1 MB of it can inflate to gigabytes. Every key is optional.

    [imports]
    max_member_mb = 200        # one member of an .xlsx (a sheet), uncompressed
    max_shared_strings_mb = 50 # the workbook's shared-strings table (read into memory whole)
    max_workbook_mb = 400      # all members of an .xlsx together, uncompressed
    max_cell_kb = 1024         # one cell or CSV field
    max_line_kb = 4096         # one CSV line
    max_columns = 1000         # cells in one row
    chunk_mb = 64              # the rows checked and written at a time, in text
    future_tolerance_min = 15  # timestamps later than the hall's now plus this are refused
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path

SECTION = "imports"


class LimitsError(ValueError):
    pass


@dataclass(frozen=True)
class ImportLimits:
    max_member_mb: float = 200.0
    max_shared_strings_mb: float = 50.0
    max_workbook_mb: float = 400.0
    max_cell_kb: float = 1024.0
    max_line_kb: float = 4096.0
    max_columns: int = 1000
    chunk_mb: float = 64.0
    future_tolerance_min: float = 15.0

    @property
    def member_bytes(self) -> int:
        return int(self.max_member_mb * (1 << 20))

    @property
    def shared_strings_bytes(self) -> int:
        return int(self.max_shared_strings_mb * (1 << 20))

    @property
    def workbook_bytes(self) -> int:
        return int(self.max_workbook_mb * (1 << 20))

    @property
    def cell_bytes(self) -> int:
        return int(self.max_cell_kb * 1024)

    @property
    def line_bytes(self) -> int:
        return int(self.max_line_kb * 1024)

    @property
    def chunk_bytes(self) -> int:
        return int(self.chunk_mb * (1 << 20))


def load_import_limits(path: Path | None = None) -> ImportLimits:
    """The `[imports]` section of the settings file (defaults when absent)."""
    from metrics.settings import config_path

    path = path or config_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return ImportLimits()
    return _load(path, stamp)


@cache
def _load(path: Path, _stamp: int) -> ImportLimits:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LimitsError(f"{path}: not valid TOML: {exc}") from None
    section = data.get(SECTION, {})
    known = {f.name for f in fields(ImportLimits)}
    unknown = sorted(set(section) - known)
    if unknown:
        raise LimitsError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: [{SECTION}] "
            + ", ".join(sorted(known))
        )
    values = {}
    for key, value in section.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise LimitsError(f"{path}: [{SECTION}] {key} must be a positive number")
        default = getattr(ImportLimits(), key)
        values[key] = int(value) if isinstance(default, int) else float(value)
    return replace(ImportLimits(), **values)
