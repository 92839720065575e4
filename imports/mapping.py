"""Which source column feeds which contract column, and how its values translate.

A mapping file (TOML) overrides or completes what the presets recognise:

    [columns]                    # contract column = source header
    ticket_id = "流水号"
    issued_at = "取号时间"

    [constants]                  # a value for a column the export does not have
    hall_id = "H01"

    [values.status]              # source value = contract code (added to the presets)
    "已叫未到" = "no_show"

    [formats]                    # strftime format tried before the built-in ones
    issued_at = "%d/%m/%Y %H:%M"
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from imports.contract import TableSpec
from imports.presets import header_synonyms, value_synonyms


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the entry."""


@dataclass
class Mapping:
    """The resolved mapping of one file onto one table."""

    table: str
    columns: dict[str, str] = field(default_factory=dict)  # contract column → source header
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # column → {source: code}
    formats: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # source headers no column uses
    origin: dict[str, str] = field(default_factory=dict)  # contract column → "preset"/"file"

    def missing(self, spec: TableSpec) -> list[str]:
        """Required contract columns with neither a source column nor a constant."""
        return [c for c in spec.required if c not in self.columns and c not in self.constants]

    def value_map(self, column: str) -> dict[str, str]:
        out = value_synonyms(self.table, column)
        out.update({k.strip().lower(): v for k, v in self.values.get(column, {}).items()})
        return out

    def describe(self, spec: TableSpec) -> list[dict[str, str]]:
        """One row per contract column: what feeds it (for `--show-mapping` and the page)."""
        rows = []
        for col in spec.columns:
            if col.name in self.columns:
                source, how = self.columns[col.name], self.origin.get(col.name, "preset")
            elif col.name in self.constants:
                source, how = f"= {self.constants[col.name]}", "constant"
            else:
                source, how = "", "missing" if col.required else "absent"
            rows.append(
                {
                    "column": col.name,
                    "required": "yes" if col.required else "",
                    "source": source,
                    "how": how,
                }
            )
        return rows


def normalise_header(text: str) -> str:
    """Compare headers by content: full/half width, case, spaces, brackets and markers ignored."""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", s)
    return re.sub(r"[\s_\-*:：]+", "", s)


def load_mapping_file(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise MappingError(f"{path}: mapping file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: not a valid TOML mapping: {exc}") from None
    known = {"columns", "constants", "values", "formats"}
    for key, value in data.items():
        if key not in known:
            raise MappingError(
                f"{path}: unknown section [{key}]; sections: {', '.join(sorted(known))}"
            )
        if not isinstance(value, dict):
            raise MappingError(f"{path}: [{key}] must be a table of name = value")
    return data


def resolve_mapping(
    spec: TableSpec, headers: list[str], declared: dict | None = None, source: str = "mapping"
) -> Mapping:
    """Match a file's headers to the table's columns: declared entries first, then presets.

    Each header feeds at most one column. Among presets, the contract name beats a synonym
    specific to the table, which beats a synonym shared by all tables; earlier synonyms win.
    """
    declared = declared or {}
    mapping = Mapping(table=spec.name)
    names = set(spec.column_names)
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(normalise_header(h), h)
    used: set[str] = set()

    for col, header in declared.get("columns", {}).items():
        if col not in names:
            raise MappingError(f"{source}: [columns] {col}: {spec.name} has no such column")
        found = header if header in headers else by_norm.get(normalise_header(header))
        if found is None:
            raise MappingError(
                f"{source}: [columns] {col} = {header!r}: the file has no such column "
                f"(it has: {', '.join(headers)})"
            )
        mapping.columns[col] = found
        mapping.origin[col] = "file"
        used.add(found)
    for section in ("constants", "formats", "values"):
        for col, value in declared.get(section, {}).items():
            if col not in names:
                raise MappingError(f"{source}: [{section}] {col}: {spec.name} has no such column")
            if section == "values" and not isinstance(value, dict):
                raise MappingError(f"{source}: [values.{col}] must map source values to codes")
            if section != "values" and not isinstance(value, str | int | bool):
                raise MappingError(f"{source}: [{section}] {col} must be a single value")
    mapping.constants = {k: str(v) for k, v in declared.get("constants", {}).items()}
    mapping.formats = {k: str(v) for k, v in declared.get("formats", {}).items()}
    mapping.values = {
        col: {str(k): str(v) for k, v in vals.items()}
        for col, vals in declared.get("values", {}).items()
    }

    candidates = []
    for col in spec.column_names:
        if col in mapping.columns or col in mapping.constants:
            continue
        for klass, position, synonym in header_synonyms(spec.name, col):
            header = by_norm.get(normalise_header(synonym))
            if header is not None:
                rank = (klass, position, spec.column_names.index(col))
                candidates.append((rank, col, header))
    for _rank, col, header in sorted(candidates):
        if col in mapping.columns or header in used:
            continue
        mapping.columns[col] = header
        mapping.origin[col] = "preset"
        used.add(header)
    mapping.ignored = [h for h in headers if h not in used]
    return mapping


def recognised_count(spec: TableSpec, headers: list[str], declared: dict | None = None) -> int:
    """How many of the table's columns these headers feed (to find the header row below title
    rows, and to guess a file's table); a mapping that does not fit the row counts presets."""
    try:
        return len(resolve_mapping(spec, headers, declared).columns)
    except MappingError:
        return len(resolve_mapping(spec, headers).columns)
