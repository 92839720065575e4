"""A file's data rows in batches for the checks, as polars columns of text.

A CSV is read a block of bytes at a time and split into columns by polars wherever that gives
exactly what the record reader (`imports.sources.records`) would: a block without quotes, NUL
bytes or bare carriage returns, whose lines are shorter than `[imports] max_cell_kb`, has one
record per line and its fields between the delimiters. The first block that is not like that
(a quoted field, a broken line) hands the rest of the file to the record reader, which knows
every broken shape, so the rules for hostile files hold unchanged and only their speed
differs. An `.xlsx`, a UTF-16 file and a file of mixed encodings are read record by record.

Each batch holds at most `size` rows and about `max_bytes` of text ([imports] chunk_mb), so
memory stays bounded by the batch size whatever the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import polars as pl

from imports.sources import Record, Source, _shaped, records

LINE, IDX = "__line", "__idx"
FAST_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
BLOCK_BYTES = 16 << 20


def field_column(position: int) -> str:
    """The batch frame's column of the file's field at `position` (headers may repeat)."""
    return f"__f{position}"


@dataclass
class Batch:
    """Rows checked together. `frame` holds the rows read whole (IDX, LINE and one text column
    per field of the header, `field_column(i)`), `odd` the rows the reader found a problem
    in (an unclosed quote, a wrong field count), by IDX. IDX numbers the batch's rows in the
    order of the file. `position` (when known) tells how far into the file the batch ends,
    for a progress bar."""

    frame: pl.DataFrame
    odd: dict[int, Record]
    position: int | None = None  # bytes of the file read up to the end of this batch

    @property
    def rows(self) -> int:
        return self.frame.height + len(self.odd)

    def record(self, idx: int) -> Record:
        """The row as the file had it (for the rejects file)."""
        if idx in self.odd:
            return self.odd[idx]
        pos = self.frame[IDX].search_sorted(idx)
        row = self.frame.row(int(pos))
        return Record(row[1], [("" if v is None else v) for v in row[2:]])

    def line(self, idx: int) -> int:
        if idx in self.odd:
            return self.odd[idx].line
        return self.frame[LINE][int(self.frame[IDX].search_sorted(idx))]

    @classmethod
    def from_records(cls, rows: list[Record], width: int) -> Batch:
        good = [(i, r) for i, r in enumerate(rows) if r.problem is None]
        odd = {i: r for i, r in enumerate(rows) if r.problem is not None}
        columns = list(zip(*(r.fields for _, r in good), strict=True)) if good else []
        data: dict[str, list] = {
            IDX: [i for i, _ in good],
            LINE: [r.line for _, r in good],
        }
        for p in range(width):
            data[field_column(p)] = list(columns[p]) if columns else []
        frame = pl.DataFrame(data, schema_overrides={IDX: pl.Int64, LINE: pl.Int64})
        frame = frame.with_columns(pl.all().exclude(IDX, LINE).cast(pl.String))
        return cls(frame, odd)


def record_batches(
    rows: Iterable[Record], width: int, size: int, max_bytes: int
) -> Iterator[Batch]:
    """Records grouped into batches of at most `size` rows and about `max_bytes` of text, so
    a file of huge rows is checked a few rows at a time."""
    batch: list[Record] = []
    text = 0
    for rec in rows:
        batch.append(rec)
        text += sum(map(len, rec.fields))
        if len(batch) >= size or text >= max_bytes:
            yield Batch.from_records(batch, width)
            batch = []
            text = 0
    if batch:
        yield Batch.from_records(batch, width)


def batches(source: Source, size: int, max_bytes: int) -> Iterator[Batch]:
    """The data rows of `source` in batches (see the module docstring)."""
    width = len(source.header)
    start = _fast_start(source)
    if start is None:
        yield from record_batches(records(source), width, size, max_bytes)
        return
    yield from _fast_batches(source, *start, size, max_bytes)


def _plain(block: bytes) -> bool:
    """A block whose every line is one record, its fields split at the delimiter."""
    return b'"' not in block and b"\x00" not in block and block.count(b"\r") == block.count(b"\r\n")


def _fast_start(source: Source) -> tuple[int, int] | None:
    """(byte offset, line number) of the line after the header, when the file can be read
    fast from there (None: record by record from the start)."""
    if source.format != "csv" or source.mixed or source.encoding not in FAST_ENCODINGS:
        return None
    limit = source.limits.line_bytes
    with source.path.open("rb") as fh:
        for _ in range(source.header_line):
            line = fh.readline(limit + 1)
            if not line.endswith(b"\n") or not _plain(line):
                return None
        return fh.tell(), source.header_line + 1


def _fast_batches(
    source: Source, offset: int, line: int, size: int, max_bytes: int
) -> Iterator[Batch]:
    width = len(source.header)
    delimiter = source.delimiter or ","
    encoding = "utf-8" if source.encoding == "utf-8-sig" else source.encoding
    longest = min(source.limits.cell_bytes, source.limits.line_bytes)
    block_bytes = max(1, min(max_bytes, BLOCK_BYTES))
    # what str.strip() takes off (Unicode white space and \x1c-\x1f), and delimiters
    blank = r"^[\s\x1c-\x1f" + delimiter + r"]*$"
    carry = b""
    with source.path.open("rb") as fh:
        fh.seek(offset)
        while True:
            data = fh.read(block_bytes)
            buf = carry + data
            if not buf:
                return
            cut = len(buf) if not data else buf.rfind(b"\n") + 1
            if cut == 0:  # no end of line yet
                if len(buf) > longest:
                    break
                carry = buf
                continue
            block, carry = buf[:cut], buf[cut:]
            if not _plain(block):
                break
            lines = block.decode(encoding).split("\n")
            if block.endswith(b"\n"):
                lines.pop()
            text = pl.Series("text", lines, dtype=pl.String).str.strip_suffix("\r")
            if text.str.len_bytes().max() > longest:
                break
            del lines
            ends = text.str.len_bytes().cum_sum() + pl.Series(range(1, text.len() + 1))
            for first in range(0, text.len(), size):
                part = text.slice(first, size)
                batch = _fast_batch(part, line + first, width, delimiter, blank)
                batch.position = offset + int(ends[min(first + size, text.len()) - 1])
                yield batch
            offset += len(block)
            line += text.len()
    # the rest of the file, from the block that is not plain, record by record
    rest = records(source, start=offset, first_line=line)
    yield from record_batches(rest, width, size, max_bytes)


def _fast_batch(text: pl.Series, first_line: int, width: int, delimiter: str, blank: str) -> Batch:
    frame = pl.DataFrame({"text": text}).with_columns(
        pl.int_range(first_line, first_line + text.len(), dtype=pl.Int64).alias(LINE)
    )
    frame = frame.filter(~pl.col("text").str.contains(blank))  # blank rows are skipped
    frame = frame.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(IDX),
        (pl.col("text").str.count_matches(delimiter, literal=True) == width - 1).alias("__fits"),
    )
    fits = frame.filter(pl.col("__fits"))
    split = fits.select(
        IDX,
        LINE,
        pl.col("text")
        .str.split_exact(delimiter, width - 1)
        .struct.rename_fields([field_column(p) for p in range(width)])
        .alias("__fields"),
    ).unnest("__fields")
    odd: dict[int, Record] = {}
    extra: list[tuple[int, Record]] = []
    for idx, line, row in frame.filter(~pl.col("__fits")).select(IDX, LINE, "text").iter_rows():
        rec = _shaped(Record(line, row.split(delimiter)), width, "csv")
        if rec is None:  # cannot be: blank rows are gone
            continue
        if rec.problem is not None:
            odd[idx] = rec
        else:  # trailing empty fields dropped
            extra.append((idx, rec))
    if extra:
        more = Batch.from_records([rec for _, rec in extra], width).frame.with_columns(
            pl.Series(IDX, [idx for idx, _ in extra], dtype=pl.Int64)
        )
        split = pl.concat([split, more]).sort(IDX)
    return Batch(split, odd)
