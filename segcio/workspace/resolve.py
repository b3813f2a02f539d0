"""The person an operation addresses: its one identifier checked against the workspace's identifier mode and
suppressions, and the person found (or created) for it. Every entity module builds on this; it builds on none."""

from __future__ import annotations

from typing import Any

from segcio.workspace import activity
from segcio.workspace.identity import IdentifierError, single_person_identifier
from segcio.workspace.results import NOT_FOUND, SUPPRESSED, OpFailure, invalid
from segcio.workspace.unit import Unit
from segcio.workspace.unit_state import PersonState


def person_identifier(unit: Unit, op: dict[str, Any], *, allow_anonymous: bool = False) -> tuple[str, str]:
    """The operation's single person identifier, checked against the workspace's identifier mode."""
    try:
        kind, value = single_person_identifier(op.get("identifiers"))
    except IdentifierError as exc:
        raise invalid(exc.field, exc.message) from None
    if kind == "anonymous_id" and not allow_anonymous:
        raise invalid("identifiers.anonymous_id", f"{op.get('action')} needs identifiers.id, email or cio_id")
    if kind == "email" and not unit.settings.email_is_identifier:
        raise invalid("identifiers.email", "this workspace identifies people by id only; send identifiers.id")
    return kind, value


def check_not_suppressed(unit: Unit, pairs: list[tuple[str, str]]) -> None:
    for kind, value in pairs:
        if unit.is_suppressed(kind, value):
            raise OpFailure(SUPPRESSED, f"identifiers.{kind}", f"{kind} {value!r} is suppressed; unsuppress it first")


def resolve_or_create(unit: Unit, kind: str, value: str, *, why: str) -> PersonState:
    """The person an event-like operation addresses; unknown id/email create one (inferred behaviour),
    an unknown cio_id drops the operation."""
    check_not_suppressed(unit, [(kind, value)])
    person = unit.find(kind, value)
    if person is not None:
        return person
    if kind == "cio_id":
        raise OpFailure(NOT_FOUND, "identifiers.cio_id", f"no person has cio_id {value!r}; the operation was dropped")
    person = unit.create_person(value if kind == "id" else None, value if kind == "email" else None)
    unit.add_activity(activity.PROFILE_CREATE, person_pk=person.pk, data={"created_by": why})
    return person
