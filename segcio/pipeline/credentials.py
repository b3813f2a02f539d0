"""The credentials of a remote destination, read from its current settings each time the sender needs them.

Queued requests and dead letters never hold credentials (see segcio.delivery.outbox): the sender asks this
module for the headers of each round, so a fixed API key applies at once to everything queued or replayed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from segcio import jsonutil
from segcio.destinations.customerio.settings import basic_auth
from segcio.store import Database
from segcio.store.tables.core import destinations


def auth_headers(settings: Mapping[str, Any]) -> dict[str, str]:
    """Both Customer.io destinations (Actions and classic) authenticate with Basic `siteId:apiKey`."""
    if not settings.get("siteId") and not settings.get("apiKey"):
        return {}
    return {"authorization": basic_auth(settings)}


def destination_auth(db: Database, destination_id: int) -> dict[str, str]:
    """The headers that authenticate a request to the destination now (`authenticate` of the sender)."""
    with db.connect() as conn:
        raw = conn.execute(sa.select(destinations.c.settings).where(destinations.c.id == destination_id)).scalar()
    settings = jsonutil.loads(raw) if raw else {}
    return auth_headers(settings if isinstance(settings, dict) else {})
