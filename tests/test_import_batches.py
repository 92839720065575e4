"""The block reader (imports/batches.py) gives exactly the rows of the record reader: the same
lines, fields and problems, in blocks read by polars until the first quote, record by record
after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from imports import batches as batches_mod
from imports.batches import Batch, batches
from imports.sources import open_source, records

HEADER = "ticket_id,hall_id,queue_id,issued_at,status,source"
ROWS = [
    "T1,H01,Q1,2026-03-02 09:00:00,served,walk_in",
    "",  # blank line: skipped, still counted
    " , ,,",  # only delimiters and spaces: skipped
    "T2,H01,Q1,2026-03-02 09:01:00,served",  # a field short
    "T3,H01,Q1,2026-03-02 09:02:00,served,walk_in,,  ",  # trailing empty fields: dropped
    "T4,H01,Q1,2026-03-02 09:03:00,served,walk_in,extra",  # a field too many
    "T5,H01,Q1,2026-03-02 09:04:00,served,walk_in\r",  # CRLF
    "T6,H01,Q1,2026-03-02 09:05:00,served,walk_in",
    'T7,H01,"Q1",2026-03-02 09:06:00,served,walk_in',  # a quote: record by record from here
    'T8,H01,Q1,"2026-03-02',  # an unclosed quote
    "T9,H01,Q1,2026-03-02 09:08:00,served,walk_in",
]


def _rows(items: list[Batch]) -> list[tuple]:
    out = []
    for batch in items:
        for i in range(batch.rows):
            rec = batch.record(i)
            out.append((rec.line, list(rec.fields), rec.problem))
            assert batch.line(i) == rec.line
    return out


@pytest.mark.parametrize("block", [1 << 20, 40, 90])
@pytest.mark.parametrize("size", [1, 3, 1000])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_blocks_read_like_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int, size: int, encoding: str
) -> None:
    monkeypatch.setattr(batches_mod, "BLOCK_BYTES", block)
    path = tmp_path / "t.csv"
    text = "\n".join(["取号记录 导出", HEADER, *ROWS]) + "\n"
    path.write_bytes(text.encode(encoding))
    source = open_source(path, score=lambda names: len(set(names) & set(HEADER.split(","))))
    assert source.header_line == 2
    expected = [(r.line, list(r.fields), r.problem) for r in records(source)]
    got = _rows(list(batches(source, size, 1 << 30)))
    assert got == expected
    lines = [line for line, _, _ in got]
    assert lines == [3, 6, 7, 8, 9, 10, 11, 12, 13]
    assert [p is not None for _, _, p in got] == [
        False, True, False, True, False, False, False, True, False,
    ]  # fmt: skip


def test_plain_file_is_read_in_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file without quotes never reaches the record reader."""
    path = tmp_path / "t.csv"
    path.write_text(
        "\n".join([HEADER, *(f"T{i},H01,Q1,2026-03-02 09:00:00,served,walk_in" for i in range(50))])
        + "\n",
        encoding="utf-8",
    )
    source = open_source(path)

    def refuse(*_args, **_kwargs):
        raise AssertionError("read record by record")

    monkeypatch.setattr(batches_mod, "records", refuse)
    got = _rows(list(batches(source, 7, 1 << 30)))
    assert [line for line, _, _ in got] == list(range(2, 52))
    assert got[-1][1] == ["T49", "H01", "Q1", "2026-03-02 09:00:00", "served", "walk_in"]


def test_batches_tell_how_far_into_the_file_they_end(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "\n".join([HEADER, *(f"T{i},H01,Q1,2026-03-02 09:00:00,served,walk_in" for i in range(50))])
        + "\n",
        encoding="utf-8",
    )
    positions = [b.position for b in batches(open_source(path), 20, 1 << 30)]
    assert positions[-1] == path.stat().st_size
    assert positions == sorted(positions) and len(positions) == 3


def test_progress_bar_redraws_one_line(tmp_path: Path) -> None:
    import io

    from cli.main import ProgressBar
    from imports.importer import ImportReport

    out = io.StringIO()
    bar = ProgressBar(out)
    report = ImportReport(file="t.csv", table="tickets", rows_read=500_000, rejected=3)
    bar.update(report, 0.5)
    bar.update(report, None)
    bar.log("rebuilding the daily rollups")
    text = out.getvalue()
    bar_50 = "\r[" + "#" * 15 + "." * 15 + "]  50%  500,000 rows checked, 3 rejected"
    assert text.startswith(bar_50)
    assert "\r500,000 rows checked, 3 rejected" in text
    assert text.endswith("\nrebuilding the daily rollups\n")
