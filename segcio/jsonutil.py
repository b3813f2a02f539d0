"""Fast JSON helpers used on hot paths (orjson), falling back to the standard library for what orjson refuses.

orjson limits integers to 64 bits; valid JSON may carry larger ones (ids from other systems), which must not be lost.
"""

import json
from typing import Any

import orjson

from segcio.errors import Invalid
from segcio.values import MAX_DEPTH


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumpb(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


class TooDeep(Invalid, ValueError):
    """JSON nested beyond what the parser takes."""


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(data: str | bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        # Only big integers make orjson fail where JSON is valid; anything else fails here too.
        try:
            return json.loads(data, parse_constant=_no_constants)
        except RecursionError:
            raise TooDeep(f"the JSON is nested more than {MAX_DEPTH} levels deep; flatten it") from None
