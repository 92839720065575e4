"""Hostile files for the importer, written by the tests (and benchmarks/import_hostile.py) at
run time, never committed: an .xlsx whose one cell inflates to hundreds of megabytes, the same
with sizes that lie, a cell far right of the sheet.

A workbook is written part by part with zipfile, the big cell streamed into the sheet in 1 MiB
pieces, so making an 800 MB bomb costs 800 KB of disk and no memory.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
HEADER = ("ticket_id", "hall_id", "queue_id", "issued_at", "status", "source")
ROW = ("T1", "H01", "Q1", "2026-03-02 09:00:00", "waiting", "walk_in")
SHEET = "xl/worksheets/sheet1.xml"


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(number: int, values: tuple[str, ...]) -> str:
    cells = "".join(_cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def workbook(
    path: Path,
    *,
    big_cell_mb: float = 0,
    big_shared_mb: float = 0,
    far_column: int = 0,
    rows: int = 1,
) -> Path:
    """A tickets workbook: the header, then `rows` rows. `big_cell_mb` puts a text of that
    many MiB into cell D2 (issued_at), streamed; `big_shared_mb` puts it into the shared
    strings instead (used by D2); `far_column` adds a cell that far right on row 2."""
    chunk = b"A" * (1 << 20)
    whole, part = divmod(int(max(big_cell_mb, big_shared_mb) * (1 << 20)), 1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with zf.open("xl/sharedStrings.xml", "w") as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}">'.encode())
            fh.write(b"<si><t>x</t></si><si><t>")
            if big_shared_mb:
                for _ in range(whole):
                    fh.write(chunk)
                fh.write(chunk[:part])
            fh.write(b"</t></si></sst>")
        with zf.open(SHEET, "w") as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'.encode())
            fh.write(b"<sheetData>" + _row(1, HEADER).encode())
            for n in range(2, rows + 2):
                values = (f"T{n - 1}", *ROW[1:])
                if n == 2 and (big_cell_mb or big_shared_mb):
                    head = "".join(_cell(f"{chr(65 + i)}2", v) for i, v in enumerate(values[:3]))
                    fh.write(f'<row r="2">{head}'.encode())
                    if big_shared_mb:
                        fh.write(b'<c r="D2" t="s"><v>1</v></c>')
                    else:
                        fh.write(b'<c r="D2" t="inlineStr"><is><t>')
                        for _ in range(whole):
                            fh.write(chunk)
                        fh.write(chunk[:part] + b"</t></is></c>")
                    tail = "".join(_cell(f"{chr(69 + i)}2", v) for i, v in enumerate(values[4:]))
                    fh.write(f"{tail}</row>".encode())
                    continue
                text = _row(n, values)
                if n == 2 and far_column:
                    text = text.replace(
                        "</row>", f'<c r="{_column(far_column)}2"><v>1</v></c></row>'
                    )
                fh.write(text.encode())
            fh.write(b"</sheetData></worksheet>")
    return path


def _column(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def lie_about_sizes(path: Path, member: str = SHEET, size: int = 4096) -> None:
    """Rewrite the uncompressed size `member` declares, in its local header and in the central
    directory, to `size`: what a hand-made bomb does to slip past a check of declared sizes."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    local = data.find(b"PK\x03\x04")
    while local >= 0:
        name_len = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30 : local + 30 + name_len] == name:
            struct.pack_into("<I", data, local + 22, size)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == name:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))
