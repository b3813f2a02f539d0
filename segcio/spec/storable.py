"""What the event log can hold: a message's stored JSON text, checked once so no message can fail a commit.

The stored text must be valid UTF-8 (a lone surrogate such as "\\ud800", which JSON escapes allow, has no UTF-8
form) and nested at most MAX_DEPTH levels (the message itself is the first), so that every later reader, recursive
or not, can take it. NUL in the id columns is refused in message.py, where the ids are read.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from segcio.spec.message import Rejection

MAX_DEPTH = 64


def encode(message: dict[str, Any]) -> str:
    """The message as stored JSON text; raises Rejection naming the field when it cannot be stored."""
    try:
        data = orjson.dumps(message)
    except TypeError:  # a lone surrogate, an integer beyond 64 bits, or nesting beyond orjson's own limit
        _check(message)
        return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # Each level of nesting opens a bracket: a text with few of them cannot be deep, and needs no walk. (Brackets
    # are sparse: removing them, which skips from one to the next, costs half of counting them byte by byte.)
    if len(data) - len(data.replace(b"{", b"").replace(b"[", b"")) > MAX_DEPTH:
        _check(message)
    return data.decode()


def _check(message: dict[str, Any]) -> None:
    """Walk the message without recursion: the first object or array nested too deep, or string with a lone
    surrogate (the message is the first level; scalars are no level)."""
    stack: list[tuple[Any, str, int]] = [(message, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                raise _too_deep(path)
            for key, child in value.items():
                if isinstance(key, str) and not _is_utf8(key):
                    raise _surrogate(path or "the message", "a key")
                stack.append((child, f"{path}.{key}" if path else str(key), depth + 1))
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                raise _too_deep(path)
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(value))
        elif isinstance(value, str) and not _is_utf8(value):
            raise _surrogate(path, "the value")


def _too_deep(path: str) -> Rejection:
    return Rejection(
        "too_deep",
        f"'{path}' is nested more than {MAX_DEPTH} levels deep (the message itself is the first); flatten it.",
    )


def _is_utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _surrogate(path: str, what: str) -> Rejection:
    return Rejection(
        "invalid_unicode",
        f"{what.capitalize()} of '{path}' holds a lone UTF-16 surrogate (such as \\ud800), which is not valid "
        "Unicode and cannot be stored; send the whole character (both halves of the pair) or remove it.",
    )
