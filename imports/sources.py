"""Reading an export: what kind of file it is, its encoding, delimiter and header, and its rows.

A CSV may be UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or GB18030/GBK;
the encoding is decided by decoding the whole file, so a GBK file whose first megabyte is plain
ASCII is still read right, and a file that is neither names the line of its first bad byte. A
UTF-8 file with a few GBK lines (a row pasted from another export) is read line by line, each
line in the encoding it is written in, and the notes name those lines. An unclosed quote is
reported on its own line and the lines after it are read on their own.
An `.xlsx` is streamed with openpyxl, after its archive was checked against the `[imports]`
limits (imports.limits): the sizes its members declare, the sizes they really inflate to and the
longest text in them, so a small ZIP that expands to gigabytes is refused before it is parsed.
Files that are not tables at all (old `.xls`, PDF, HTML saved as `.xls`, images, other archives)
are named as what they are.

Rows come out as lists of strings with the line (CSV) or row (Excel) they start on, so every
message can point at the place a person would look.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from imports.limits import ImportLimits, load_import_limits

FIELD_LIMIT = 1 << 20  # 1 MiB (the default [imports] max_cell_kb): longer than any real cell
EXCEL_MAX_ROWS = 1_048_576
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
    limits: ImportLimits = field(default_factory=ImportLimits)
    mixed: bool = False  # UTF-8 with some GB18030 lines: decoded line by line


class Record(NamedTuple):
    line: int
    fields: list[str]
    problem: str | None = None  # a row-level problem found while reading (field count)
    column: str = ""  # the column the problem is in, when the reader knows it


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
    lowered = _after_comments(head.lstrip(b"\xef\xbb\xbf \t\r\n")).lower()
    if lowered.startswith(
        (b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta", b"<head", b"<body", b"<style")
    ):
        raise SourceError(
            f"{name}: an HTML/XML page (some systems save web tables as .xls); open it in Excel "
            "or WPS and save it as .xlsx or CSV"
        )
    if b"\x00" in head:
        raise SourceError(f"{name}: a binary file (it contains NUL bytes), not a CSV table")
    return "csv"


def _after_comments(text: bytes) -> bytes:
    """The text after any leading `<!-- … -->` comments (an HTML page saved as .xls often
    starts with one before `<html>` or `<table>`)."""
    while text.startswith(b"<!--"):
        end = text.find(b"-->")
        if end < 0:
            return b"<html"  # a comment longer than the sniffed head: markup, not a table
        text = text[end + 3 :].lstrip(b" \t\r\n")
    return text


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


def _detect_encoding(
    path: Path, name: str, head: bytes, limits: ImportLimits
) -> tuple[str, list[str]]:
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
    utf8_lines, gbk_lines, neither = _line_encodings(path, name, limits)
    # read line by line where UTF-8 text sits beside GBK lines: when the whole file is not
    # GBK either, or when most non-ASCII lines are UTF-8 (a GBK file whose short line happens
    # to be valid UTF-8, like 联通, stays GBK)
    if (
        utf8_lines and not neither and (bad_gb is not None or utf8_lines >= len(gbk_lines))
    ):  # a UTF-8 file with stray GBK lines: each line in its own encoding
        listed = ", ".join(str(n) for n in gbk_lines[:10])
        more = ", …" if len(gbk_lines) > 10 else ""
        return "mixed", [
            f"encoding: UTF-8, but {len(gbk_lines):,} line(s) are GB18030/GBK and were read "
            f"as GBK: line(s) {listed}{more} (mixed encodings: check those lines)"
        ]
    if bad_gb is None:
        return "gb18030", ["encoding: GB18030/GBK"]
    raise SourceError(
        f"{name}: line {bad_utf8[1]}: the bytes are neither UTF-8 nor GB18030/GBK (first bad "
        f"byte at offset {bad_utf8[0]:,}; as GB18030 at line {bad_gb[1]}); save the export as "
        "UTF-8 or GBK CSV, or as .xlsx"
    )


def _line_encodings(
    path: Path, name: str, limits: ImportLimits
) -> tuple[int, list[int], list[int]]:
    """(how many lines hold non-ASCII text that is valid UTF-8, the numbers of the lines that
    are GB18030 but not UTF-8, the numbers of the lines that are neither), line by line. Only
    called once the whole file failed as UTF-8. (0x0A is never part of a multi-byte character
    in either encoding, so splitting at it is safe.)"""
    utf8, gbk, neither = 0, [], []
    limit = limits.line_bytes
    with path.open("rb") as fh:
        for number, line in enumerate(iter(lambda: fh.readline(limit + 1), b""), start=1):
            if len(line) > limit and not line.endswith(b"\n"):
                raise SourceError(_too_long(name, number, limits))
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    line.decode("gb18030")
                except UnicodeDecodeError:
                    neither.append(number)
                else:
                    gbk.append(number)
            else:
                utf8 += 1
    return utf8, gbk, neither


def _decode_mixed(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("gb18030")


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
    path: Path,
    name: str | None = None,
    score: Callable[[list[str]], int] | None = None,
    limits: ImportLimits | None = None,
) -> Source:
    """Inspect a file: kind, encoding, delimiter, header. `score(headers)` counts recognised
    columns, to find the header below any title rows. `limits` default to `[imports]`."""
    path = Path(path)
    name = name or path.name
    limits = limits or load_import_limits()
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except FileNotFoundError:
        raise SourceError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{name}: a folder, not a file") from None
    kind = _sniff_kind(head, name)
    if kind == "xlsx":
        check_archive(path, name, limits)
        return _open_xlsx(path, name, score, limits)
    if kind == "utf16":
        encoding, notes = "utf-16", ["encoding: UTF-16"]
        bad = _first_bad_byte(path, "utf-16")
        if bad:
            raise SourceError(f"{name}: line {bad[1]}: byte {bad[0]:,} is not valid UTF-16")
    else:
        encoding, notes = _detect_encoding(path, name, head, limits)
    mixed = encoding == "mixed"
    if mixed:
        encoding = "utf-8"
    text_head = head.decode(encoding, errors="ignore")
    delimiter = _sniff_delimiter(text_head)
    source = Source(
        path,
        name,
        "csv",
        [],
        0,
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
        limits=limits,
        mixed=mixed,
    )
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


def _too_long(name: str, line: int, limits: ImportLimits) -> str:
    return (
        f"{name}: line {line}: the line is longer than {limits.max_line_kb:,.0f} KiB ([imports] "
        "max_line_kb); is this really a CSV export?"
    )


class _LineFeed:
    """The lines of a CSV for `csv.reader`, numbered, each at most `[imports] max_line_kb`
    long (memory stays bounded whatever the file), with lines that can be handed back to be
    read again (the lines an unclosed quote swallowed)."""

    def __init__(self, source: Source, fh):
        self.source = source
        self.fh = fh
        self.limit = source.limits.line_bytes
        self.binary = source.mixed
        self.ends = (b"\n",) if self.binary else ("\n", "\r")
        self.number = 0
        self.pending: deque[tuple[int, str]] = deque()
        self.taken: list[tuple[int, str]] = []  # the lines of the record being read

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self.pending:
            item = self.pending.popleft()
        else:
            raw = self.fh.readline(self.limit + 1)
            if not raw:
                raise StopIteration
            self.number += 1
            if len(raw) > self.limit and not raw.endswith(self.ends):
                raise SourceError(_too_long(self.source.name, self.number, self.source.limits))
            item = (self.number, _decode_mixed(raw) if self.binary else raw)
        self.taken.append(item)
        return item[1]

    def start_record(self) -> None:
        self.taken = []

    def give_back(self, items: list[tuple[int, str]]) -> None:
        self.pending.extendleft(reversed(items))


def _fits(fields: list[str], width: int | None) -> bool:
    if width is None or len(fields) == width:
        return True
    if len(fields) > width:
        return not any(f.strip() for f in fields[width:])
    return False


def _swallowed(
    taken: list[tuple[int, str]], fields: list[str], width: int | None, delimiter: str
) -> bool:
    """Whether a record over several lines is a quote left open rather than a value with line
    breaks: it does not fit the header, or it ends inside the quote at the end of the file, or
    a line inside the quote is itself a whole row of the file."""
    if not _fits(fields, width):
        return True
    try:
        list(csv.reader((text for _, text in taken), delimiter=delimiter, strict=True))
    except csv.Error:
        return True
    if width is None or width < 2:
        return False
    return any(
        len(next(csv.reader([text], delimiter=delimiter), [])) >= width for _, text in taken[1:]
    )


def _csv_rows(
    source: Source, width: int | None = None, start: int = 0, first_line: int = 1
) -> Iterator[Record]:
    """The CSV's records with the line each starts on. A record that runs over several lines
    and does not fit the header (`width` fields), or that grows past the cell limit, is a
    quote left open: its first line is reported as such and the lines after it are read again
    on their own, so one stray quote does not take the rest of the file with it. `start` is
    a byte offset at the beginning of line `first_line` to read from (the rest of a file the
    fast reader handed over)."""
    limit = source.limits.cell_bytes
    csv.field_size_limit(limit)
    delimiter = source.delimiter or ","
    fh = source.path.open("rb")
    if start:
        fh.seek(start)
    if not source.mixed:  # past the start no BOM is left to take off
        encoding = "utf-8" if start and source.encoding == "utf-8-sig" else source.encoding
        fh = io.TextIOWrapper(fh, encoding=encoding, newline="")
    with fh:
        feed = _LineFeed(source, fh)
        feed.number = first_line - 1
        reader = csv.reader(feed, delimiter=source.delimiter or ",")
        while True:
            feed.start_record()
            too_long = False
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" not in str(exc):
                    line = feed.taken[0][0] if feed.taken else feed.number
                    raise SourceError(f"{source.name}: line {line}: {exc}") from None
                too_long, fields = True, []
                reader = csv.reader(feed, delimiter=source.delimiter or ",")
            taken = feed.taken
            start = taken[0][0]
            if len(taken) > 1 and (too_long or _swallowed(taken, fields, width, delimiter)):
                first = next(csv.reader([taken[0][1]], delimiter=source.delimiter or ","), [])
                feed.give_back(taken[1:])
                reader = csv.reader(feed, delimiter=source.delimiter or ",")
                column = ""
                if width is not None and 0 < len(first) <= width and source.header:
                    column = source.header[len(first) - 1]
                yield Record(
                    start,
                    first,
                    f"an unclosed quote: the quote opened in field {len(first)} is not closed on "
                    "this line (the lines after it were read on their own)",
                    column,
                )
                continue
            if too_long:
                yield Record(
                    start,
                    [taken[0][1].rstrip("\r\n")],
                    f"a field is longer than {source.limits.max_cell_kb:,.0f} KiB "
                    "([imports] max_cell_kb)",
                )
                continue
            yield Record(start, fields)


_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3}[0-9]+)"')
_SCAN_CHUNK = 1 << 20


def _member_limit(member: str, limits: ImportLimits) -> tuple[int, str]:
    """(bytes, setting) a member of an .xlsx may inflate to."""
    if "sharedstrings" in member.lower():
        return limits.shared_strings_bytes, "max_shared_strings_mb"
    return limits.member_bytes, "max_member_mb"


def _mb(n: int | float) -> str:
    return f"{n / (1 << 20):,.0f} MB"


def check_archive(path: Path, name: str, limits: ImportLimits) -> None:
    """Refuse an .xlsx that would expand past the `[imports]` limits, before it is parsed:
    first by the sizes its members declare, then by the sizes they really inflate to
    (decompressed in chunks and counted, never held), and by the longest text between two
    XML tags (a cell, or a shared string, longer than `max_cell_kb`)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = 0
            for info in infos:
                limit, key = _member_limit(info.filename, limits)
                total += info.file_size
                if info.file_size > limit:
                    raise SourceError(
                        f"{name}: the workbook's part {info.filename} declares "
                        f"{_mb(info.file_size)} uncompressed ({info.compress_size:,} bytes "
                        f"compressed); the limit is {_mb(limit)} ([imports] {key}): refused "
                        "before reading it"
                    )
            if total > limits.workbook_bytes:
                raise SourceError(
                    f"{name}: the workbook declares {_mb(total)} uncompressed in all; the limit "
                    f"is {_mb(limits.workbook_bytes)} ([imports] max_workbook_mb)"
                )
            inflated = 0
            for info in infos:
                room = limits.workbook_bytes - inflated
                try:
                    inflated += _scan_member(zf, info, name, limits, room)
                except zipfile.BadZipFile:  # zipfile stops at the declared size, then CRC fails
                    limit, key = _member_limit(info.filename, limits)
                    real = _inflated_size(path, info, limit)
                    if real <= info.file_size:
                        raise
                    more = f"more than {_mb(limit)}" if real > limit else f"{real:,} bytes"
                    raise SourceError(
                        f"{name}: the workbook's part {info.filename} declares "
                        f"{info.file_size:,} bytes uncompressed but inflates to {more}: a forged "
                        f"archive (the limit is {_mb(limit)}, [imports] {key}), refused before "
                        "reading it"
                    ) from None
    except zipfile.BadZipFile as exc:
        raise SourceError(
            f"{name}: a ZIP file that is not a readable .xlsx workbook ({exc})"
        ) from None
    except (OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise SourceError(
            f"{name}: a ZIP file that is not a readable .xlsx workbook ({exc})"
        ) from None


def _scan_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: ImportLimits, room: int
) -> int:
    """The bytes a member really inflates to, refused past its limit (or `room`, what is left
    of the workbook's); in XML, a run of text without `<` longer than a cell may be."""
    limit, key = _member_limit(info.filename, limits)
    xml = info.filename.lower().endswith(".xml")
    cell = limits.cell_bytes
    long_text = re.compile(rb"[^<]{%d}" % (cell + 1))
    size = run = strings = 0
    last_ref = b""
    with zf.open(info) as member:
        while chunk := member.read(_SCAN_CHUNK):
            size += len(chunk)
            if size > limit or size > room:
                over, setting = (limit, key) if size > limit else (room, "max_workbook_mb")
                raise SourceError(
                    f"{name}: the workbook's part {info.filename} inflates to more than "
                    f"{_mb(over)} (it declares {info.file_size:,} bytes); the limit is "
                    f"{_mb(over)} ([imports] {setting}): refused before reading it"
                )
            if not xml:
                continue
            first = chunk.find(b"<")
            at = None
            if run + (len(chunk) if first < 0 else first) > cell:
                at = 0
            elif (m := long_text.search(chunk)) is not None:
                at = m.start()
            if at is not None:
                ref = _CELL_REF.findall(chunk[: at + 1] if at else b"")
                where = (ref[-1] if ref else last_ref).decode()
                strings += chunk[:at].count(b"<si>") + chunk[:at].count(b"<si ")
                if "sharedstrings" in info.filename.lower():
                    place = f"shared text no. {strings} (xl/sharedStrings.xml)"
                else:
                    place = f"cell {where} of {info.filename}" if where else info.filename
                raise SourceError(
                    f"{name}: {place}: a text longer than {limits.max_cell_kb:,.0f} KiB "
                    "([imports] max_cell_kb); refused before reading the workbook"
                )
            run = run + len(chunk) if first < 0 else len(chunk) - chunk.rfind(b"<") - 1
            if "sharedstrings" in info.filename.lower():
                strings += chunk.count(b"<si>") + chunk.count(b"<si ")
            tail = chunk.rfind(b"<c ")
            if tail >= 0 and (m := _CELL_REF.match(chunk, tail)) is not None:
                last_ref = m.group(1)
    return size


def _inflated_size(path: Path, info: zipfile.ZipInfo, cap: int) -> int:
    """What a deflated member really inflates to, whatever it declares, counted in pieces of
    1 MiB and no further than just past `cap`."""
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return info.file_size
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        head = fh.read(30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            return info.file_size
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        fh.seek(name_len + extra_len, 1)
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        left, size = info.compress_size, 0
        while left > 0 and size <= cap:
            data = fh.read(min(left, _SCAN_CHUNK))
            if not data:
                break
            left -= len(data)
            try:
                while data and size <= cap:
                    size += len(inflate.decompress(data, _SCAN_CHUNK))
                    data = inflate.unconsumed_tail
            except zlib.error:
                break
    return size


def _open_xlsx(
    path: Path, name: str, score: Callable[[list[str]], int] | None, limits: ImportLimits
) -> Source:
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
            for i, row in _sheet_rows(ws, name, limits):
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
    return Source(
        path,
        name,
        "xlsx",
        [h.strip() for h in header],
        line,
        sheet=title,
        notes=notes,
        limits=limits,
    )


def _load_workbook(stream: BinaryIO):
    """Open a workbook by its content: openpyxl refuses a path not named .xlsx, not a stream
    (an export saved as `.csv` or without an extension is still read)."""
    import openpyxl

    return openpyxl.load_workbook(stream, read_only=True, data_only=True)


def _sheet_rows(ws, name: str, limits: ImportLimits) -> Iterator[tuple[int, tuple]]:
    """A read-only sheet's rows with their numbers, without padding every row to the width
    the sheet declares, refusing a row wider than `max_columns` before openpyxl builds it
    (a cell at column 10,000,000 would be a list of 10 million) and a sheet past Excel's
    last row."""
    ws.reset_dimensions()
    build = ws._get_row

    def guarded(row, min_col=1, max_col=None, values_only=False):
        if row and row[-1]["column"] > limits.max_columns:
            raise SourceError(
                f"{name}: sheet {ws.title}: a row has a cell in column {row[-1]['column']:,}; "
                f"the limit is {limits.max_columns:,} columns ([imports] max_columns)"
            )
        return build(row, min_col, max_col, values_only)

    ws._get_row = guarded
    rows = enumerate(ws.iter_rows(values_only=True), start=1)
    while True:
        try:
            i, row = next(rows)
        except StopIteration:
            return
        except SourceError:
            raise
        except (ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise SourceError(f"{name}: sheet {ws.title}: an unreadable row ({exc})") from None
        if i > EXCEL_MAX_ROWS:
            raise SourceError(
                f"{name}: sheet {ws.title}: more than {EXCEL_MAX_ROWS:,} rows, more than Excel "
                "itself allows"
            )
        yield i, row


def _xlsx_rows(source: Source) -> Iterator[Record]:
    with source.path.open("rb") as stream:
        wb = _load_workbook(stream)
        try:
            ws = wb[source.sheet]
            for i, row in _sheet_rows(ws, source.name, source.limits):
                yield Record(i, [_cell_text(v) for v in row])
        finally:
            wb.close()


def records(source: Source, start: int = 0, first_line: int = 1) -> Iterator[Record]:
    """The data rows below the header, blank rows skipped; a row whose field count does not
    fit the header carries the problem instead of being guessed at. (`start`, `first_line`:
    a CSV read from that byte offset, which begins that line.)"""
    width = len(source.header)
    rows = (
        _csv_rows(source, width, start, first_line)
        if source.format == "csv"
        else _xlsx_rows(source)
    )
    for rec in rows:
        if rec.line <= source.header_line:
            continue
        shaped = _shaped(rec, width, source.format)
        if shaped is not None:
            yield shaped


def _shaped(rec: Record, width: int, fmt: str) -> Record | None:
    """A row as the checks take it: None for a blank row, the problem named for a row whose
    field count does not fit the header, trailing empty fields dropped."""
    fields = rec.fields
    if rec.problem is not None:  # found by the reader: an unclosed quote, a huge field
        return rec
    if not "".join(fields).strip():
        return None
    if len(fields) > width:
        if any(f.strip() for f in fields[width:]):
            return Record(
                rec.line,
                fields,
                f"the row has {len(fields)} fields but the header has {width}",
            )
        fields = fields[:width]
    elif len(fields) < width:
        if fmt == "xlsx":  # read-only sheets drop trailing empty cells
            fields = fields + [""] * (width - len(fields))
        else:
            return Record(
                rec.line,
                fields,
                f"the row has {len(fields)} fields but the header has {width} "
                "(a line break inside an unquoted value?)",
            )
    return Record(rec.line, fields)
