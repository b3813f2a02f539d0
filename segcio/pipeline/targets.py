"""Where a destination delivers: the local workspace, or a remote Customer.io-compatible Track API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from segcio import jsonutil
from segcio.bootstrap import Defaults
from segcio.store.tables.core import destinations


class TargetError(ValueError):
    """A target change that cannot be made; the message names the option and the fix."""


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
            if settings.get("siteId") == defaults.site_id and not base_url:
                raise TargetError(
                    "Give the Customer.io workspace's --site-id and --api-key: the current ones are "
                    "this segcio's local workspace credentials."
                )
        else:
            raise TargetError(f"target must be local or remote; got {target!r}.")
        conn.execute(update(destinations).where(destinations.c.id == row.id).values(settings=jsonutil.dumps(settings)))
        shown = {k: ("***" if k == "apiKey" else v) for k, v in settings.items()}
        out.append({"id": row.id, "settings": shown})
    return out
