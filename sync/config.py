"""`[[sync.sources]]` in hallpulse.toml: the feeds that keep the database current.

    [sync]
    rejects_dir = "data/sync-rejects"   # optional; rejected rows of SQL sources, per round
    backoff_max_s = 600                 # optional; longest wait after repeated failures

    [[sync.sources]]
    name = "queue"                      # unique
    kind = "sql"                        # or "folder"
    table = "tickets"                   # the contract table it fills
    url = "mysql+pymysql://reader@qms-db/qms"
    query = "select … from qh_record"   # or source_table = "qh_record"
    watermark = "update_time"           # an increasing column: a time or an id
    lookback_min = 5                    # re-read this much before the watermark (time)
    mapping = "queue-mapping.toml"      # optional: the `hall import --mapping` format
    interval_s = 30

    [[sync.sources]]
    name = "evaluations-inbox"
    kind = "folder"
    table = "evaluations"
    path = "/srv/inbox/evaluations"     # files land here; done/ and rejected/ beside them
    settle_s = 2                        # a file is taken once it stopped growing this long

Relative `mapping`, `path` and `rejects_dir` resolve against the config file's folder. Every
error names the source and the key; an unknown key is an error like everywhere in the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from imports.contract import IMPORT_ORDER
from imports.mapping import MappingError, load_mapping_file
from metrics.settings import SettingsError, config_path

KINDS = ("sql", "folder")
NAME_RE = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,64}$")
DEFAULT_INTERVAL_S = 30.0
DEFAULT_LOOKBACK_MIN = 5.0
DEFAULT_BATCH_ROWS = 10_000
DEFAULT_SETTLE_S = 2.0
DEFAULT_BACKOFF_MAX_S = 600.0
DEFAULT_REJECTS_DIR = "data/sync-rejects"

COMMON_KEYS = {"name", "kind", "table", "mapping", "interval_s", "backoff_max_s"}
KIND_KEYS = {
    "sql": {"url", "query", "source_table", "watermark", "lookback_min", "lookback_ids"}
    | {"batch_rows"},
    "folder": {"path", "settle_s"},
}
SYNC_KEYS = {"sources", "rejects_dir", "backoff_max_s"}


class SyncConfigError(SettingsError):
    """A `[sync]` section that cannot be used; the message names the source and the key."""


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str  # sql | folder
    table: str
    interval_s: float = DEFAULT_INTERVAL_S
    backoff_max_s: float = DEFAULT_BACKOFF_MAX_S
    mapping: Path | None = None
    declared: dict = field(default_factory=dict)  # the mapping file's content
    # sql
    url: str | None = None
    query: str | None = None
    source_table: str | None = None
    watermark: str | None = None
    lookback_min: float = DEFAULT_LOOKBACK_MIN
    lookback_ids: int = 0
    batch_rows: int = DEFAULT_BATCH_ROWS
    # folder
    path: Path | None = None
    settle_s: float = DEFAULT_SETTLE_S


@dataclass(frozen=True)
class SyncConfig:
    path: Path | None  # the config file (None: there is none)
    sources: tuple[SourceConfig, ...] = ()
    rejects_dir: Path = Path(DEFAULT_REJECTS_DIR)

    def source(self, name: str) -> SourceConfig:
        for src in self.sources:
            if src.name == name:
                return src
        known = ", ".join(s.name for s in self.sources) or "none"
        raise SyncConfigError(f"no sync source named {name!r} (declared: {known})")


def load_sync_config(path: Path | None = None) -> SyncConfig:
    """The `[sync]` section of the settings file ($HALLPULSE_CONFIG, else ./hallpulse.toml)."""
    path = Path(path or config_path())
    if not path.exists():
        return SyncConfig(path=None)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SyncConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_sync(data.get("sync", {}), path)


def parse_sync(section: object, path: Path) -> SyncConfig:
    base = path.resolve().parent
    if not isinstance(section, dict):
        raise SyncConfigError(f"{path}: [sync] must be a table")
    unknown = sorted(set(section) - SYNC_KEYS)
    if unknown:
        raise SyncConfigError(
            f"{path}: [sync]: unknown key(s) {', '.join(unknown)}; known: "
            + ", ".join(sorted(SYNC_KEYS))
        )
    backoff = _number(section, "backoff_max_s", DEFAULT_BACKOFF_MAX_S, f"{path}: [sync]", 1)
    rejects_dir = _resolve(base, section.get("rejects_dir", DEFAULT_REJECTS_DIR))
    raw = section.get("sources", [])
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        raise SyncConfigError(f"{path}: sync.sources must be [[sync.sources]] tables")
    sources: list[SourceConfig] = []
    for i, entry in enumerate(raw, start=1):
        src = _source(entry, i, path, base, backoff)
        if any(s.name == src.name for s in sources):
            raise SyncConfigError(
                f"{path}: [[sync.sources]] #{i} {src.name!r}: name: already used by an earlier "
                "source (names are unique)"
            )
        sources.append(src)
    return SyncConfig(path=path, sources=tuple(sources), rejects_dir=rejects_dir)


def _resolve(base: Path, value: object) -> Path:
    p = Path(str(value)).expanduser()
    return p if p.is_absolute() else base / p


def _number(entry: dict, key: str, default: float, where: str, minimum: float = 0) -> float:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise SyncConfigError(f"{where}: {key} must be a number ≥ {minimum:g} (got {value!r})")
    return float(value)


def _text(entry: dict, key: str, where: str, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise SyncConfigError(f"{where}: {key} is missing")
        return None
    if not isinstance(value, str) or not value.strip():
        raise SyncConfigError(f"{where}: {key} must be a non-empty string")
    return value.strip()


def _source(entry: dict, i: int, path: Path, base: Path, backoff: float) -> SourceConfig:
    label = entry.get("name")
    where = f"{path}: [[sync.sources]] #{i}" + (f" {label!r}" if isinstance(label, str) else "")
    name = _text(entry, "name", where)
    if not NAME_RE.match(name):
        raise SyncConfigError(
            f"{where}: name must be 1–64 letters, digits, Chinese characters, '_', '-' or '.'"
        )
    kind = _text(entry, "kind", where)
    if kind not in KINDS:
        raise SyncConfigError(f"{where}: kind must be one of {', '.join(KINDS)} (got {kind!r})")
    unknown = sorted(set(entry) - COMMON_KEYS - KIND_KEYS[kind])
    if unknown:
        other = [k for k in unknown if any(k in keys for keys in KIND_KEYS.values())]
        hint = f" ({', '.join(other)}: not for kind = {kind!r})" if other else ""
        raise SyncConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}{hint}; known for {kind}: "
            + ", ".join(sorted(COMMON_KEYS | KIND_KEYS[kind]))
        )
    table = _text(entry, "table", where)
    if table not in IMPORT_ORDER:
        raise SyncConfigError(
            f"{where}: table {table!r} is not a contract table ({', '.join(IMPORT_ORDER)})"
        )
    mapping, declared = None, {}
    if (text := _text(entry, "mapping", where, required=False)) is not None:
        mapping = _resolve(base, text)
        try:
            declared = load_mapping_file(mapping)
        except MappingError as exc:
            raise SyncConfigError(f"{where}: mapping: {exc}") from None
    common = {
        "name": name,
        "kind": kind,
        "table": table,
        "interval_s": _number(entry, "interval_s", DEFAULT_INTERVAL_S, where, 0.1),
        "backoff_max_s": _number(entry, "backoff_max_s", backoff, where, 1),
        "mapping": mapping,
        "declared": declared,
    }
    if kind == "folder":
        folder = _resolve(base, _text(entry, "path", where))
        return SourceConfig(
            **common, path=folder, settle_s=_number(entry, "settle_s", DEFAULT_SETTLE_S, where)
        )
    url = _text(entry, "url", where)
    query = _text(entry, "query", where, required=False)
    source_table = _text(entry, "source_table", where, required=False)
    if (query is None) == (source_table is None):
        raise SyncConfigError(f"{where}: give exactly one of query or source_table")
    if query is not None:
        query = query.rstrip().rstrip(";")
    batch = _number(entry, "batch_rows", DEFAULT_BATCH_ROWS, where, 1)
    lookback_ids = _number(entry, "lookback_ids", 0, where)
    if not float(batch).is_integer() or not float(lookback_ids).is_integer():
        raise SyncConfigError(f"{where}: batch_rows and lookback_ids are whole numbers")
    return SourceConfig(
        **common,
        url=url,
        query=query,
        source_table=source_table,
        watermark=_text(entry, "watermark", where),
        lookback_min=_number(entry, "lookback_min", DEFAULT_LOOKBACK_MIN, where),
        lookback_ids=int(lookback_ids),
        batch_rows=int(batch),
    )
