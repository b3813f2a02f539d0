"""JavaScript value semantics the actions runtime needs on top of `segcio.actions.jsvalues`: AJV's scalar
coercions, type names for messages, and JSON output in `JSON.stringify`'s key order."""

from __future__ import annotations

import math
import re
from typing import Any

from segcio.actions.jsvalues import number_to_string, real_type_of, to_number, truthy

__all__ = ["humanize_type", "js_ordered", "plain_number", "string_to_number", "to_string", "truthy",
           "type_name"]

_ARRAY_INDEX = re.compile(r"(?:0|[1-9][0-9]*)\Z")


def type_name(value: Any) -> str:
    """string, number, boolean, object, array or null."""
    return real_type_of(value)


def humanize_type(value: Any) -> str:
    """"a string", "an object", "null" ... as used in messages."""
    name = type_name(value)
    if name in ("null", "undefined"):
        return name
    return ("an " if name[0] in "aeiou" else "a ") + name


def to_string(value: Any) -> str:
    """AJV's coercion to string: `"" + value` for numbers and booleans, "" for null."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_to_string(value)
    return str(value)


def string_to_number(text: str) -> float | None:
    """`Number(text)`; None where JS gives NaN."""
    number = to_number(text)
    return None if math.isnan(number) else number


def plain_number(value: float) -> int | float:
    """A JS number as the JSON text JS would write it: integral floats become ints."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def js_ordered(value: Any) -> Any:
    """A copy whose objects list their keys in JS order (array-index keys ascending first) and whose
    integral floats are ints, so that JSON output matches `JSON.stringify` of the same value."""
    if isinstance(value, dict):
        keys = list(value)
        index_keys = [k for k in keys if isinstance(k, str) and _ARRAY_INDEX.match(k) and int(k) < 4294967295]
        if index_keys:
            index_set = set(index_keys)
            keys = sorted(index_keys, key=int) + [k for k in keys if k not in index_set]
        return {k: js_ordered(value[k]) for k in keys}
    if isinstance(value, list | tuple):
        return [js_ordered(v) for v in value]
    if isinstance(value, float):
        return plain_number(value)
    return value
