"""The one place that creates, enables, disables, switches (classic / actions / both) and targets destinations.

Start position: a destination that is created, turned on again or switched on starts routing at the end of the log
at that moment, never at its beginning. Its cursors are set to the highest sequence number logged so far, in the
same transaction that turns it on, while holding the log's append lock (PostgreSQL): every append that committed
before is at or below that number, and every later one is above it, since appends commit in sequence order under
that lock. Events already in the log reach a destination again only through an explicit replay.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from segcio import jsonutil
from segcio.destinations.kinds import ACTIONS_KIND, CLASSIC_KIND
from segcio.errors import Invalid
from segcio.eventlog.partitions import PARTITIONS
from segcio.eventlog.reads import last_seq
from segcio.eventlog.writes import lock_appends
from segcio.pipeline import failed
from segcio.store.defaults import Defaults
from segcio.store.tables.core import destinations, workspaces
from segcio.store.tables.routing import cursors, destination_periods, replayed_events

MODES = ("classic", "actions", "both")
STARTS_AT_END = "starts at the end of the log: events logged before are not sent to it"


class TargetError(Invalid, ValueError):
    """A target change that cannot be made; the message names the option and the fix."""


def start_at_end(conn: Connection, destination_id: int) -> int:
    """Move every cursor of the destination to the end of the log; returns that sequence number."""
    lock_appends(conn)
    end = last_seq(conn)
    rows = [
        {"destination_id": destination_id, "partition": p, "position": end, "owner": None, "lease_until": 0.0}
        for p in range(PARTITIONS)
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(cursors)
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[cursors.c.destination_id, cursors.c.partition], set_={"position": upsert.excluded.position}
        ),
        rows,
    )
    _close_period(conn, destination_id, end)
    conn.execute(insert(destination_periods).values(destination_id=destination_id, start_seq=end, end_seq=None))
    return end


def _close_period(conn: Connection, destination_id: int, end_seq: int) -> None:
    conn.execute(
        update(destination_periods)
        .where(destination_periods.c.destination_id == destination_id, destination_periods.c.end_seq.is_(None))
        .values(end_seq=end_seq)
    )


def create_destination(conn: Connection, source_id: int, kind: str, settings: dict[str, Any], name: str = "") -> int:
    """A destination, on, starting at the end of the log; an Actions destination gets the Quick Setup
    subscriptions."""
    result = conn.execute(
        insert(destinations).values(
            source_id=source_id,
            kind=kind,
            name=name or ("Customer.io (Actions)" if kind == ACTIONS_KIND else "Customer.io (Classic)"),
            settings=jsonutil.dumps(settings),
            enabled=True,
            created_at=time.time(),
        )
    )
    assert result.inserted_primary_key is not None
    destination_id = int(result.inserted_primary_key[0])
    if kind == ACTIONS_KIND:
        from segcio.destinations.subscriptions import install_presets

        install_presets(conn, destination_id)
    start_at_end(conn, destination_id)
    return destination_id


def set_enabled(conn: Connection, destination_id: int, enabled: bool) -> bool:
    """Turn a destination on or off; turning it on starts it at the end of the log. False when it does not exist."""
    was = conn.execute(select(destinations.c.enabled).where(destinations.c.id == destination_id)).first()
    if was is None:
        return False
    if enabled and not was.enabled:
        start_at_end(conn, destination_id)
    if not enabled:
        # Waits (PostgreSQL) for a routing transaction holding these rows: once this commits, no worker routes an
        # event to the destination (the routing fence checks `enabled`).
        mine = cursors.c.destination_id == destination_id
        conn.execute(update(cursors).where(mine).values(owner=None, lease_until=0.0))
        # The period ends at the furthest cursor: an event a lagging partition had not reached yet counts as routed,
        # so a replay may miss it but never applies anything twice.
        reached = conn.execute(select(func.coalesce(func.max(cursors.c.position), 0)).where(mine)).scalar_one()
        _close_period(conn, destination_id, int(reached))
    conn.execute(update(destinations).where(destinations.c.id == destination_id).values(enabled=enabled))
    return True


def update_destination(
    conn: Connection,
    destination_id: int,
    *,
    name: str | None = None,
    settings: dict[str, Any] | None = None,
    enabled: bool | None = None,
) -> None:
    """Rename, replace the settings of, or turn on/off a destination."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = name
    if settings is not None:
        values["settings"] = jsonutil.dumps(settings)
    if values:
        conn.execute(update(destinations).where(destinations.c.id == destination_id).values(**values))
    if enabled is not None:
        set_enabled(conn, destination_id, enabled)


def remove_destination(conn: Connection, destination_id: int) -> None:
    """Delete a destination with its routing state (cursors, failed events)."""
    conn.execute(delete(cursors).where(cursors.c.destination_id == destination_id))
    conn.execute(delete(destination_periods).where(destination_periods.c.destination_id == destination_id))
    conn.execute(delete(replayed_events).where(replayed_events.c.destination_id == destination_id))
    failed.forget_destination(conn, destination_id)
    conn.execute(delete(destinations).where(destinations.c.id == destination_id))


# --- the classic -> actions migration -------------------------------------------------------------------------


def _find(conn: Connection, source_id: int, kind: str) -> Any:
    return conn.execute(
        select(destinations)
        .where(destinations.c.source_id == source_id, destinations.c.kind == kind)
        .order_by(destinations.c.id)
    ).first()


def switch(conn: Connection, source_id: int, mode: str) -> dict[str, Any]:
    """Move a source between the classic Customer.io destination and Customer.io (Actions): `both` runs them
    side by side (Customer.io receives duplicates of what arrives meanwhile), `actions` then turns classic off
    and removes it, `classic` is the starting point (or the way back). A destination this turns on starts at the
    end of the log. Returns the resulting state."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}.")
    actions, classic = _find(conn, source_id, ACTIONS_KIND), _find(conn, source_id, CLASSIC_KIND)
    template = actions or classic
    settings = jsonutil.loads(template.settings) if template is not None else {}
    if mode in ("classic", "both") and classic is None:
        create_destination(conn, source_id, CLASSIC_KIND, settings)
    if mode in ("actions", "both") and actions is None:
        create_destination(conn, source_id, ACTIONS_KIND, settings)
    actions, classic = _find(conn, source_id, ACTIONS_KIND), _find(conn, source_id, CLASSIC_KIND)
    set_enabled(conn, actions.id, mode != "classic")
    if mode == "actions" and classic is not None:
        remove_destination(conn, classic.id)
    elif classic is not None:
        set_enabled(conn, classic.id, True)
    return switch_state(conn, source_id)


def switch_state(conn: Connection, source_id: int) -> dict[str, Any]:
    rows = conn.execute(
        select(destinations.c.id, destinations.c.kind, destinations.c.enabled).where(
            destinations.c.source_id == source_id
        )
    ).all()
    enabled = {row.kind for row in rows if row.enabled}
    mode = "both" if enabled == {ACTIONS_KIND, CLASSIC_KIND} else ("classic" if CLASSIC_KIND in enabled else "actions")
    return {
        "source_id": source_id,
        "mode": mode,
        "destinations": [{"id": r.id, "kind": r.kind, "enabled": bool(r.enabled)} for r in rows],
        "start": f"A destination turned on {STARTS_AT_END}.",
        "note": "Both destinations are on: Customer.io receives every call arriving from now on twice (duplicates "
        "are expected) until you switch to actions."
        if mode == "both"
        else None,
    }


# --- where a destination delivers -----------------------------------------------------------------------------


def check_remote(conn: Connection, settings: dict[str, Any]) -> None:
    """The rules of a remote target that the CLI and the UI share (each checks its own input format first)."""
    base_url = str(settings.get("base_url") or "")
    if base_url and not base_url.startswith(("http://", "https://")):
        raise TargetError("Track API URL (--base-url): an http:// or https:// URL, or none for Customer.io's own.")
    local_sites = set(conn.execute(select(workspaces.c.site_id)).scalars())
    if settings.get("siteId") in local_sites and not base_url:
        raise TargetError(
            "Site ID and API Key (--site-id, --api-key): these are a local workspace's credentials of this segcio; "
            "give the Customer.io workspace's (Customer.io > Settings > API Credentials)."
        )


def set_target(
    conn: Connection,
    defaults: Defaults,
    target: str,
    *,
    destination_id: int | None = None,
    site_id: str | None = None,
    api_key: str | None = None,
    region: str | None = None,
    base_url: str | None = None,
    rate_limit: float | None = None,
) -> list[dict[str, Any]]:
    """Point destinations at `local` (the default workspace and its credentials) or `remote`; returns them."""
    query = select(destinations.c.id, destinations.c.settings)
    query = (
        query.where(destinations.c.id == destination_id)
        if destination_id is not None
        else query.where(destinations.c.source_id == defaults.source_id)
    )
    rows = conn.execute(query).all()
    if not rows:
        raise TargetError(f"No destination {destination_id}." if destination_id else "The source has no destination.")
    out = []
    for row in rows:
        settings = jsonutil.loads(row.settings)
        if target == "local":
            settings.update(
                target="local", workspace_id=defaults.workspace_id, siteId=defaults.site_id, apiKey=defaults.api_key
            )
            settings.pop("base_url", None)
        elif target == "remote":
            settings["target"] = "remote"
            settings.pop("workspace_id", None)
            for key, value in (
                ("siteId", site_id),
                ("apiKey", api_key),
                ("accountRegion", region),
                ("base_url", base_url),
                ("rateLimit", rate_limit),
            ):
                if value is not None:
                    settings[key] = value
            if region is not None and region.upper() not in ("US", "EU"):
                raise TargetError("--region must be US or EU.")
            if not settings.get("siteId") or not settings.get("apiKey"):
                raise TargetError(
                    "Forwarding needs --site-id and --api-key (Customer.io > Settings > API Credentials)."
                )
            check_remote(conn, settings)
        else:
            raise TargetError(f"target must be local or remote; got {target!r}.")
        update_destination(conn, row.id, settings=settings)
        shown = {k: ("***" if k == "apiKey" else v) for k, v in settings.items()}
        out.append({"id": row.id, "settings": shown})
    return out
