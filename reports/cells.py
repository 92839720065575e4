"""Text stays text in every workbook and CSV file the app writes.

A comment, a name or a note typed by a citizen or an import may start with a character a
spreadsheet evaluates (`=cmd|' /C calc'!A0`, `=HYPERLINK(…)`, `+1+1`, `@SUM(…)`, a leading tab
or carriage return). Following OWASP's advice on CSV injection, every writer passes its text
through this module:

- CSV: `csv_text` / `csv_safe` put an apostrophe before such a value (`'=cmd…`), which
  Excel and WPS show as text; `import` takes the apostrophe off again (`csv_unescape`), so
  `hall export` → `hall import` still round-trips.
- xlsxwriter workbooks are created with `WORKBOOK_OPTIONS` (no string is turned into a
  formula, a link or a number) and openpyxl cells go through `text_cell`: the value is kept
  as it is and its cell type is text, never a formula.

Only text is touched: a number (including a negative one) stays a number.
"""

from __future__ import annotations

from typing import Any

import polars as pl

# the first characters a spreadsheet evaluates (OWASP, "CSV Injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PATTERN = r"^[=+\-@\t\r]"
# what xlsxwriter.Workbook(...) must be given: strings are written as strings
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}


def needs_escape(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_text(value: Any) -> Any:
    """The value as a CSV field a spreadsheet shows as text (non-text values unchanged)."""
    return "'" + value if needs_escape(value) else value


def csv_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text column's formula-like values escaped for CSV."""
    text = [c for c, dtype in frame.schema.items() if dtype in (pl.String, pl.Categorical)]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).cast(pl.String).str.contains(_PATTERN))
        .then(pl.lit("'") + pl.col(c).cast(pl.String))
        .otherwise(pl.col(c).cast(pl.String))
        .alias(c)
        for c in text
    )


def csv_row(values: list) -> list:
    """A row for `csv.writer` with its text escaped."""
    return [csv_text(v) for v in values]


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """A frame as a UTF-8 CSV download with BOM (Excel opens Chinese correctly), text safe."""
    return ("\ufeff" + csv_safe(frame).write_csv()).encode("utf-8")


def csv_unescape(text: pl.Expr) -> pl.Expr:
    """The inverse of `csv_text` for a file read back: an apostrophe in front of a character a
    spreadsheet evaluates is dropped (`'=差评` → `=差评`); any other text is unchanged."""
    return text.str.replace(r"^'([=+\-@\t\r])", "$1")


def text_cell(cell: Any) -> Any:
    """An openpyxl cell whose text value is text, never a formula (returns the cell)."""
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell
