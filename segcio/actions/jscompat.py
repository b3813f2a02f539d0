"""JavaScript value semantics the reference runtime relies on (truthiness, number <-> string, key order).

The Destination Actions reference runs on Node; payloads it produces follow JS rules. These helpers let the
Python runtime produce the same values and the same JSON text.
"""

from __future__ import annotations

import math
import re
from typing import Any

_ARRAY_INDEX = re.compile(r"^(?:0|[1-9][0-9]*)$")
_DECIMAL = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_JS_WHITESPACE = " \t\n\r\v\f\u00a0\ufeff\u2028\u2029"


def truthy(value: Any) -> bool:
    """JS truthiness: '' / 0 / NaN / null / false are falsy; every object and array (even empty) is truthy."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, str):
        return value != ""
    if isinstance(value, int | float):
        return value == value and value != 0
    return True


def type_name(value: Any) -> str:
    """`typeof`-like name used in messages: string, number, boolean, object, array, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list | tuple):
        return "array"
    return "object"


def humanize_type(value: Any) -> str:
    """"a string", "an object", "null" ... as used in messages."""
    name = type_name(value)
    if name == "null":
        return name
    return ("an " if name[0] in "aeiou" else "a ") + name


def number_to_string(value: float) -> str:
    """`String(n)` for a JS number (shortest round-trip digits, JS exponent thresholds)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) < 10**21:
            return str(value)
        value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    text = repr(abs(value))
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text) if exp_text else 0
    int_part, _, frac_part = mantissa.partition(".")
    int_part = int_part.lstrip("0")
    if int_part:
        point = len(int_part) + exponent
        digits = int_part + frac_part
    else:
        stripped = frac_part.lstrip("0")
        point = exponent - (len(frac_part) - len(stripped))
        digits = stripped
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * (-point) + digits
    e = point - 1
    body = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{body}e{'+' if e >= 0 else '-'}{abs(e)}"


def to_string(value: Any) -> str:
    """`"" + value` for the scalars AJV coerces to strings."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return number_to_string(value)
    return str(value)


def string_to_number(text: str) -> float | None:
    """`Number(text)`; None where JS gives NaN."""
    s = text.strip(_JS_WHITESPACE)
    if s == "":
        return 0.0
    if _DECIMAL.match(s):
        return float(s)
    lowered = s.lower()
    for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if lowered.startswith(prefix):
            try:
                return float(int(s[2:], base))
            except ValueError:
                return None
    if s in ("Infinity", "+Infinity"):
        return math.inf
    if s == "-Infinity":
        return -math.inf
    return None


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
