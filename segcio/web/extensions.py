"""Views over the delivery area shown on the overview."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from segcio.web.data import delivery


def delivery_summary(conn: Connection) -> dict[str, Any] | None:
    """Pending remote requests, failures and dead letters over all destinations."""
    return delivery.summary(conn)
