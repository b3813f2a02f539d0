"""Attribute rules shared by people, objects and relationships: removal, limits, reserved names, the dot notation
of subscription preferences, and the normalisation of `unsubscribed`, `created_at` and timestamps."""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from typing import Any

from segcio import jsonutil
from segcio.customerio.limits import (
    MAX_ATTRIBUTE_NAME_BYTES,
    MAX_ATTRIBUTE_VALUE_BYTES,
    MAX_ATTRIBUTES,
    MAX_OBJECT_ATTRIBUTES_KB,
)
from segcio.customerio.timestamps import convert_valid_timestamp, created_at_seconds
from segcio.workspace.results import INVALID, LIMIT, invalid

# All attributes of one object or relationship together (binary kilobytes, as for the request limits).
MAX_TOTAL_BYTES = MAX_OBJECT_ATTRIBUTES_KB * 1024
# Below this many attributes the total cannot reach the limit (each name <= 150 bytes, each value <= 1000).
_TOTAL_CHECK_FROM = MAX_TOTAL_BYTES // (MAX_ATTRIBUTE_NAME_BYTES + MAX_ATTRIBUTE_VALUE_BYTES)
_DIGITS = re.compile(r"^-?\d+(?:\.\d+)?$", re.ASCII)

# Keys of an identify's attributes that steer the operation instead of being stored.
PERSON_CONTROL_KEYS = frozenset({"id", "email", "cio_id", "_update", "_timestamp", "cio_relationships"})
# "Cannot be used as the name of a customer attribute" (liquid uses it in relationship-triggered campaigns).
PERSON_RESERVED = frozenset({"_relationship"})
# The one attribute whose dotted names (`cio_subscription_preferences.topics.topic_1`) change a part of it.
PREFERENCES = "cio_subscription_preferences"
_MISSING: Any = object()


@dataclass
class AttributeOutcome:
    """What one update did: attribute -> new value (None = removed), and the (reason, field, message) failures
    (reason `invalid` for a reserved or malformed name, `limit` for a limit)."""

    changed: dict[str, Any] = field(default_factory=dict)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
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
    # UTF-8 takes at most 4 bytes a character: short names need no encoding.
    if len(name) * 4 > MAX_ATTRIBUTE_NAME_BYTES and len(name.encode()) > MAX_ATTRIBUTE_NAME_BYTES:
        return f"attribute name is longer than {MAX_ATTRIBUTE_NAME_BYTES} bytes; shorten it"
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
    preferences: bool = False,
) -> AttributeOutcome:
    """Apply `updates` that happened at `at` to `current` in place; `times` keeps when each attribute was last
    set or removed.

    The newest update of an attribute wins: an update older than the attribute's time is ignored for that
    attribute; at equal times the later arrival wins. A removal (`null`/`""`) leaves its time behind, so an
    older value arriving later does not bring the attribute back. Names over 150 bytes, values over 1000 bytes,
    reserved names and attributes beyond 300 fail one by one while the rest are applied. Unchanged values are
    not counted as changes (their time still moves forward: `restamped`). With `preferences` (people),
    `cio_subscription_preferences` and its dotted paths are applied by `_apply_path`.
    """
    outcome = AttributeOutcome()
    for name, raw in updates.items():
        if name in skip:
            continue
        # The checks are spelled out for the common case (a short name, a short string): this runs for every
        # attribute of every operation.
        if not name or len(name) * 4 > MAX_ATTRIBUTE_NAME_BYTES or name in reserved:
            problem = name_problem(name, reserved)
            if problem is not None:
                reason = INVALID if name in reserved else LIMIT
                outcome.failures.append((reason, f"{prefix}.{name}", problem))
                continue
        if preferences and name.startswith(PREFERENCES) and name.partition(".")[0] == PREFERENCES:
            _apply_path(current, times, name, raw, at, outcome, prefix)
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
        if (
            not (type(value) is str and len(value) * 4 <= MAX_ATTRIBUTE_VALUE_BYTES)
            and value_size(value) > MAX_ATTRIBUTE_VALUE_BYTES
        ):
            outcome.failures.append((LIMIT, f"{prefix}.{name}", _TOO_LARGE))
            continue
        if name not in current:
            if len(current) >= MAX_ATTRIBUTES:
                outcome.failures.append((LIMIT, f"{prefix}.{name}", _TOO_MANY))
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


_TOO_LARGE = f"value is larger than {MAX_ATTRIBUTE_VALUE_BYTES} bytes; shorten it"
_TOO_MANY = f"more than {MAX_ATTRIBUTES} attributes; remove unused attributes first"


def _apply_path(
    current: dict[str, Any],
    times: dict[str, float],
    name: str,
    raw: Any,
    at: float,
    outcome: AttributeOutcome,
    prefix: str,
) -> None:
    """`cio_subscription_preferences` (whole) or one of its dotted paths, changing that part and keeping the rest.

    Every path keeps its own time in `times` under its dotted name, so the newest update wins per path: an update
    is ignored when it, or an enclosing path, was set later; a path set later inside the one updated keeps its
    value. `null`/`""` removes the part (emptied objects go with it)."""
    parts = name.split(".")
    if "" in parts:
        outcome.failures.append(
            (INVALID, f"{prefix}.{name}", f"{name!r} has an empty segment; write {PREFERENCES}.topics.topic_<id>")
        )
        return
    if any(times.get(".".join(parts[:i]), at) > at for i in range(1, len(parts) + 1)):
        return  # this path, or one enclosing it, was set by a newer update
    before = {PREFERENCES: copy.deepcopy(current[PREFERENCES])} if PREFERENCES in current else {}
    work = copy.deepcopy(before)
    _put(work, parts, _MISSING if is_removal(raw) else raw)
    inside = name + "."
    later = {k: t for k, t in times.items() if k.startswith(inside)}
    for key, set_at in later.items():
        if set_at > at:  # set after this update: keeps its value (or its removal)
            _put(work, key.split("."), _get(before, key.split(".")))
    new, old = work.get(PREFERENCES, _MISSING), before.get(PREFERENCES, _MISSING)
    if new is not _MISSING and value_size(new) > MAX_ATTRIBUTE_VALUE_BYTES:
        outcome.failures.append((LIMIT, f"{prefix}.{name}", _TOO_LARGE))
        return
    if old is _MISSING and new is not _MISSING and len(current) >= MAX_ATTRIBUTES:
        outcome.failures.append((LIMIT, f"{prefix}.{name}", _TOO_MANY))
        return
    for key, set_at in later.items():
        if set_at <= at:
            del times[key]  # superseded by this update
    times[name] = at
    if (new is _MISSING) == (old is _MISSING) and (new is _MISSING or jsonutil.dumpb(new) == jsonutil.dumpb(old)):
        outcome.restamped = True
        return
    if new is _MISSING:
        del current[PREFERENCES]
        outcome.changed[PREFERENCES] = None
    else:
        current[PREFERENCES] = new
        outcome.changed[PREFERENCES] = new


def _get(tree: dict[str, Any], parts: list[str]) -> Any:
    node: Any = tree
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _put(tree: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set the path to `value` (creating objects on the way), or remove it when `value` is `_MISSING` (and the
    objects the removal empties)."""
    node = tree
    trail: list[tuple[dict[str, Any], str]] = []
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            if value is _MISSING:
                return
            child = node[part] = {}
        trail.append((node, part))
        node = child
    if value is not _MISSING:
        node[parts[-1]] = value
        return
    node.pop(parts[-1], None)
    for parent, part in reversed(trail):
        if parent[part]:
            break
        del parent[part]


def total_size(attrs: dict[str, Any]) -> int:
    """The size of a set of attributes: names and values counted as the per-attribute limits count them."""
    return sum(len(name.encode()) + value_size(value) for name, value in attrs.items())


def check_total_size(
    current: dict[str, Any],
    times: dict[str, float],
    updates: Any,
    at: float,
    *,
    field: str,
    what: str,
    reserved: frozenset[str] = frozenset(),
) -> None:
    """Refuse (`invalid`, before anything is changed) an update after which an object's or relationship's
    attributes, merged with the stored ones, would be larger than MAX_TOTAL_BYTES."""
    if not isinstance(updates, dict) or len(current) + len(updates) <= _TOTAL_CHECK_FROM:
        return
    merged = dict(current)
    apply_attributes(merged, dict(times), updates, at, reserved=reserved)
    size = total_size(merged)
    if size > MAX_TOTAL_BYTES:
        raise invalid(
            field,
            f"{field} would make the {what}'s attributes {size} bytes, more than the {MAX_TOTAL_BYTES} bytes "
            "(100 KB) an object or relationship may hold; remove attributes (send null) or send smaller values",
        )


def as_device_attribute(value: Any) -> str:
    """Device attributes are strings (`push_enabled` is "true"/"false")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return jsonutil.dumps(value)
