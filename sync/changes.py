"""Changes to the feeds' settings in the audit trail.

The feeds are declared in the settings file (`[[sync.sources]]`), which an admin edits on the
server; `hall sync run` compares what it starts with against what the database last ran and
writes one `sync_change` row to the audit trail when a source was added, removed or changed
(its kind, table, interval, query, source table, watermark, mapping, folder or the database
it reads — with the password left out), naming who started it.

    changes = note_config(engine, config, who="cli:ops")   # {"added": [...], ...} or None
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from sqlalchemy.engine import Engine

from access import audit
from queries.db import get_meta, redact, set_meta
from sync.config import SourceConfig, SyncConfig

META_KEY = "sync_sources"


def fingerprint(source: SourceConfig) -> str:
    """A digest of what a source does (passwords left out of its URL)."""
    data = {}
    for f in dataclasses.fields(source):
        value = getattr(source, f.name)
        if f.name == "url" and value:
            value = redact(value)
        data[f.name] = value
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    """Sources added, removed and changed between two {name: fingerprint} maps."""
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": sorted(n for n in set(before) & set(after) if before[n] != after[n]),
    }


def note_config(engine: Engine, config: SyncConfig, who: str) -> dict | None:
    """Record a change of the feeds' settings since the last run (the first run counts as
    adding every source); None when nothing changed."""
    now = {s.name: fingerprint(s) for s in config.sources}
    with engine.begin() as conn:
        stored = get_meta(conn).get(META_KEY)
        before = json.loads(stored) if stored else {}
        changes = diff(before, now)
        if not any(changes.values()):
            return None
        set_meta(conn, {META_KEY: json.dumps(now, sort_keys=True)})
    described = {
        name: {"kind": s.kind, "table": s.table, "url": redact(s.url) if s.url else None}
        for s in config.sources
        if (name := s.name) in changes["added"] + changes["changed"]
    }
    audit.record(
        engine,
        who=who,
        role="admin",
        action="sync_change",
        target=str(config.path) if config.path else "[sync.sources]",
        detail={**changes, "sources": described},
        client=who,
    )
    return changes
