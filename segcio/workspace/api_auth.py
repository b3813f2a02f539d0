"""Which workspace a Track API (Basic site_id:api_key) or App API (Bearer key) request belongs to."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from segcio.auth import parse_basic, parse_bearer, same
from segcio.store import Database
from segcio.store.tables.core import workspaces

# Credentials are read on every request; a short cache keeps that off the database without making key changes
# (`segcio workspace create`, rotated keys) wait long to take effect.
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class _Keys:
    workspace_id: int
    api_key: str
    expires: float


_site_cache: dict[tuple[str, str], _Keys] = {}
_app_cache: dict[tuple[str, str], tuple[int, float]] = {}


def _track_keys(db: Database, site_id: str) -> _Keys | None:
    cache_key = (db.url, site_id)
    now = time.monotonic()
    hit = _site_cache.get(cache_key)
    if hit is not None and hit.expires > now:
        return hit
    with db.connect() as conn:
        row = conn.execute(select(workspaces.c.id, workspaces.c.api_key).where(workspaces.c.site_id == site_id)).first()
    if row is None:
        _site_cache.pop(cache_key, None)
        return None
    keys = _Keys(int(row.id), str(row.api_key), now + CACHE_SECONDS)
    _site_cache[cache_key] = keys
    return keys


def track_workspace(db: Database, authorization: str | None) -> int | None:
    """The workspace id for `Authorization: Basic base64(site_id:api_key)` (standard or URL-safe), else None."""
    credentials = parse_basic(authorization)
    if credentials is None:
        return None
    site_id, api_key = credentials
    keys = _track_keys(db, site_id)
    if keys is None or not same(api_key, keys.api_key):
        return None
    return keys.workspace_id


def app_workspace(db: Database, authorization: str | None) -> int | None:
    """The workspace id for `Authorization: Bearer <App API key>`, else None."""
    token = parse_bearer(authorization)
    if token is None:
        return None
    cache_key = (db.url, token)
    now = time.monotonic()
    hit = _app_cache.get(cache_key)
    if hit is not None and hit[1] > now:
        return hit[0]
    with db.connect() as conn:
        workspace_id = conn.execute(select(workspaces.c.id).where(workspaces.c.app_api_key == token)).scalar()
    if workspace_id is None:
        _app_cache.pop(cache_key, None)
        return None
    _app_cache[cache_key] = (int(workspace_id), now + CACHE_SECONDS)
    return int(workspace_id)
