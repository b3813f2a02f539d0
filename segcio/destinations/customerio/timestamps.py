"""Convert Timestamps for Customer.io, following the seed documents' table (see docs/destination-actions.md).

* other attributes: ISO-8601 strings with at most 3 fractional digits become Unix seconds;
* `created_at`: the same, plus any other string JavaScript's `Date` accepts (`25 Mar 2015`, `01/01/2019`);
* never: digit-only strings, ISO strings with more than 3 fractional digits, non-strings, arrays' contents;
* the root `timestamp`: always Unix seconds when it parses (lenient, as the reference's `convertValidTimestamp`).
Values without a zone are UTC.
"""

from __future__ import annotations

import re
from typing import Any

from segcio.actions.jsdate import date_parse, dayjs_parse, unix_seconds

# The reference's ISO gate, with the fraction widened to any length so that >3 digits can be told apart.
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?(?:\.(\d+))?(?:Z|[+-]\d{2}:?\d{2})?)?$", re.ASCII)
_UNIX = re.compile(r"^\d+(?:\.\d+)?$", re.ASCII)
_NUMERIC = re.compile(r"^[+-]?[\d.\s]+$", re.ASCII)
MAX_FRACTION_DIGITS = 3  # the seed: "we only convert timestamps with millisecond precision"


def _iso_match(value: str) -> re.Match[str] | None:
    if len(value) < 10 or value[4] != "-":
        return None
    return _ISO.match(value)


def iso_seconds(value: str) -> int | None:
    """Unix seconds of a strict ISO-8601 string (<= 3 fractional digits, V8's validity rules), else None."""
    m = _iso_match(value)
    if m is None:
        return None
    fraction = m.group(1)
    if fraction is not None and len(fraction) > MAX_FRACTION_DIGITS:
        return None
    if date_parse(value) is None:
        return None
    ms = dayjs_parse(value)
    return None if ms is None else unix_seconds(ms)


def is_iso_date(value: Any) -> bool:
    return isinstance(value, str) and iso_seconds(value) is not None


def created_at_seconds(value: str) -> int | None:
    """The `created_at` exception: ISO as above, or anything JavaScript's `Date` parses (not digit-only)."""
    seconds = iso_seconds(value)
    if seconds is not None:
        return seconds
    if _iso_match(value) is not None or _NUMERIC.match(value):
        return None
    ms = date_parse(value)
    return None if ms is None else unix_seconds(ms)


def convert_attribute_timestamps(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy with timestamp strings converted, descending into objects (never into arrays)."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        cls = type(value)
        if cls is str:
            seconds = created_at_seconds(value) if key == "created_at" else iso_seconds(value)
            out[key] = value if seconds is None else seconds
        elif cls is dict:
            out[key] = convert_attribute_timestamps(value)
        else:
            out[key] = value
    return out


def convert_valid_timestamp(value: Any) -> Any:
    """Non-strings and unix-second strings unchanged; parseable date strings -> Unix seconds; others unchanged."""
    if not isinstance(value, str) or _UNIX.match(value):
        return value
    ms = dayjs_parse(value)
    return value if ms is None else unix_seconds(ms)
