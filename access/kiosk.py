"""Kiosk links: a big screen shows one hall to whoever holds its link's token.

    link, token = add(conn, "H01", by="cli:root", label="大厅东屏", expires_at=…)
    url(base, "H01", token)      # {base}/screen?hall=H01&kiosk=<token>
    check(conn, token)           # → the link's hall, or None (unknown, revoked, expired)

The token (`secrets.token_urlsafe(32)`, 256 bits) is shown once when the link is made; the
database keeps only its SHA-256, so a copy of the database does not open any screen. Making
and revoking a link are audited in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from access import audit, tables
from queries import schema as s

SEEN_EVERY = dt.timedelta(minutes=1)  # last_seen_at is written at most this often


class KioskError(ValueError):
    pass


@dataclass(frozen=True)
class KioskLink:
    link_id: int
    hall_id: str
    label: str | None
    created_by: str | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_seen_at: dt.datetime | None

    def state(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def to_json(self, now: dt.datetime) -> dict:
        def iso(value):
            return None if value is None else value.isoformat(sep=" ")

        return {
            "link_id": self.link_id,
            "hall_id": self.hall_id,
            "label": self.label,
            "state": self.state(now),
            "created_by": self.created_by,
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "revoked_at": iso(self.revoked_at),
            "last_seen_at": iso(self.last_seen_at),
        }


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def url(base: str, hall_id: str, token: str) -> str:
    """The screen's address: `{base}/screen?hall=…&kiosk=…`."""
    return f"{base.rstrip('/')}/screen?{urlencode({'hall': hall_id, 'kiosk': token})}"


def _link(row) -> KioskLink:
    return KioskLink(
        link_id=int(row.link_id),
        hall_id=row.hall_id,
        label=row.label,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_seen_at=row.last_seen_at,
    )


def add(
    conn: Connection,
    hall_id: str,
    *,
    by: str,
    label: str | None = None,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> tuple[KioskLink, str]:
    """Make a link for a hall; returns it and its token (shown this once, never stored)."""
    tables.ensure(conn)
    if not tables.exists(conn, s.halls) or (
        conn.execute(sa.select(s.halls.c.hall_id).where(s.halls.c.hall_id == hall_id)).first()
        is None
    ):
        raise KioskError(f"unknown hall {hall_id!r} (not in halls)")
    now = now or tables.network_now(conn)
    if expires_at is not None and expires_at <= now:
        raise KioskError(f"the expiry {expires_at:%Y-%m-%d %H:%M} is not in the future")
    token = secrets.token_urlsafe(32)
    result = conn.execute(
        s.kiosk_links.insert().values(
            hall_id=hall_id,
            token_sha256=token_hash(token),
            label=label,
            created_by=by,
            created_at=now,
            expires_at=expires_at,
        )
    )
    link_id = int(result.inserted_primary_key[0])
    audit.record(
        conn,
        who=by,
        role="cli" if by.startswith("cli:") else None,
        action="kiosk_add",
        target=f"kiosk:{link_id}",
        detail={"hall_id": hall_id, "label": label, "expires_at": expires_at},
        at=now,
    )
    return get(conn, link_id), token


def get(conn: Connection, link_id: int) -> KioskLink | None:
    if not tables.exists(conn, s.kiosk_links):
        return None
    row = conn.execute(sa.select(s.kiosk_links).where(s.kiosk_links.c.link_id == link_id)).first()
    return None if row is None else _link(row)


def list_links(conn: Connection, hall_id: str | None = None) -> list[KioskLink]:
    """Every link (revoked and expired ones too), newest first."""
    k = s.kiosk_links
    if not tables.exists(conn, k):
        return []
    stmt = sa.select(k).order_by(k.c.link_id.desc())
    if hall_id is not None:
        stmt = stmt.where(k.c.hall_id == hall_id)
    return [_link(r) for r in conn.execute(stmt)]


def live_halls(conn: Connection, now: dt.datetime | None = None) -> set[str]:
    """The halls with at least one live link (neither revoked nor expired): the wall screens
    that open, or reconnect after a restart, with a token."""
    k = s.kiosk_links
    if not tables.exists(conn, k):
        return set()
    now = now or tables.network_now(conn)
    stmt = (
        sa.select(k.c.hall_id)
        .distinct()
        .where(k.c.revoked_at.is_(None), sa.or_(k.c.expires_at.is_(None), k.c.expires_at > now))
    )
    return set(conn.execute(stmt).scalars())


def revoke(conn: Connection, link_id: int, *, by: str, now: dt.datetime | None = None) -> KioskLink:
    """Revoke a link: its screen shows nothing from its next refresh on."""
    link = get(conn, link_id)
    if link is None:
        raise KioskError(f"no kiosk link {link_id}")
    if link.revoked_at is not None:
        raise KioskError(f"kiosk link {link_id} was revoked already ({link.revoked_at})")
    now = now or tables.network_now(conn)
    k = s.kiosk_links
    conn.execute(k.update().where(k.c.link_id == link_id).values(revoked_at=now))
    audit.record(
        conn,
        who=by,
        role="cli" if by.startswith("cli:") else None,
        action="kiosk_revoke",
        target=f"kiosk:{link_id}",
        detail={"hall_id": link.hall_id, "label": link.label},
        at=now,
    )
    return get(conn, link_id)


def check(conn: Connection, token: str | None, now: dt.datetime | None = None) -> KioskLink | None:
    """The live link a token opens, or None (no token, unknown, revoked or expired). Notes
    when the screen was last seen (at most once a minute), so call it in a transaction
    (`engine.begin()`). The token is looked up by its SHA-256: no stored secret to compare."""
    k = s.kiosk_links
    if not token or not tables.exists(conn, k):
        return None
    row = conn.execute(sa.select(k).where(k.c.token_sha256 == token_hash(token))).first()
    if row is None:
        return None
    link = _link(row)
    now = now or tables.network_now(conn)
    if link.state(now) != "active":
        return None
    if link.last_seen_at is None or now - link.last_seen_at >= SEEN_EVERY:
        conn.execute(k.update().where(k.c.link_id == link.link_id).values(last_seen_at=now))
    return link
