"""Duplicate people (the classic integration's documented failure mode): people sharing an email.

The one with the oldest `created_at` is kept, as Customer.io recommends; the others are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from segcio.store import Database
from segcio.web.data.people import act_on
from segcio.workspace import queries
from segcio.workspace.queries import PersonView


@dataclass(frozen=True)
class DuplicateGroup:
    email: str
    keep: PersonView
    remove: list[PersonView]


def _created(person: PersonView) -> tuple[float, int]:
    # The `created_at` attribute when set (what the CSV export shows), else when the profile was created.
    value = person.attributes.get("created_at")
    created = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else person.created_at
    return created, person.pk


def find_duplicates(db: Database, workspace_id: int) -> list[DuplicateGroup]:
    by_email: dict[str, list[PersonView]] = {}
    for person in queries.iter_people(db, workspace_id):
        if person.email:
            by_email.setdefault(person.email.strip().lower(), []).append(person)
    groups = []
    for email, people in sorted(by_email.items()):
        if len(people) > 1:
            ordered = sorted(people, key=_created)
            groups.append(DuplicateGroup(email, ordered[0], ordered[1:]))
    return groups


def resolve(db: Database, workspace_id: int, email: str | None = None) -> tuple[int, list[str]]:
    """Delete the duplicates (of one email, or all); returns how many were deleted and any failure messages."""
    deleted, problems = 0, []
    for group in find_duplicates(db, workspace_id):
        if email is not None and group.email != email.strip().lower():
            continue
        for person in group.remove:
            result = act_on(db, workspace_id, "delete", {"cio_id": person.cio_id})
            if result.ok:
                deleted += 1
            else:
                problems.append(f"{person.cio_id}: {result.message}")
    return deleted, problems
