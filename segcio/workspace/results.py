"""Outcomes of operations. A failing operation is recorded in the activity log and reported back; it never
stops the other operations of a batch."""

from __future__ import annotations

from dataclasses import dataclass, field

from segcio.errors import Invalid

# Reasons (Track v2 `reason`): "invalid" is a malformed operation (an API answers it with an error);
# the others are outcomes Customer.io accepts with 200 and records as failures in the activity log.
INVALID = "invalid"
NOT_FOUND = "not_found"
CONFLICT = "conflict"
SUPPRESSED = "suppressed"
LIMIT = "limit"
DUPLICATE = "duplicate"


@dataclass
class OpResult:
    ok: bool
    reason: str | None = None  # "invalid" | "not_found" | "conflict" | "suppressed" | "limit" | "duplicate"
    field: str | None = None  # e.g. "identifiers", "attributes.email"
    message: str | None = None  # names the field and the fix

    @property
    def is_invalid(self) -> bool:
        """A malformed operation (as opposed to a well-formed one Customer.io accepts but records as failed)."""
        return self.reason == INVALID


OK = OpResult(True)


class OpFailure(Invalid):
    """Raised inside an operation before it changed anything: the whole operation fails (`reason` is the code)."""

    def __init__(self, reason: str, field: str | None, message: str, *, person_pk: int | None = None) -> None:
        super().__init__(message, field=field, code=reason)
        self.result = OpResult(False, reason, field, message)
        # The person whose activity log shows the failure (None: the workspace-wide log only).
        self.person_pk = person_pk


def invalid(field: str | None, message: str) -> OpFailure:
    return OpFailure(INVALID, field, message)


@dataclass
class Failures:
    """Failures of single attributes/identifiers while the rest of an operation is applied."""

    items: list[tuple[str, str, str]] = field(default_factory=list)  # (reason, field, message)

    def add(self, reason: str, field_name: str, message: str) -> None:
        self.items.append((reason, field_name, message))

    def result(self) -> OpResult:
        if not self.items:
            return OK
        # A malformed part makes the operation malformed (the API answers with an error naming it).
        reason, field_name, _ = next((i for i in self.items if i[0] == INVALID), self.items[0])
        return OpResult(False, reason, field_name, "; ".join(f"{f}: {m}" for _, f, m in self.items))
