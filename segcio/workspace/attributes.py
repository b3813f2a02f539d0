"""Attribute rules shared by people, objects and relationships: removal, limits, reserved names, and the
normalisation of `unsubscribed`, `created_at` and timestamps."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from segcio import jsonutil
from segcio.destinations.customerio.timestamps import convert_valid_timestamp, created_at_seconds
from segcio.workspace.results import invalid

MAX_NAME_BYTES = 150
MAX_VALUE_BYTES = 1000
MAX_ATTRIBUTES = 300
_DIGITS = re.compile(r"^-?\d+(?:\.\d+)?$", re.ASCII)

# Keys of an identify's attributes that steer the operation instead of being stored.
PERSON_CONTROL_KEYS = frozenset({"id", "email", "cio_id", "_update", "_timestamp", "cio_relationships"})


@dataclass
class AttributeOutcome:
    """What one update did: attribute -> new value (None = removed), and the (field, message) failures."""

    changed: dict[str, Any] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    restamped: bool = False  # an attribute's time moved without its value changing (a write, not a change)


def is_removal(value: Any) -> bool:
    """`null` or an empty string removes an attribute (documented for objects and relationships; applied to
    people as well, which is how senders use it)."""
    return value is None or value == ""


def is_unsubscribed(value: Any) -> bool:
    """Any case of "true", true, 1 or "1" unsubscribes; anything else is false."""
    if value is True or (type(value) is int and value == 1):
        return True
    return isinstance(value, str) and value.strip().lower() in ("true", "1")


def to_unix_seconds(value: Any) -> Any:
    """`created_at` as integer Unix seconds when it can be read as a time (numbers, digit strings, ISO-8601 with
    at most 3 fractional digits, JavaScript-Date strings such as `25 Mar 2015`); otherwise unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if _DIGITS.match(text):
            seconds = _finite_seconds(text)
            return value if seconds is None else int(seconds)
        seconds = created_at_seconds(text)
        return value if seconds is None else seconds
    return value


def event_time(value: Any, default: float) -> float | None:
    """An event/attribute timestamp in Unix seconds (numbers, digit strings, date strings); None if unreadable."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _finite_seconds(value)
    if isinstance(value, str):
        converted = convert_valid_timestamp(value.strip())
        if isinstance(converted, int | float):
            return _finite_seconds(converted)
        if isinstance(converted, str) and _DIGITS.match(converted):
            return _finite_seconds(converted)
    return None


def _finite_seconds(value: int | float | str) -> float | None:
    """Seconds a timestamp column (a float) can hold; None (unreadable) for numbers beyond its range."""
    try:
        seconds = float(value)
    except OverflowError:
        return None
    return seconds if math.isfinite(seconds) else None


def value_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if type(value) is int and -(10**15) < value < 10**15:
        return len(str(value))  # what JSON writes for it
    return len(jsonutil.dumpb(value))


def name_problem(name: str, reserved: frozenset[str] = frozenset()) -> str | None:
    if not name:
        return "attribute names cannot be empty"
    if len(name) * 4 > MAX_NAME_BYTES and len(name.encode()) > MAX_NAME_BYTES:  # UTF-8: at most 4 bytes a character
        return f"attribute name is longer than {MAX_NAME_BYTES} bytes; shorten it"
    if name in reserved:
        return f"{name!r} is reserved and cannot be used as an attribute name; rename it"
    return None


def update_time(op: dict[str, Any], received: float) -> float:
    """When an operation's attribute updates happened: its `timestamp` (Unix seconds, digit strings or ISO-8601
    dates; `_timestamp` of a v1 identify arrives here as `timestamp`), else the time it was received."""
    at = event_time(op.get("timestamp"), received)
    if at is None:
        raise invalid("timestamp", "timestamp must be Unix seconds (or an ISO-8601 date); fix or leave it out")
    return at


def apply_attributes(
    current: dict[str, Any],
    times: dict[str, float],
    updates: dict[str, Any],
    at: float,
    *,
    prefix: str = "attributes",
    reserved: frozenset[str] = frozenset(),
    skip: frozenset[str] = frozenset(),
) -> AttributeOutcome:
    """Apply `updates` that happened at `at` to `current` in place; `times` keeps when each attribute was last
    set or removed.

    The newest update of an attribute wins: an update older than the attribute's time is ignored for that
    attribute; at equal times the later arrival wins. A removal (`null`/`""`) leaves its time behind, so an
    older value arriving later does not bring the attribute back. Names over 150 bytes, values over 1000 bytes,
    reserved names and attributes beyond 300 fail one by one while the rest are applied. Unchanged values are
    not counted as changes (their time still moves forward: `restamped`).
    """
    outcome = AttributeOutcome()
    for name, raw in updates.items():
        if name in skip:
            continue
        # The checks are spelled out for the common case (a short name, a short string): this runs for every
        # attribute of every operation.
        if not name or len(name) * 4 > MAX_NAME_BYTES or name in reserved:
            problem = name_problem(name, reserved)
            if problem is not None:
                outcome.failures.append((f"{prefix}.{name}", problem))
                continue
        last = times.get(name)
        if last is not None and last > at:
            continue  # a newer update of this attribute was applied already
        if raw is None or raw == "":  # is_removal
            if name in current:
                del current[name]
                outcome.changed[name] = None
            elif last == at:
                continue
            else:
                outcome.restamped = True
            times[name] = at
            continue
        value = raw
        if name == "unsubscribed":
            value = is_unsubscribed(raw)
        elif name == "created_at":
            value = to_unix_seconds(raw)
        if not (type(value) is str and len(value) * 4 <= MAX_VALUE_BYTES) and value_size(value) > MAX_VALUE_BYTES:
            outcome.failures.append((f"{prefix}.{name}", f"value is larger than {MAX_VALUE_BYTES} bytes; shorten it"))
            continue
        if name not in current:
            if len(current) >= MAX_ATTRIBUTES:
                outcome.failures.append(
                    (f"{prefix}.{name}", f"more than {MAX_ATTRIBUTES} attributes; remove unused attributes first")
                )
                continue
        else:
            old = current[name]
            if old == value and type(old) is type(value):
                if last != at:
                    times[name] = at
                    outcome.restamped = True
                continue
        current[name] = value
        times[name] = at
        outcome.changed[name] = value
    return outcome


def as_device_attribute(value: Any) -> str:
    """Device attributes are strings (`push_enabled` is "true"/"false")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return jsonutil.dumps(value)
