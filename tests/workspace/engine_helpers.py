"""Helpers for the workspace engine tests: a fresh workspace per test and terse operation builders."""

from __future__ import annotations

from typing import Any

from segcio.bootstrap import create_workspace
from segcio.store import Database
from segcio.workspace import queries
from segcio.workspace.engine import OpResult, Workspace

NOW = 1_700_000_000.0


def new_workspace(db: Database, **settings: Any) -> Workspace:
    """A new workspace with the default settings (email or id, anonymous merge on, auto-merge on) + changes."""
    with db.begin() as conn:
        workspace = Workspace(db, create_workspace(conn, "test"))
    if settings:
        workspace.update_settings(**settings)
    return workspace


def apply1(ws: Workspace, op: dict[str, Any], now: float = NOW) -> OpResult:
    (result,) = ws.apply([op], now=now)
    return result


def identify(identifiers: dict[str, Any], **attributes: Any) -> dict[str, Any]:
    return {"type": "person", "action": "identify", "identifiers": identifiers, "attributes": attributes}


def by_id(value: str, **attributes: Any) -> dict[str, Any]:
    return identify({"id": value}, **attributes)


def by_email(value: str, **attributes: Any) -> dict[str, Any]:
    return identify({"email": value}, **attributes)


def by_cio(value: str, **attributes: Any) -> dict[str, Any]:
    return identify({"cio_id": value}, **attributes)


def event(identifiers: dict[str, Any], name: str = "purchase", **extra: Any) -> dict[str, Any]:
    return {"type": "person", "action": "event", "identifiers": identifiers, "name": name, **extra}


def person(ws: Workspace, **lookup: str) -> queries.PersonView | None:
    return queries.find_person(ws.db, ws.workspace_id, **lookup)


def must(ws: Workspace, **lookup: str) -> queries.PersonView:
    found = person(ws, **lookup)
    assert found is not None, f"no person with {lookup}"
    return found


def everyone(ws: Workspace) -> list[queries.PersonView]:
    return list(queries.iter_people(ws.db, ws.workspace_id))


def log(ws: Workspace, **filters: Any) -> list[queries.ActivityView]:
    found, _ = queries.activities(ws.db, ws.workspace_id, limit=1000, **filters)
    return found


def log_types(ws: Workspace, **filters: Any) -> list[str]:
    return [a.type for a in log(ws, **filters)]
