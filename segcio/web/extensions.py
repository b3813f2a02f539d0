"""Optional views over other areas (delivery), shown once those areas provide them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection


def delivery_summary(conn: Connection) -> dict[str, Any] | None:
    """Failures and dead letters, or None while the delivery area offers no summary."""
    return None
