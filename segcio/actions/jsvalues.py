"""JavaScript value semantics used by the trigger language and the mapping kit.

Subscriptions (triggers) and mappings come from Segment's Destination Actions, whose reference runtime is
JavaScript: a missing value is `undefined` (distinct from `null`), `a && a[k]` walks stop at falsy values,
`String(x)` formats numbers the JS way. These helpers give Python values the same behaviour, with the hot
paths (truthiness, member access) written for speed.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Final


class _Missing(enum.Enum):
    """JS `undefined`: a value that is not there (as opposed to `null`, which is None)."""

    MISSING = 0

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing.MISSING

_ARRAY_INDEX = re.compile(r"(?:0|[1-9][0-9]*)\Z")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
JS_WHITESPACE = " \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
    "\u2028\u2029\u202f\u205f\u3000\ufeff"


def truthy(value: Any) -> bool:
    """JS truthiness: undefined, null, false, 0, NaN and '' are falsy; every object and array is truthy."""
    if value is MISSING or value is None or value is False:
        return False
    kind = type(value)
    if kind is str:
        return bool(value != "")
    if kind is int:
        return bool(value != 0)
    if kind is float:
        return bool(value == value and value != 0.0)
    return True


def real_type_of(value: Any) -> str:
    """The reference's `realTypeOf`: object, array, string, number, boolean, null or undefined."""
    if value is MISSING:
        return "undefined"
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__.lower()


def type_of(value: Any) -> str:
    """JS `typeof`: arrays and null are "object"."""
    kind = real_type_of(value)
    return "object" if kind in ("array", "null") else kind


def is_number(value: Any) -> bool:
    """`typeof value === 'number'` (booleans are not numbers)."""
    kind = type(value)
    return kind is int or kind is float


def utf16_length(text: str) -> int:
    """JS `string.length` (UTF-16 code units)."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def number_to_string(value: float) -> str:
    """`String(n)` for a JS number: shortest round-trip digits with JS's exponent thresholds."""
    if type(value) is int:
        if -(10**21) < value < 10**21:
            return str(value)
        value = float(value)
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    digits = (int_part + frac_part).lstrip("0")
    # value = 0.<digits> * 10**point (ECMAScript Number::toString's n)
    point = len(int_part.lstrip("0")) + (int(exp_text) if exp_text else 0)
    if not int_part.lstrip("0"):
        point -= len(frac_part) - len(frac_part.lstrip("0"))
    digits = digits.rstrip("0") or "0"
    count = len(digits)
    if count <= point <= 21:
        return sign + digits + "0" * (point - count)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * (-point) + digits
    exponent = point - 1
    body = digits[0] + ("." + digits[1:] if count > 1 else "")
    return f"{sign}{body}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"


def to_number(value: Any) -> float:
    """JS `Number(value)` for the values a trigger can hold (string, number, boolean, null)."""
    if value is True:
        return 1.0
    if value is False or value is None:
        return 0.0
    if is_number(value):
        return float(value)
    if not isinstance(value, str):
        return math.nan
    text = value.strip(JS_WHITESPACE)
    if text == "":
        return 0.0
    if _DECIMAL.match(text):
        return float(text)
    for prefix, base in (("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)):
        if text.startswith(prefix):
            try:
                return float(int(text[2:], base))
            except ValueError:
                return math.nan
    if text in ("Infinity", "+Infinity"):
        return math.inf
    if text == "-Infinity":
        return -math.inf
    return math.nan


def to_string(value: Any) -> str:
    """JS `String(value)`: arrays join their elements with ',', objects are '[object Object]'."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int or kind is float:
        return number_to_string(value)
    if value is None:
        return "null"
    if value is MISSING:
        return "undefined"
    if isinstance(value, list | tuple):
        return ",".join("" if item is None or item is MISSING else to_string(item) for item in value)
    return "[object Object]"


def loosely_equals_empty_string(value: Any) -> bool:
    """JS `value == ''` (loose equality)."""
    if isinstance(value, str):
        return value == ""
    if value is True or value is False:
        return value is False
    if is_number(value):
        return bool(value == 0)
    if isinstance(value, list | tuple):
        return to_string(value) == ""
    return False


def member(container: Any, key: str) -> Any:
    """JS `container[key]` for JSON-like values; MISSING where JS gives undefined."""
    if isinstance(container, Mapping):
        return container.get(key, MISSING)
    if isinstance(container, list | tuple | str):
        if key == "length":
            return utf16_length(container) if isinstance(container, str) else len(container)
        if _ARRAY_INDEX.match(key):
            index = int(key)
            if index < len(container):
                return container[index]
    return MISSING


def get_path(value: Any, keys: tuple[str, ...]) -> Any:
    """`keys.reduce((obj, key) => obj && obj[key], value)`: a falsy value met on the way is the result."""
    for key in keys:
        if type(value) is dict:
            value = value.get(key, MISSING)
        elif truthy(value):
            value = member(value, key)
        else:
            return value
    return value


_CONTAINERS = frozenset((dict, list, tuple))


def clean_copy(value: Any) -> Any:
    """The reference's `removeUndefined`: a deep copy without undefined object values (array holes become null)."""
    kind = type(value)
    if kind is dict:
        return {key: clean_copy(item) if type(item) in _CONTAINERS else item
                for key, item in value.items() if item is not MISSING}
    if kind is list or kind is tuple:
        return [None if item is MISSING else clean_copy(item) if type(item) in _CONTAINERS else item
                for item in value]
    if isinstance(value, Mapping):
        return clean_copy(dict(value))
    return value


def json_stringify(value: Any) -> Any:
    """JS `JSON.stringify(value)`; MISSING when JS returns undefined."""
    if value is MISSING:
        return MISSING
    return _stringify(value)


def _stringify(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if is_number(value):
        return number_to_string(value) if math.isfinite(value) else "null"
    if isinstance(value, list | tuple):
        return "[" + ",".join("null" if item is MISSING else _stringify(item) for item in value) + "]"
    if isinstance(value, Mapping):
        parts = [f"{json.dumps(str(k), ensure_ascii=False)}:{_stringify(v)}"
                 for k, v in value.items() if v is not MISSING]
        return "{" + ",".join(parts) + "}"
    return "{}"


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def json_parse(text: str) -> Any:
    """JS `JSON.parse`; raises ValueError on invalid JSON (NaN/Infinity are not JSON)."""
    return json.loads(text, parse_constant=_reject_constant)
