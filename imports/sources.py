"""Reading an export: what kind of file it is, its encoding, delimiter and header, and its rows.

A CSV may be UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or GB18030/GBK;
the encoding is decided by decoding the whole file, so a GBK file whose first megabyte is plain
ASCII is still read right, and a file that is neither names the line of its first bad byte.
An `.xlsx` is streamed with openpyxl. Files that are not tables at all (old `.xls`, PDF, HTML
saved as `.xls`, images, other archives) are named as what they are.

Rows come out as lists of strings with the line (CSV) or row (Excel) they start on, so every
message can point at the place a person would look.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

FIELD_LIMIT = 1 << 20  # 1 MiB: longer than any real cell; a bigger one is a broken file
HEADER_SEARCH_ROWS = 10  # a title row or two above the header is common in exports
_DELIMITERS = (",", "\t", ";", "|")
_SNIFF_BYTES = 1 << 16


class SourceError(ValueError):
    """A file that cannot be read as a table; the message names the file (and line)."""


@dataclass
class Source:
    path: Path
    name: str  # how messages name the file
    format: str  # "csv" | "xlsx"
    header: list[str]
    header_line: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)


class Record(NamedTuple):
    line: int
    fields: list[str]
    problem: str | None = None  # a row-level problem found while reading (field count)


def _sniff_kind(head: bytes, name: str) -> str:
    """csv | xlsx | utf16, or raise SourceError naming what the file is."""
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SourceError(f"{name}: the file is empty")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceError(
            f"{name}: an old Excel .xls workbook; open it in Excel or WPS and save it as .xlsx "
            "or CSV"
        )
    if head.startswith(b"%PDF"):
        raise SourceError(f"{name}: a PDF document, not a CSV or .xlsx table")
    for magic, what in (
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"Rar!", "a RAR archive"),
        (b"7z\xbc\xaf", "a 7-Zip archive"),
        (b"SQLite format 3", "an SQLite database"),
    ):
        if head.startswith(magic):
            raise SourceError(f"{name}: {what}, not a CSV or .xlsx table")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    lowered = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        raise SourceError(
            f"{name}: an HTML/XML page (some systems save web tables as .xls); open it in Excel "
            "or WPS and save it as .xlsx or CSV"
        )
    if b"\x00" in head:
        raise SourceError(f"{name}: a binary file (it contains NUL bytes), not a CSV table")
    return "csv"


def _first_bad_byte(path: Path, encoding: str) -> tuple[int, int] | None:
    """(byte offset in the file, line) of the first byte that does not decode, or None.

    Lines are counted in the decoded text (a UTF-16 character may contain a 0x0A byte), and
    the offset accounts for bytes the decoder held back from the previous read (a character
    split across two reads) and for a BOM the decoder consumed.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = 0, 1
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            held = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                start = offset - held + exc.start
                good = exc.object[: exc.start].decode(encoding, errors="ignore")
                return start, lines + good.count("\n")
            offset += len(chunk)
            lines += text.count("\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset - len(decoder.getstate()[0]), lines
    return None


def _detect_encoding(path: Path, name: str, head: bytes) -> tuple[str, list[str]]:
    if head.startswith(b"\xef\xbb\xbf"):
        bad = _first_bad_byte(path, "utf-8")  # the BOM decodes too: offsets stay file offsets
        if bad:
            raise SourceError(
                f"{name}: line {bad[1]}: the file starts with a UTF-8 BOM but byte {bad[0]:,} "
                "is not UTF-8 (mixed encodings?)"
            )
        return "utf-8-sig", []
    bad_utf8 = _first_bad_byte(path, "utf-8")
    if bad_utf8 is None:
        return "utf-8", []
    bad_gb = _first_bad_byte(path, "gb18030")
    if bad_gb is None:
        return "gb18030", ["encoding: GB18030/GBK"]
    raise SourceError(
        f"{name}: line {bad_utf8[1]}: the bytes are neither UTF-8 nor GB18030/GBK (first bad "
        f"byte at offset {bad_utf8[0]:,}; as GB18030 at line {bad_gb[1]}); save the export as "
        "UTF-8 or GBK CSV, or as .xlsx"
    )


def _sniff_delimiter(text_head: str) -> str:
    lines = [ln for ln in text_head.splitlines() if ln.strip()][:HEADER_SEARCH_ROWS]
    best, best_count = ",", 0
    for d in _DELIMITERS:
        count = max((ln.count(d) for ln in lines), default=0)
        if count > best_count:
            best, best_count = d, count
    return best


def _cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.microsecond:  # Excel stores days as floats: 09:14:04.999996 means 09:14:05
            value = (value + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.replace(microsecond=0).strftime("%H:%M:%S")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _pick_header(
    rows: list[tuple[int, list[str]]], score: Callable[[list[str]], int] | None
) -> tuple[int, list[str]]:
    """The header row: the first of the leading rows in which the table's columns are
    recognised (title rows above it are skipped), else the first non-empty row."""
    non_empty = [(ln, r) for ln, r in rows if any(c.strip() for c in r)]
    if not non_empty:
        raise SourceError("no header row")
    if score is not None:
        for ln, r in non_empty[:HEADER_SEARCH_ROWS]:
            if score([c.strip() for c in r]) >= 2:
                return ln, r
    return non_empty[0]


def open_source(
    path: Path, name: str | None = None, score: Callable[[list[str]], int] | None = None
) -> Source:
    """Inspect a file: kind, encoding, delimiter, header. `score(headers)` counts recognised
    columns, to find the header below any title rows."""
    path = Path(path)
    name = name or path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except FileNotFoundError:
        raise SourceError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{name}: a folder, not a file") from None
    kind = _sniff_kind(head, name)
    if kind == "xlsx":
        return _open_xlsx(path, name, score)
    if kind == "utf16":
        encoding, notes = "utf-16", ["encoding: UTF-16"]
        bad = _first_bad_byte(path, "utf-16")
        if bad:
            raise SourceError(f"{name}: line {bad[1]}: byte {bad[0]:,} is not valid UTF-16")
    else:
        encoding, notes = _detect_encoding(path, name, head)
    text_head = head.decode(encoding, errors="ignore")
    delimiter = _sniff_delimiter(text_head)
    source = Source(path, name, "csv", [], 0, encoding=encoding, delimiter=delimiter, notes=notes)
    leading = []
    for rec in _csv_rows(source):
        leading.append((rec.line, rec.fields))
        if len(leading) >= HEADER_SEARCH_ROWS:
            break
    try:
        source.header_line, header = _pick_header(leading, score)
    except SourceError:
        raise SourceError(f"{name}: the file has no header row") from None
    source.header = [h.strip() for h in header]
    if delimiter != ",":
        source.notes.append(f"delimiter: {'TAB' if delimiter == chr(9) else delimiter}")
    return source


def _csv_rows(source: Source) -> Iterator[Record]:
    csv.field_size_limit(FIELD_LIMIT)
    with source.path.open("r", encoding=source.encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=source.delimiter or ",")
        end = 0
        while True:
            start = end + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                text = str(exc)
                if "field larger than field limit" in text:
                    text = f"a field is longer than {FIELD_LIMIT // 1024:,} KiB"
                    text += " (an unclosed quote makes the rest of the file one field)"
                raise SourceError(f"{source.name}: line {start}: {text}") from None
            except UnicodeDecodeError as exc:  # pragma: no cover - decoded in full beforehand
                raise SourceError(f"{source.name}: line {start}: {exc}") from None
            end = reader.line_num
            yield Record(start, fields)


def _open_xlsx(path: Path, name: str, score: Callable[[list[str]], int] | None) -> Source:
    from openpyxl.utils.exceptions import InvalidFileException

    stream = path.open("rb")
    try:
        wb = _load_workbook(stream)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException) as exc:
        stream.close()
        raise SourceError(
            f"{name}: a ZIP file that is not a readable .xlsx workbook ({exc})"
        ) from None
    try:
        chosen = None
        for ws in wb.worksheets:
            leading = []
            for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
                leading.append((i, [_cell_text(v) for v in row]))
                if i >= HEADER_SEARCH_ROWS:
                    break
            if not any(any(c.strip() for c in r) for _, r in leading):
                continue
            line, header = _pick_header(leading, score)
            good = score is not None and score([c.strip() for c in header]) >= 2
            if chosen is None or (good and not chosen[3]):
                chosen = (ws.title, line, header, good)
            if good:
                break
    finally:
        wb.close()
        stream.close()
    if chosen is None:
        raise SourceError(f"{name}: every sheet of the workbook is empty")
    title, line, header, _ = chosen
    while header and not header[-1].strip():
        header = header[:-1]
    notes = [f"sheet: {title}"] if len(wb.sheetnames) > 1 else []
    return Source(path, name, "xlsx", [h.strip() for h in header], line, sheet=title, notes=notes)


def _load_workbook(stream: BinaryIO):
    """Open a workbook by its content: openpyxl refuses a path not named .xlsx, not a stream
    (an export saved as `.csv` or without an extension is still read)."""
    import openpyxl

    return openpyxl.load_workbook(stream, read_only=True, data_only=True)


def _xlsx_rows(source: Source) -> Iterator[Record]:
    with source.path.open("rb") as stream:
        wb = _load_workbook(stream)
        try:
            ws = wb[source.sheet]
            for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
                yield Record(i, [_cell_text(v) for v in row])
        finally:
            wb.close()


def records(source: Source) -> Iterator[Record]:
    """The data rows below the header, blank rows skipped; a row whose field count does not
    fit the header carries the problem instead of being guessed at."""
    rows = _csv_rows(source) if source.format == "csv" else _xlsx_rows(source)
    width = len(source.header)
    for rec in rows:
        if rec.line <= source.header_line:
            continue
        fields = rec.fields
        if not "".join(fields).strip():
            continue
        if len(fields) > width:
            if any(f.strip() for f in fields[width:]):
                yield Record(
                    rec.line,
                    fields,
                    f"the row has {len(fields)} fields but the header has {width}",
                )
                continue
            fields = fields[:width]
        elif len(fields) < width:
            if source.format == "xlsx":  # read-only sheets drop trailing empty cells
                fields = fields + [""] * (width - len(fields))
            else:
                yield Record(
                    rec.line,
                    fields,
                    f"the row has {len(fields)} fields but the header has {width} "
                    "(a line break inside an unquoted value?)",
                )
                continue
        yield Record(rec.line, fields)
