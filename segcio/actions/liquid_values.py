"""Values in `@liquid` templates as liquidjs (10.30) treats them: output, numbers, truthiness, comparisons,
property access, and JavaScript's UTF-16 strings.

Strings are Python strings, but where liquidjs works on UTF-16 code units (`split: ''`, `first` of a string,
`size`) a character outside the BMP is two surrogate code points here too; `units` splits one and `rejoin`
puts pairs back together, so that equal text compares equal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from segcio.actions.jsvalues import MISSING, to_number, to_string
from segcio.errors import Invalid

MEMORY_LIMIT = 1e8  # the mapping kit's liquidjs `memoryLimit`: characters or elements one render may allocate


class LiquidFilterError(Invalid):
    """A filter that fails while rendering (liquidjs throws); the message is liquidjs's."""


class Drop:
    """liquidjs's `nil`, `empty` and `blank` literals: they compare in their own way, and stand for their value
    (null, '' and '') everywhere else."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value = name, value

    def __repr__(self) -> str:
        return self.name


NIL, EMPTY, BLANK = Drop("nil", None), Drop("empty", ""), Drop("blank", "")
LITERALS: dict[str, Any] = {"true": True, "false": False, "nil": NIL, "null": NIL, "empty": EMPTY, "blank": BLANK}
_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def value_of(value: Any) -> Any:
    """liquidjs `toValue`: a literal drop becomes its value."""
    return value.value if type(value) is Drop else value


def is_nil(value: Any) -> bool:
    return value is None or value is MISSING


def has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def json_text(text: str) -> str:
    """JSON text as `JSON.stringify` writes it: a lone surrogate becomes an escape."""
    text = rejoin(text)
    return text if text.isascii() else _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def units(text: str) -> str:
    """The text as JavaScript sees it: one code point per UTF-16 code unit."""
    if text.isascii() or all(ord(ch) <= 0xFFFF for ch in text):
        return text
    return "".join(ch if ord(ch) <= 0xFFFF else chr(0xD7C0 + (ord(ch) >> 10)) + chr(0xDC00 + (ord(ch) & 0x3FF))
                   for ch in text)


def rejoin(text: str) -> str:
    """Surrogate pairs back into characters (lone surrogates stay)."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return _PAIR.sub(lambda pair: chr(0x10000 + ((ord(pair[0][0]) - 0xD800) << 10) + ord(pair[0][1]) - 0xDC00), text)


def well_formed(text: str) -> str:
    """Rendered text for the payload: a lone surrogate (JavaScript can make one, JSON text cannot carry one
    that UTF-8 encoders accept) becomes U+FFFD, as a receiving JSON decoder makes it."""
    text = rejoin(text)
    return text if text.isascii() or not _SURROGATE.search(text) else _SURROGATE.sub("\ufffd", text)


def length(text: str) -> int:
    """JavaScript `string.length`."""
    return len(units(text))


def stringify(value: Any) -> str:
    """liquidjs `stringify`: nil is '', arrays run their elements together, everything else `String(value)`."""
    if type(value) is str:
        return value
    value = value_of(value)
    if value is None or value is MISSING:
        return ""
    if isinstance(value, list | tuple):
        return "".join(stringify(item) for item in value)
    return to_string(value)


def js_string(value: Any) -> str:
    """JavaScript `String(value)` (null is 'null', arrays are joined with ',')."""
    return to_string(value_of(value))


def js_number(value: Any) -> float:
    """JavaScript `Number(value)` for JSON-like values."""
    value = value_of(value)
    if isinstance(value, list | tuple):
        return to_number(to_string(value))
    return to_number(value)


def to_liquid_number(value: Any) -> float:
    """liquidjs `toNumber`: `+value || 0` (NaN and -0 become 0)."""
    number = js_number(value)
    return 0.0 if number != number or number == 0 else float(number)


def truthy(value: Any) -> bool:
    """Liquid truthiness: only false and nil are false ('' and 0 are true)."""
    value = value_of(value)
    return value is not None and value is not MISSING and value is not False


# --- comparisons ------------------------------------------------------------------------------------------------


def _strict_equal(left: Any, right: Any) -> bool:
    """JavaScript `===` for JSON-like values (objects by identity)."""
    if left is None or right is None or left is MISSING or right is MISSING:
        return left is right
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return bool(left == right)
    if isinstance(left, str) and isinstance(right, str):
        return rejoin(left) == rejoin(right)
    return left is right


def _drop_equals(drop: Drop, value: Any) -> bool:
    if drop is NIL:
        return is_nil(value_of(value))
    if drop is BLANK:
        if value is False or is_nil(value_of(value)):
            return True
        if isinstance(value, str):
            return value.strip(" \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                               "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff") == ""
    if type(value) is Drop and value is not NIL:
        return False
    value = value_of(value)
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) == 0
    return False


def equals(left: Any, right: Any) -> bool:
    """liquidjs `==`: literal drops decide first (the left one if any), arrays compare element by element,
    everything else as JavaScript's `===`."""
    if type(left) is Drop:
        return _drop_equals(left, right)
    if type(right) is Drop:
        return _drop_equals(right, left)
    if isinstance(left, list | tuple):
        return isinstance(right, list | tuple) and len(left) == len(right) and all(
            equals(a, b) for a, b in zip(left, right, strict=True))
    return _strict_equal(left, right)


def _primitive(value: Any) -> Any:
    if isinstance(value, list | tuple | Mapping):
        return to_string(value)
    return value


def js_less(left: Any, right: Any) -> bool | None:
    """JavaScript's `left < right`; None where JavaScript's comparison is undefined (NaN)."""
    left, right = _primitive(value_of(left)), _primitive(value_of(right))
    if isinstance(left, str) and isinstance(right, str):
        return units(left) < units(right)
    x, y = to_number(left), to_number(right)
    if x != x or y != y:
        return None
    return x < y


def js_add(left: Any, right: Any) -> Any:
    """JavaScript's `left + right`: text if either side is (or becomes) text, else a number."""
    left, right = _primitive(value_of(left)), _primitive(value_of(right))
    if isinstance(left, str) or isinstance(right, str):
        return to_string(left) + to_string(right)
    return to_number(left) + to_number(right)


def compare(operator: str, left: Any, right: Any) -> bool:
    """`<`, `>`, `<=`, `>=`: false against a literal drop, JavaScript's relational comparison otherwise."""
    if type(left) is Drop or type(right) is Drop:
        return False
    if operator == "<":
        return js_less(left, right) is True
    if operator == ">":
        return js_less(right, left) is True
    if operator == "<=":
        return js_less(right, left) is False
    return js_less(left, right) is False


def contains(container: Any, item: Any) -> bool:
    container = value_of(container)
    if isinstance(container, list | tuple):
        return any(equals(element, item) for element in container)
    if isinstance(container, str):
        return units(js_string(item)) in units(container)
    return False


# --- property access --------------------------------------------------------------------------------------------


def _index(sequence: Any, key: float) -> Any:
    if key != int(key):
        return MISSING
    index = int(key)
    if index < 0:
        index += len(sequence)
    return sequence[index] if 0 <= index < len(sequence) else MISSING


def lookup(base: Any, key: Any) -> Any:
    """liquidjs `readProperty` with own properties only: `.size`, `.first`, `.last` and indexes."""
    key = value_of(key)
    if base is None or base is MISSING:
        return base
    if type(base) is Drop:  # liquidjs's drops have no properties
        return MISSING
    if isinstance(base, Mapping):
        name = key if isinstance(key, str) else js_string(key)
        if name in base:
            return base[name]
        if name == "size":
            return len(base)
        return MISSING
    if isinstance(base, list | tuple):
        if isinstance(key, int | float) and not isinstance(key, bool):
            return _index(base, key) if key == key and abs(key) != float("inf") else MISSING
        name = key if isinstance(key, str) else js_string(key)
        if name in ("size", "length"):
            return len(base)
        if name == "first":
            return base[0] if base else MISSING
        if name == "last":
            return base[-1] if base else MISSING
        if name.isascii() and name.isdigit() and (name == "0" or name[0] != "0"):
            return _index(base, int(name))
        return MISSING
    if isinstance(base, str):
        name = key if isinstance(key, str) else js_string(key)
        if name in ("size", "length"):
            return length(base)
        if name.isascii() and name.isdigit() and (name == "0" or name[0] != "0"):
            text = units(base)
            return text[int(name)] if int(name) < len(text) else MISSING
        return MISSING
    return MISSING
