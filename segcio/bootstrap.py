"""First start: the default workspace, source (write key) and "Customer.io (Actions)" destination."""

from __future__ import annotations

import secrets
import time
from typing import Any

from sqlalchemy import Connection, insert, select

from segcio import jsonutil
from segcio.destinations.kinds import ACTIONS_KIND
from segcio.ingest.sources import create_source
from segcio.store import Database
from segcio.store.defaults import Defaults
from segcio.store.tables.core import destinations, install_settings, sources, workspaces

DEFAULT_WORKSPACE_SETTINGS: dict[str, Any] = {
    "identifiers": "email_or_id",
    "anonymous_merge": True,
    "allow_email_update_by_id": False,
    "auto_merge": True,
}


def create_workspace(conn: Connection, name: str) -> int:
    """A workspace with fresh credentials; returns its id."""
    result = conn.execute(
        insert(workspaces).values(
            name=name,
            site_id=secrets.token_hex(10),
            api_key=secrets.token_hex(10),
            app_api_key=secrets.token_hex(16),
            settings=jsonutil.dumps(DEFAULT_WORKSPACE_SETTINGS),
            created_at=time.time(),
        )
    )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def get_setting(conn: Connection, key: str) -> str | None:
    return conn.execute(select(install_settings.c.value).where(install_settings.c.key == key)).scalar()


def ensure_setting(conn: Connection, key: str, make: Any) -> str:
    value = get_setting(conn, key)
    if value is None:
        value = str(make())
        conn.execute(insert(install_settings).values(key=key, value=value))
    return value


def ensure_defaults(db: Database) -> Defaults:
    """Create the defaults once (idempotent); return them."""
    created: list[str] = []
    with db.begin() as conn:
        if get_setting(conn, "admin_token") is None:
            created.append("admin_token")
        admin_token = ensure_setting(conn, "admin_token", lambda: secrets.token_urlsafe(24))
        ensure_setting(conn, "secret_key", lambda: secrets.token_urlsafe(32))
        ws = conn.execute(select(workspaces).order_by(workspaces.c.id).limit(1)).first()
        if ws is None:
            create_workspace(conn, "Default workspace")
            created.extend(("site_id", "api_key", "app_api_key"))
            ws = conn.execute(select(workspaces).order_by(workspaces.c.id).limit(1)).one()
        src = conn.execute(select(sources).order_by(sources.c.id).limit(1)).first()
        if src is None:
            create_source(conn, "Default source")
            created.append("write_key")
            src = conn.execute(select(sources).order_by(sources.c.id).limit(1)).one()
        dest = conn.execute(
            select(destinations).where(destinations.c.source_id == src.id).order_by(destinations.c.id).limit(1)
        ).first()
        if dest is None:
            settings = {
                "siteId": ws.site_id,
                "apiKey": ws.api_key,
                "accountRegion": "US",
                "target": "local",
                "workspace_id": ws.id,
            }
            from segcio.pipeline.destination_config import create_destination

            dest_id = create_destination(conn, src.id, ACTIONS_KIND, settings)
        else:
            dest_id = dest.id
    return Defaults(
        workspace_id=ws.id,
        site_id=ws.site_id,
        api_key=ws.api_key,
        app_api_key=ws.app_api_key,
        source_id=src.id,
        write_key=src.write_key,
        destination_id=dest_id,
        admin_token=admin_token,
        created=tuple(created),
    )

