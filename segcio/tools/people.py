"""Resolving duplicate people: export people to CSV, find duplicates, delete all but the oldest.

Deletion goes through the workspace engine with Track API semantics (`person` / `delete` by `cio_id`).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segcio.store import Database
from segcio.workspace import queries
from segcio.workspace.engine import Workspace
from segcio.workspace.people_csv import people_csv

DUPLICATE_COLUMNS = ("group", "cio_id", "id", "email", "created_at", "keep")


def export_people(db: Database, workspace_id: int, path: Path, progress: Callable[[int], None] | None = None) -> int:
    """Every person with every attribute, one row each, as the App API and the UI export them; returns how many."""
    count = 0

    def counted(n: int) -> None:
        nonlocal count
        count += n
        if progress is not None:
            progress(n)

    with path.open("w", newline="") as fh:
        fh.writelines(people_csv(db, workspace_id, counted))
    return count


@dataclass
class Duplicate:
    group: str
    cio_id: str
    id: str
    email: str
    created_at: float
    keep: bool

    def row(self) -> dict[str, str]:
        return {
            "group": self.group,
            "cio_id": self.cio_id,
            "id": self.id,
            "email": self.email,
            "created_at": str(int(self.created_at)),
            "keep": "true" if self.keep else "false",
        }


def _created_at(person: queries.PersonView) -> float:
    value = person.attributes.get("created_at")
    try:
        return float(value) if value is not None else person.created_at
    except (TypeError, ValueError):
        return person.created_at


def find_duplicates(db: Database, workspace_id: int, by: str = "email") -> list[Duplicate]:
    """People sharing a value of `by` (email compared case-insensitively); in each group the one with the oldest
    `created_at` is kept."""
    groups: dict[str, list[queries.PersonView]] = defaultdict(list)
    for person in queries.iter_people(db, workspace_id):
        value = person.email if by == "email" else person.attributes.get(by)
        if value in (None, ""):
            continue
        key = str(value).strip().lower() if by == "email" else str(value)
        groups[key].append(person)
    out: list[Duplicate] = []
    for key, people in sorted(groups.items()):
        if len(people) < 2:
            continue
        people.sort(key=lambda p: (_created_at(p), p.pk))
        for index, person in enumerate(people):
            out.append(
                Duplicate(
                    group=key,
                    cio_id=person.cio_id,
                    id=person.id or "",
                    email=person.email or "",
                    created_at=_created_at(person),
                    keep=index == 0,
                )
            )
    return out


def write_duplicates(duplicates: list[Duplicate], path: Path) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=DUPLICATE_COLUMNS)
        writer.writeheader()
        writer.writerows(d.row() for d in duplicates)


def rows_to_delete(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a CSV naming people by `cio_id` (else `id`); rows marked `keep=true` are skipped."""
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if (row.get("keep") or "").strip().lower() != "true":
                yield row


@dataclass
class DeleteReport:
    deleted: list[str]
    not_found: list[str]
    skipped: int


def delete_people(db: Database, workspace_id: int, path: Path) -> DeleteReport:
    workspace = Workspace(db, workspace_id)
    report = DeleteReport(deleted=[], not_found=[], skipped=0)
    for row in rows_to_delete(path):
        cio_id, ext_id = (row.get("cio_id") or "").strip(), (row.get("id") or "").strip()
        if not cio_id and not ext_id:
            report.skipped += 1
            continue
        person = (
            queries.find_person(db, workspace_id, cio_id=cio_id)
            if cio_id
            else queries.find_person(db, workspace_id, id=ext_id)
        )
        label = f"cio_{cio_id}" if cio_id else ext_id
        if person is None:
            report.not_found.append(label)
            continue
        operation = {"type": "person", "action": "delete", "identifiers": {"cio_id": person.cio_id}}
        [result] = workspace.apply([operation], source="people_tools")
        (report.deleted if result.ok else report.not_found).append(label)
    return report
