"""Path syntax of mappings (`@path`, `@template`, `@arrayPath`) and of trigger field names.

Paths are split once, when a mapping or trigger is compiled; lookups then walk pre-split keys with
`jsvalues.get_path` (JS `obj && obj[key]` semantics).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from segcio.actions.jsvalues import MISSING, get_path, member, truthy

# The reference's mapping-path separators: '.', '[' before a quote or digit, ']' after a quote or digit.
_MAPPING_SPLIT = re.compile(r"""\[(?="|'|\d)|\.|(?<="|'|\d)]+""")
_QUOTES = re.compile(r"""['"]""")
# Trigger field names: every run of characters other than '.', '[' and ']' is a key.
_TRIGGER_KEYS = re.compile(r"[^\[.\]]+")

Getter = Callable[[Any], Any]


def split_mapping_path(path: str) -> tuple[str, ...] | None:
    """Keys of a mapping path (without the `$.` handling, which is the caller's); None for the whole payload.

    `a.b[0].c`, `a['b']`, `a["b"]` and `arr.0` all address nested values; `a[b]` is the literal key `a[b]`.
    """
    if path == "" or path == ".":
        return None
    return tuple(_QUOTES.sub("", chunk) for chunk in _MAPPING_SPLIT.split(path) if chunk)


def strip_root(path: str) -> str:
    """`@path` / `@arrayPath` remove the first `$.` (anywhere in the string, as the reference does)."""
    return path.replace("$.", "", 1)


def split_trigger_name(name: str) -> tuple[str, ...]:
    """Keys of a trigger field name such as `product 1.price` (a key with a literal '.' cannot be addressed)."""
    return tuple(_TRIGGER_KEYS.findall(name))


def make_getter(keys: tuple[str, ...] | None) -> Getter:
    """A fast function returning the value at `keys` (None: the value itself), MISSING when absent."""
    if keys is None:
        return _identity
    if len(keys) == 1:
        (first,) = keys

        def get_one(value: Any) -> Any:
            if type(value) is dict:
                return value.get(first, MISSING)
            return member(value, first) if truthy(value) else value

        return get_one
    if len(keys) == 2:
        first, second = keys
        rest = keys[1:]

        def get_two(value: Any) -> Any:
            if type(value) is dict:
                value = value.get(first, MISSING)
                if type(value) is dict:
                    return value.get(second, MISSING)
                if value is MISSING or value is None:
                    return value
                return get_path(value, rest)
            return get_path(value, keys)

        return get_two

    def get_many(value: Any) -> Any:
        return get_path(value, keys)

    return get_many


def _identity(value: Any) -> Any:
    return value
