"""Writing a contract table back out in contract form, so that export → import round-trips.

CSV: UTF-8 with a BOM (Excel and WPS then open Chinese text correctly), the contract's column
names as the header, timestamps `2026-03-02 09:14:05`, dates `2026-03-02`, times `09:00`,
flags `true`/`false`, NULL as an empty field. `.xlsx`: the same columns with real dates and
numbers. Rows stream from the database and the file takes its name only when complete.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl
from sqlalchemy.engine import Engine

from imports.contract import IMPORT_ORDER, sa_table
from queries.tables import iter_table, polars_schema
from reports.cells import csv_safe, text_cell

FORMATS = (".csv", ".xlsx")


class ExportError(ValueError):
    pass


def export_table(engine: Engine, table: str, out: Path) -> int:
    """Write `table` to `out` (.csv or .xlsx); returns the number of rows written."""
    if table not in IMPORT_ORDER:
        raise ExportError(f"no contract table {table!r}; tables: {', '.join(IMPORT_ORDER)}")
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(f"{out}: the file name must end in .csv or .xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}-", suffix=suffix, dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with engine.connect() as conn:
            t = sa_table(table)
            chunks = iter_table(conn, t)
            rows = _write_csv(tmp, t, chunks) if suffix == ".csv" else _write_xlsx(tmp, t, chunks)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return rows


def _write_csv(path: Path, table, chunks) -> int:
    rows = 0
    with path.open("wb") as fh:
        fh.write("\ufeff".encode())
        fh.write((",".join(c.name for c in table.columns) + "\n").encode())
        for frame in chunks:
            times = [c for c, t in frame.schema.items() if t == pl.Time]
            whole_minutes = all((frame[c].dt.second().fill_null(0) == 0).all() for c in times)
            csv_safe(frame).write_csv(  # text a spreadsheet would evaluate gets an apostrophe
                fh,
                include_header=False,
                datetime_format="%Y-%m-%d %H:%M:%S",
                date_format="%Y-%m-%d",
                time_format="%H:%M" if whole_minutes else "%H:%M:%S",
                null_value="",
                line_terminator="\n",
            )
            rows += frame.height
    return rows


def _write_xlsx(path: Path, table, chunks) -> int:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(table.name)
    ws.freeze_panes = "A2"
    types = polars_schema(table)
    ws.append(list(types))
    formats = {"Datetime": "yyyy-mm-dd hh:mm:ss", "Date": "yyyy-mm-dd", "Time": "hh:mm"}
    column_formats = [formats.get(type(t).__name__) for t in types.values()]
    rows = 0
    for frame in chunks:
        for values in frame.iter_rows():
            cells = []
            for value, fmt in zip(values, column_formats, strict=True):
                cell = text_cell(WriteOnlyCell(ws, value=value))  # "=差评=" is not a formula
                if fmt and value is not None:
                    cell.number_format = fmt
                cells.append(cell)
            ws.append(cells)
        rows += frame.height
    wb.save(path)
    return rows
