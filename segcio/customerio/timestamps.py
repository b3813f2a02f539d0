"""Convert Timestamps for Customer.io, following the table in docs/destination-actions.md.

* other attributes: ISO-8601 strings with at most 3 fractional digits become Unix seconds;
* the person's and the object's `created_at`: the same, plus any other string JavaScript's `Date` accepts
  (`25 Mar 2015`, `01/01/2019`);
* never: digit-only strings, ISO strings with more than 3 fractional digits, non-strings, arrays' contents;
* the root `timestamp`: always Unix seconds when it parses (lenient, as the reference's `convertValidTimestamp`).
Values without a zone are UTC.
"""

from __future__ import annotations

import re
from typing import Any

from segcio.actions.jsdate import dayjs_parse, parse_iso_ms, unix_seconds
from segcio.actions.v8date import date_parse

_UNIX = re.compile(r"^\d+(?:\.\d+)?$", re.ASCII)
_ISO_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T|\Z)", re.ASCII)
_NUMERIC = re.compile(r"^[+-]?[\d.\s]+$", re.ASCII)
MAX_FRACTION_DIGITS = 3  # only timestamps of millisecond precision are converted (docs/destination-actions.md)


def _iso(value: str) -> tuple[int, int] | None:
    if len(value) < 10 or value[4] != "-":
        return None
    return parse_iso_ms(value)


def iso_seconds(value: str) -> int | None:
    """Unix seconds of a strict ISO-8601 string (<= 3 fractional digits, V8's validity rules), else None."""
    parsed = _iso(value)
    if parsed is None or parsed[1] > MAX_FRACTION_DIGITS:
        return None
    return unix_seconds(parsed[0])


def is_iso_date(value: Any) -> bool:
    return isinstance(value, str) and iso_seconds(value) is not None


def convert_created_at(value: Any) -> Any:
    """The `created_at` exception for the person's and the object's own creation time (not for other keys of
    that name): Unix seconds when ISO-8601 or JavaScript-Date-parseable, else unchanged."""
    if value.__class__ is not str:
        return value
    seconds = created_at_seconds(value)
    return value if seconds is None else seconds


def created_at_seconds(value: str) -> int | None:
    """The `created_at` exception: ISO as above, or anything JavaScript's `Date` parses (not digit-only)."""
    seconds = iso_seconds(value)
    if seconds is not None:
        return seconds
    if _ISO_SHAPE.match(value) or _NUMERIC.match(value):
        return None
    ms = date_parse(value)
    return None if ms is None else unix_seconds(ms)


def convert_attribute_timestamps(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy with timestamp strings converted, descending into objects (never into arrays)."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        cls = value.__class__
        if cls is str:
            # Most strings are not dates: the cheap shape test first, inline.
            out[key] = convert_string(value) if len(value) >= 10 and value[4] == "-" else value
        elif cls is dict:
            out[key] = convert_attribute_timestamps(value)
        else:
            out[key] = value
    return out


def convert_string(value: str) -> Any:
    """One attribute string: Unix seconds when it is an ISO-8601 timestamp by the rules above, else unchanged."""
    if len(value) < 10 or value[4] != "-":
        return value
    parsed = parse_iso_ms(value)
    if parsed is None or parsed[1] > MAX_FRACTION_DIGITS:
        return value
    return unix_seconds(parsed[0])


def convert_valid_timestamp(value: Any) -> Any:
    """Non-strings and unix-second strings unchanged; parseable date strings -> Unix seconds; others unchanged."""
    if value.__class__ is not str:
        return value
    parsed = _iso(value)
    if parsed is not None:
        return unix_seconds(parsed[0])
    if _UNIX.match(value):
        return value
    ms = dayjs_parse(value)
    return value if ms is None else unix_seconds(ms)
