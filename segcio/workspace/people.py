"""Person identify: identity resolution (the reference's identify outcomes), identifier changes, attributes."""

from __future__ import annotations

from typing import Any

from segcio.workspace import activity
from segcio.workspace.anonymous import consume_anonymous_id
from segcio.workspace.attributes import (
    PERSON_CONTROL_KEYS,
    PERSON_RESERVED,
    apply_attributes,
    is_removal,
    is_unsubscribed,
    update_time,
)
from segcio.workspace.identity import IdentifierError, email_text, fold_email, identifier_text
from segcio.workspace.lifecycle import merge_people
from segcio.workspace.objects import check_relationship_sizes, person_relationships
from segcio.workspace.prefetch import Wanted
from segcio.workspace.resolve import check_not_suppressed, person_identifier
from segcio.workspace.results import CONFLICT, NOT_FOUND, Failures, OpFailure, OpResult, invalid
from segcio.workspace.unit import Unit
from segcio.workspace.unit_state import PersonState

CHANGE_NEEDS_CIO = "address the person as cio_<cio_id> to change an identifier that is already set"


def identify_needs(wanted: Wanted, op: dict[str, Any]) -> None:
    wanted.person_of(op)
    attrs = op.get("attributes")
    if isinstance(attrs, dict) and ("id" in attrs or "email" in attrs or "anonymous_id" in attrs):
        wanted.person({k: attrs.get(k) for k in ("id", "email", "anonymous_id") if k in attrs})
    wanted.relationships(op)


def _body_identifier(attrs: dict[str, Any], key: str) -> tuple[str | None, bool]:
    """(value, removal requested) of `id`/`email` in an identify's attributes."""
    if key not in attrs:
        return None, False
    raw = attrs[key]
    if is_removal(raw):
        return None, True
    try:
        text = identifier_text(raw, f"attributes.{key}")
        return email_text(text) if key == "email" else text, False
    except IdentifierError as exc:
        raise invalid(exc.field, exc.message) from None


def identify(unit: Unit, op: dict[str, Any]) -> OpResult:
    kind, value = person_identifier(unit, op)
    attrs = op.get("attributes") or {}
    if not isinstance(attrs, dict):
        raise invalid("attributes", "attributes must be an object of attribute names to values")
    at = update_time(op, unit.now)
    email_ids = unit.settings.email_is_identifier
    body_id, remove_id = _body_identifier(attrs, "id")
    body_email, remove_email = _body_identifier(attrs, "email") if email_ids else (None, False)
    update_only = attrs.get("_update") is True or is_unsubscribed(attrs.get("_update"))

    blocked = [(kind, value)] + ([("id", body_id)] if body_id else []) + ([("email", body_email)] if body_email else [])
    check_not_suppressed(unit, blocked)

    failures = Failures()
    candidates = [unit.find(kind, value)] + [unit.find(k, v) for k, v in blocked[1:]]
    relationships = op.get("cio_relationships", attrs.get("cio_relationships"))
    deleting = isinstance(relationships, dict) and relationships.get("action") == "delete_relationships"
    if relationships and not deleting:
        check_relationship_sizes(unit, candidates[0], relationships, at)
    before = {c.pk: (c.ext_id, c.email) for c in candidates if c is not None}
    person = _resolve_identify(unit, kind, value, body_id, body_email, update_only)
    created = person is None
    if person is None:
        ext_id = value if kind == "id" else body_id
        email = value if kind == "email" else body_email
        person = unit.create_person(ext_id, email)
        unit.add_activity(activity.PROFILE_CREATE, person_pk=person.pk, data={"created_by": "identify"})
    else:
        _change_identifiers(unit, person, kind, body_id, remove_id, body_email, remove_email, failures)

    if not email_ids and "email" in attrs:
        new_email = None if is_removal(attrs["email"]) else str(attrs["email"])
        if new_email != person.email:
            unit.set_email(person, new_email)
    outcome = apply_attributes(
        person.attrs, person.times, attrs, at, reserved=PERSON_RESERVED, skip=PERSON_CONTROL_KEYS, preferences=True
    )
    for reason, field_name, message in outcome.failures:
        failures.add(reason, field_name, message)
    if outcome.restamped:
        person.dirty = True
    if outcome.changed or (person.dirty and not created):
        person.dirty = True
        person.updated_at = unit.now
    changes = dict(outcome.changed)
    old_id, old_email = before.get(person.pk, (None, None))
    if person.ext_id != old_id:
        changes["id"] = person.ext_id
    if person.email != old_email:
        changes["email"] = person.email
    if changes:
        unit.add_activity(activity.ATTRIBUTE_CHANGE, person_pk=person.pk, data={"changes": changes})
    for reason, field_name, message in failures.items:
        unit.add_activity(
            activity.FAILED_ATTRIBUTE_CHANGE,
            person_pk=person.pk,
            name=field_name,
            data={"reason": reason, "message": message},
        )

    anonymous_id = attrs.get("anonymous_id") or op.get("anonymous_id")
    if isinstance(anonymous_id, str | int) and not isinstance(anonymous_id, bool) and str(anonymous_id):
        consume_anonymous_id(unit, person, str(anonymous_id))
    if relationships:
        result = person_relationships(unit, person, relationships, default_action="add_relationships", at=at)
        if not result.ok:
            failures.add(result.reason or "invalid", result.field or "cio_relationships", result.message or "")
    return failures.result()


def _conflict(holder: PersonState | None, field_name: str, message: str) -> OpFailure:
    return OpFailure(CONFLICT, field_name, message, person_pk=None if holder is None else holder.pk)


def _auto_merge(unit: Unit, by_id: PersonState, by_email: PersonState) -> PersonState | None:
    """Auto-merge (when on): an id-only profile and an email-only profile named by one identify become one;
    the older profile survives."""
    if not (unit.settings.auto_merge and by_id.email is None and by_email.ext_id is None):
        return None
    older, younger = sorted((by_id, by_email), key=lambda p: (p.created_at, p.pk))
    merge_people(unit, older, younger, reason="auto_merge")
    return older


def _merged_or_conflict(
    unit: Unit, by_id: PersonState, by_email: PersonState, addressed: PersonState, field_name: str, message: str
) -> PersonState:
    """An identify's id and email name two people: one person after an auto-merge, else a conflict shown in the
    log of the person the identify addressed."""
    merged = _auto_merge(unit, by_id, by_email)
    if merged is None:
        raise _conflict(addressed, field_name, message)
    return merged


def _resolve_identify(
    unit: Unit, kind: str, value: str, body_id: str | None, body_email: str | None, update_only: bool
) -> PersonState | None:
    """The person an identify updates (None: create one). Raises when the identify must fail as a whole."""
    if kind == "cio_id":
        person = unit.by_cio(value)
        if person is None:
            raise OpFailure(
                NOT_FOUND, "identifiers.cio_id", f"no person has cio_id {value!r}; the identify was dropped"
            )
        return person
    if kind == "id":
        person = unit.by_id(value)
        other = unit.by_email(body_email) if body_email else None
        if person is not None and other is not None and other is not person:
            return _merged_or_conflict(
                unit,
                person,
                other,
                person,
                "attributes.email",
                f"email {body_email!r} belongs to a different person than id {value!r}; nothing was changed",
            )
        if person is None and other is not None:
            if other.ext_id is not None:
                raise _conflict(
                    other,
                    "identifiers.id",
                    f"email {body_email!r} belongs to a person whose id is {other.ext_id!r}, not {value!r}; "
                    f"{CHANGE_NEEDS_CIO}",
                )
            unit.set_ext_id(other, value)  # a lead identified by email gets its id
            return other
    else:  # email
        person = unit.by_email(value)
        other = unit.by_id(body_id) if body_id else None
        if person is not None and other is not None and other is not person:
            return _merged_or_conflict(
                unit,
                other,
                person,
                person,
                "attributes.id",
                f"id {body_id!r} belongs to a different person than email {value!r}; nothing was changed",
            )
        if person is None and other is not None:
            if other.email is not None and not unit.settings.allow_email_update_by_id:
                raise _conflict(
                    other,
                    "identifiers.email",
                    f"id {body_id!r} belongs to a person whose email is {other.email!r}; {CHANGE_NEEDS_CIO} "
                    "(or turn on allow_email_update_by_id)",
                )
            unit.set_email(other, value)
            return other
    if person is None and update_only:
        raise OpFailure(
            NOT_FOUND, "identifiers", f"_update is true and no person has {kind} {value!r}; nobody was created"
        )
    return person


def _change_identifiers(
    unit: Unit,
    person: PersonState,
    kind: str,
    body_id: str | None,
    remove_id: bool,
    body_email: str | None,
    remove_email: bool,
    failures: Failures,
) -> None:
    """Set or change `id`/`email` from an identify's attributes: free to set when missing, changeable only
    through cio_ (email also by id when allowed), never to a value another person holds."""
    by_cio = kind == "cio_id"
    if remove_id:
        if by_cio:
            unit.set_ext_id(person, None)
        elif person.ext_id is not None:
            failures.add(CONFLICT, "attributes.id", f"cannot remove the id; {CHANGE_NEEDS_CIO}")
    elif body_id is not None and body_id != person.ext_id:
        holder = unit.by_id(body_id)
        if holder is not None and holder is not person:
            failures.add(CONFLICT, "attributes.id", f"id {body_id!r} already belongs to another person")
        elif person.ext_id is None or by_cio:
            unit.set_ext_id(person, body_id)
        else:
            failures.add(CONFLICT, "attributes.id", f"the person's id is {person.ext_id!r}; {CHANGE_NEEDS_CIO}")
    if not unit.settings.email_is_identifier:
        return
    if remove_email:
        if by_cio:
            unit.set_email(person, None)
        elif person.email is not None:
            failures.add(CONFLICT, "attributes.email", f"cannot remove the email; {CHANGE_NEEDS_CIO}")
    elif body_email is not None and fold_email(body_email) != person.email_key:
        holder = unit.by_email(body_email)
        if holder is not None and holder is not person:
            failures.add(CONFLICT, "attributes.email", f"email {body_email!r} already belongs to another person")
        elif person.email is None or by_cio or (kind == "id" and unit.settings.allow_email_update_by_id):
            unit.set_email(person, body_email)
        else:
            failures.add(
                CONFLICT,
                "attributes.email",
                f"the person's email is {person.email!r}; {CHANGE_NEEDS_CIO} (or turn on allow_email_update_by_id)",
            )
    elif body_email is not None and body_email != person.email:
        unit.set_email(person, body_email)  # same address, new spelling
