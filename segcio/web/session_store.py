"""Logged-in UI sessions held on the server: the cookie carries a random id, `ui_sessions` its SHA-256.

Deleting a row ends that session for every copy of the cookie (logout, password change)."""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import delete, insert, select

from segcio.store import Database
from segcio.store.tables.core import ui_sessions

LIFETIME_SECONDS = 12 * 3600


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(db: Database, now: float | None = None) -> str:
    """A new session; returns its id (only its hash is stored). Expired sessions are removed on the way."""
    now = time.time() if now is None else now
    session_id = secrets.token_urlsafe(32)
    with db.begin() as conn:
        conn.execute(delete(ui_sessions).where(ui_sessions.c.expires_at <= now))
        conn.execute(
            insert(ui_sessions).values(id_hash=_digest(session_id), created_at=now, expires_at=now + LIFETIME_SECONDS)
        )
    return session_id


def is_open(db: Database, session_id: str, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    with db.connect() as conn:
        found = conn.execute(
            select(ui_sessions.c.id_hash).where(
                ui_sessions.c.id_hash == _digest(session_id), ui_sessions.c.expires_at > now
            )
        ).first()
    return found is not None


def close_session(db: Database, session_id: str) -> None:
    with db.begin() as conn:
        conn.execute(delete(ui_sessions).where(ui_sessions.c.id_hash == _digest(session_id)))


def close_all(db: Database, keep: str = "") -> None:
    """End every session but `keep` (the one that changed the password)."""
    query = delete(ui_sessions)
    if keep:
        query = query.where(ui_sessions.c.id_hash != _digest(keep))
    with db.begin() as conn:
        conn.execute(query)
