"""Moving a source from the classic Customer.io destination to Customer.io (Actions), as the seed describes.

`both` runs them side by side (Customer.io receives duplicates meanwhile); `actions` then turns classic off and
removes it from the source; `classic` is the starting point (or the way back).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select, update

from segcio import jsonutil
from segcio.bootstrap import ACTIONS_KIND, CLASSIC_KIND, create_destination
from segcio.pipeline import failed
from segcio.store.tables.core import destinations
from segcio.store.tables.routing import cursors

MODES = ("classic", "actions", "both")


def _find(conn: Connection, source_id: int, kind: str) -> Any:
    return conn.execute(
        select(destinations)
        .where(destinations.c.source_id == source_id, destinations.c.kind == kind)
        .order_by(destinations.c.id)
    ).first()


def use(conn: Connection, source_id: int, mode: str) -> dict[str, Any]:
    """Switch the source's Customer.io destination(s); returns the resulting state."""
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
    conn.execute(update(destinations).where(destinations.c.id == actions.id).values(enabled=mode != "classic"))
    if mode == "actions" and classic is not None:
        # Classic is turned off and removed from the source; its routing state goes with it.
        conn.execute(delete(cursors).where(cursors.c.destination_id == classic.id))
        failed.forget_destination(conn, classic.id)
        conn.execute(delete(destinations).where(destinations.c.id == classic.id))
    elif classic is not None:
        conn.execute(update(destinations).where(destinations.c.id == classic.id).values(enabled=True))
    return state(conn, source_id)


def state(conn: Connection, source_id: int) -> dict[str, Any]:
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
        "note": "Both destinations are on: Customer.io receives every call twice (duplicates are expected) until "
        "you switch to actions."
        if mode == "both"
        else None,
    }
