"""Identifier values: cio_id and cio_object_id encoding, email folding, and identifier validation."""

from __future__ import annotations

import re
from typing import Any

from segcio.customerio.limits import MAX_IDENTIFIER_BYTES
from segcio.errors import Invalid

# cio_ids look like Customer.io's ("03000001"): hex of the internal, never-reused person number plus an offset.
_CIO_OFFSET = 0x3000000
_CIO_RE = re.compile(r"^[0-9a-f]{8,16}$")
_OBJECT_RE = re.compile(r"^ob[0-9a-f]{10,16}$")
# The shape test Customer.io uses for a path identifier is not published; "something@something" is our guess.
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+$")


class IdentifierError(Invalid, ValueError):
    """An identifier value that cannot identify anyone; `field` names it."""

    field: str

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


def cio_id_for(person_pk: int) -> str:
    return f"{person_pk + _CIO_OFFSET:08x}"


def person_pk_for(cio_id: str) -> int | None:
    """The internal number behind a cio_id, or None when the value is not one we could have issued."""
    if not _CIO_RE.match(cio_id):
        return None
    pk = int(cio_id, 16) - _CIO_OFFSET
    return pk if pk > 0 and cio_id_for(pk) == cio_id else None


def cio_object_id_for(object_pk: int) -> str:
    return f"ob{object_pk:010x}"


def object_pk_for(cio_object_id: str) -> int | None:
    if not _OBJECT_RE.match(cio_object_id):
        return None
    pk = int(cio_object_id[2:], 16)
    return pk if pk > 0 and cio_object_id_for(pk) == cio_object_id else None


def fold_email(email: str) -> str:
    """Emails are case-insensitive identifiers; ids are case-sensitive."""
    return email.strip().lower()


def email_text(value: str) -> str:
    """An email identifier without surrounding white space: an address cannot hold it, and matching ignores it
    (`fold_email`), so the spelling kept for display does not either."""
    return value.strip()


def looks_like_email(value: str) -> bool:
    return bool(_EMAIL_SHAPE.match(value))


def identifier_text(value: Any, field: str) -> str:
    """An identifier value as text: strings and integers are accepted; empty or oversized values are not."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise IdentifierError(field, f"{field} must be a string or a number, not {type(value).__name__}")
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    text = str(value)
    if not text.strip():
        raise IdentifierError(field, f"{field} is empty; send a non-empty value")
    if len(text.encode()) > MAX_IDENTIFIER_BYTES:
        raise IdentifierError(field, f"{field} is longer than {MAX_IDENTIFIER_BYTES} bytes; shorten it")
    return text


_PLAIN_KINDS = frozenset(("id", "email", "anonymous_id"))


def single_person_identifier(identifiers: Any, field: str = "identifiers") -> tuple[str, str]:
    """(kind, value) of a person's v2 `identifiers`: exactly one of id, email, cio_id (or anonymous_id)."""
    if type(identifiers) is dict and len(identifiers) == 1:
        # The common shape, one plain text identifier, answered without the checks below (same result: a
        # non-blank string within the size limit, since UTF-8 takes at most 4 bytes a character).
        ((kind, value),) = identifiers.items()
        if kind in _PLAIN_KINDS and type(value) is str and len(value) * 4 <= MAX_IDENTIFIER_BYTES and value.strip():
            return kind, email_text(value) if kind == "email" else value
    if not isinstance(identifiers, dict) or not identifiers:
        raise IdentifierError(field, f"{field} must be an object with one of id, email or cio_id")
    present = [k for k in ("id", "email", "cio_id", "anonymous_id", "phone") if identifiers.get(k) not in (None, "")]
    unknown = [k for k in identifiers if k not in ("id", "email", "cio_id", "anonymous_id", "phone")]
    if unknown:
        raise IdentifierError(
            f"{field}.{unknown[0]}", f"{field} has an unknown key {unknown[0]!r}; use id, email or cio_id"
        )
    if len(present) != 1:
        raise IdentifierError(field, f"{field} must hold exactly one of id, email or cio_id (got {len(present)})")
    kind = present[0]
    if kind == "phone":
        raise IdentifierError(f"{field}.phone", "phone identifiers are not enabled in this workspace; use id or email")
    value = identifier_text(identifiers[kind], f"{field}.{kind}")
    if kind == "cio_id" and value.startswith("cio_"):
        value = value[4:]  # tolerate the path form in v2 identifiers
    return kind, email_text(value) if kind == "email" else value
