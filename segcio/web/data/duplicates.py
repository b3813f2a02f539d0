"""Duplicate people (the classic integration's documented failure mode) grouped for the UI: the one with the
oldest `created_at` is kept, as Customer.io recommends; the others are deleted through the workspace engine."""

from __future__ import annotations

from dataclasses import dataclass

from segcio.store import Database
from segcio.tools.people import Duplicate
from segcio.tools.people import find_duplicates as find_all
from segcio.web.data.people import act_on


@dataclass(frozen=True)
class DuplicateGroup:
    email: str
    keep: Duplicate
    remove: list[Duplicate]


def find_duplicates(db: Database, workspace_id: int) -> list[DuplicateGroup]:
    """People sharing an email (case-insensitive), one group per email."""
    groups: dict[str, list[Duplicate]] = {}
    for entry in find_all(db, workspace_id, by="email"):
        groups.setdefault(entry.group, []).append(entry)
    return [
        DuplicateGroup(email, next(d for d in members if d.keep), [d for d in members if not d.keep])
        for email, members in groups.items()
    ]


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
