"""People search and the person-level actions of the UI, on top of the workspace's queries and engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from segcio.store import Database
from segcio.workspace import queries
from segcio.workspace.engine import Workspace
from segcio.workspace.queries import PersonView
from segcio.workspace.results import OpResult

SEARCH_MODES = {
    "identifier": "id, email or cio_id",
    "attribute": "attribute (name=value, or text in any value)",
}
PERSON_ACTIONS = ("delete", "suppress", "unsuppress")
SOURCE = "ui"


@dataclass(frozen=True)
class SearchPage:
    people: list[PersonView]
    next_cursor: str | None


def attribute_predicate(query: str) -> Callable[[Mapping[str, str]], bool]:
    """`plan=pro` matches that attribute exactly; other text matches any attribute value containing it."""
    name, sep, value = query.partition("=")
    if sep and name.strip():
        key, wanted = name.strip(), value.strip()
        return lambda attrs: attrs.get(key) == wanted
    needle = query.strip().lower()
    return lambda attrs: any(needle in v.lower() for v in attrs.values())


def by_identifier(db: Database, workspace_id: int, value: str) -> list[PersonView]:
    """Everyone this value identifies: as an id, an email (several in id-only workspaces) or a cio_id."""
    found: dict[int, PersonView] = {}
    person = queries.find_person(db, workspace_id, id=value)
    if person is not None:
        found[person.pk] = person
    if "@" in value:
        for p in queries.people_by_email(db, workspace_id, value):
            found[p.pk] = p
    cio = queries.find_person(db, workspace_id, cio_id=value)
    if cio is not None:
        found[cio.pk] = cio
    return sorted(found.values(), key=lambda p: p.pk)


def search(db: Database, workspace_id: int, query: str, mode: str, start: str | None, limit: int = 25) -> SearchPage:
    query = query.strip()
    if query and mode == "identifier":
        return SearchPage(by_identifier(db, workspace_id, query), None)
    where = attribute_predicate(query) if query else None
    people, cursor = queries.list_people(db, workspace_id, where=where, start=start, limit=limit)
    return SearchPage(people, cursor)


def person_by_cio_id(db: Database, workspace_id: int, cio_id: str) -> PersonView | None:
    return queries.find_person(db, workspace_id, cio_id=cio_id)


def act_on(db: Database, workspace_id: int, action: str, identifiers: dict[str, str]) -> OpResult:
    """Delete, suppress or unsuppress a person through the workspace engine (recorded in the activity log)."""
    if action not in PERSON_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(PERSON_ACTIONS)}")
    op = {"type": "person", "action": action, "identifiers": identifiers}
    return Workspace(db, workspace_id).apply([op], source=SOURCE)[0]

