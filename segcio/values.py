"""Values a column can hold: the rules every way into storage applies (the workspace engine, the Customer.io
Track and App APIs, the admin APIs), so that a value is refused by rule with a message naming the field and the
fix, never by accident deep in a driver.

- Text: no NUL (U+0000; PostgreSQL text cannot hold it) and no lone UTF-16 surrogate (U+D800-U+DFFF without its
  pair; not encodable as UTF-8), in keys and values alike. Refused on SQLite too, so both backends behave alike.
- Nesting: at most MAX_DEPTH levels of objects and arrays (deeper values cannot be walked safely by recursive
  code: JSON encoding, attribute flattening, mapping).
- Numbers: finite (JSON has no infinity; `1e400` reads as one).
- Integer ids (object type ids, row ids in paths): ASCII digits only, within the column's range (MAX_INTEGER for
  INTEGER columns, MAX_BIGINT for BIGINT ones).
"""

from __future__ import annotations

import math
import re
from typing import Any

import orjson

from segcio.errors import Invalid

MAX_DEPTH = 64
# INTEGER columns (PostgreSQL `integer`: 32 bits) hold object type ids and the ids of workspaces, sources,
# destinations and subscriptions; BIGINT columns hold the ids of log rows (regulations, dead letters, people...).
MAX_INTEGER = 2**31 - 1
MAX_BIGINT = 2**63 - 1
# Customer.io numbers object types from 1 and documents no upper bound; the column's limit is far above any real
# number of types.
MAX_OBJECT_TYPE_ID = MAX_INTEGER

_SURROGATE = re.compile("[\ud800-\udfff]")
_ASCII_DIGITS = re.compile(r"[0-9]+")


class ValueRuleError(Invalid, ValueError):
    """A value no column can hold; `field` names where it is, `message` says what to send instead."""

    field: str

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


def printable(text: str) -> str:
    """`text` safe to store and show: NUL and lone surrogates written as `\\u0000` / `\\ud800` escapes."""
    if text.isascii() and "\x00" not in text:
        return text
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def text_problem(text: str) -> str | None:
    """What is wrong with `text` as stored text, or None."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which cannot be stored; remove it"
    if not text.isascii() and _SURROGATE.search(text):
        return "contains a lone UTF-16 surrogate (such as \\ud800), which is not valid Unicode; send valid text"
    return None


_CHECKED = (dict, list, str, float)
# A value nested too deeply is named by its first few levels (`properties.deep.a.a.…`).
_NAMED_LEVELS = 4


def _clean(value: Any, depth: int) -> bool:
    """True when `value` (nested at most MAX_DEPTH - depth more levels) holds only storable text and numbers."""
    kind = type(value)
    if kind is str:
        return (value.isascii() and "\x00" not in value) or text_problem(value) is None
    if kind is float:
        return math.isfinite(value)
    if kind is dict:
        if depth >= MAX_DEPTH:
            return False
        for key, item in value.items():
            if type(key) is str and not ((key.isascii() and "\x00" not in key) or text_problem(key) is None):
                return False
            if type(item) in _CHECKED and not _clean(item, depth + 1):
                return False
        return True
    if kind is list:
        if depth >= MAX_DEPTH:
            return False
        return all(type(item) not in _CHECKED or _clean(item, depth + 1) for item in value)
    return True


def _label(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    key = printable(str(key))
    return f"{path}.{key}" if path else key


def _find(value: Any, path: str, depth: int) -> ValueRuleError:
    """The first problem in a value `_clean` refused, with the path of where it is."""
    where = path or "the value"
    if isinstance(value, str):
        return ValueRuleError(path, f"{where} {text_problem(value)}")
    if isinstance(value, float):
        return ValueRuleError(path, f"{where} is not a finite number; send a number JSON can hold")
    if depth >= MAX_DEPTH:
        return _too_deep(path)
    if depth >= _NAMED_LEVELS and not _within_depth(value, depth):
        return _too_deep(path + ".…")
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(key, str) and text_problem(key) is not None:
            named = _label(path, key)
            return ValueRuleError(named, f"the key {named} {text_problem(key)}")
        if type(item) in _CHECKED and not _clean(item, depth + 1):
            return _find(item, _label(path, key), depth + 1)
    raise AssertionError("no problem found in a value _clean refused")


def _within_depth(value: Any, depth: int) -> bool:
    items = value.values() if type(value) is dict else value
    if depth >= MAX_DEPTH:
        return False
    for item in items:
        kind = type(item)
        if (kind is dict or kind is list) and not _within_depth(item, depth + 1):
            return False
    return True


def _too_deep(path: str) -> ValueRuleError:
    return ValueRuleError(path, f"{path or 'the value'} is nested more than {MAX_DEPTH} levels deep; flatten it")


def _encoded(value: Any) -> bytes | None:
    """`value` as JSON, or None when orjson refuses it (lone surrogates, integers beyond 64 bits, depth)."""
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return None


def _few_containers(encoded: bytes) -> bool:
    """Fewer brackets than levels allowed: the value cannot be nested too deeply (brackets inside strings only
    make this answer no more often). One pass in C instead of a walk in Python, for the common small value."""
    return encoded.count(b"{") + encoded.count(b"[") <= MAX_DEPTH


def depth_problem(value: Any, field: str = "") -> ValueRuleError | None:
    """The nesting rule alone (for values that are read, not stored: events in the actions runtime)."""
    if type(value) not in (dict, list):
        return None
    encoded = _encoded(value)
    if (encoded is not None and _few_containers(encoded)) or _within_depth(value, 0):
        return None
    path, depth = field, 0
    while True:  # follow the first branch that is too deep, naming a few levels of it
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if type(item) in (dict, list) and not _within_depth(item, depth + 1):
                path, value, depth = _label(path, key), item, depth + 1
                break
        if depth >= _NAMED_LEVELS:
            return _too_deep(path + ".…")


def check_value(value: Any, field: str = "") -> None:
    """Refuse (ValueRuleError naming the path, e.g. `attributes.plan`) a JSON value holding text no column can
    hold or nested more than MAX_DEPTH levels (the top-level object or array counts as one level)."""
    kind = type(value)
    if kind is dict or kind is list:
        encoded = _encoded(value)
        # Quick answer for the common value: encodable (no lone surrogate), no NUL escape, no `null` (orjson writes
        # infinities as null), few brackets. Anything else is walked.
        if (
            encoded is not None
            and b"\\u0000" not in encoded
            and b"null" not in encoded
            and _few_containers(encoded)
        ):
            return
    if kind in _CHECKED and not _clean(value, 0):
        raise _find(value, field, 0)


def value_problem(value: Any, field: str = "") -> ValueRuleError | None:
    try:
        check_value(value, field)
    except ValueRuleError as exc:
        return exc
    return None


def integer_id(raw: Any, field: str, maximum: int = MAX_INTEGER) -> int:
    """A positive integer id sent as ASCII digits (or as a JSON integer), at most `maximum`."""
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not _ASCII_DIGITS.fullmatch(text) or not 1 <= int(text) <= maximum:
        shown = printable(repr(raw)) if isinstance(raw, str) else repr(raw)
        message = f"{field} must be a positive integer from 1 to {maximum} in ASCII digits, not {shown}"
        raise ValueRuleError(field, message)
    return int(text)


def object_type_id(raw: Any, field: str = "object_type_id") -> int:
    """An object type id: Customer.io's string-formatted integer ("1"), ASCII digits, 1 to MAX_OBJECT_TYPE_ID."""
    return integer_id(raw, field, MAX_OBJECT_TYPE_ID)


def optional_integer_id(raw: Any, maximum: int = MAX_INTEGER) -> int | None:
    """The id, or None when `raw` is not one (for lookups where anything else simply matches nothing)."""
    try:
        return integer_id(raw, "id", maximum)
    except ValueRuleError:
        return None


def optional_object_type_id(raw: Any) -> int | None:
    return optional_integer_id(raw, MAX_OBJECT_TYPE_ID)
