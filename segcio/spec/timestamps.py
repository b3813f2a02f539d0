"""ISO-8601 parsing/formatting for the Segment Spec's timestamp fields."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_iso(value: object) -> datetime | None:
    """A timezone-aware datetime from an ISO-8601 string; naive values are UTC; None when unparsable."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    text = value.strip()
    dot = text.find(".")
    if dot != -1 and text[dot + 7 : dot + 8].isdigit():  # nanoseconds: keep microseconds
        text = _FRACTION.sub(r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_iso(moment: datetime) -> str:
    """ISO-8601 UTC with millisecond precision and a `Z`, as Segment emits."""
    if moment.tzinfo is not UTC and moment.utcoffset():
        moment = moment.astimezone(UTC)
    # Plain isoformat() is about twice as fast as isoformat(timespec=...), and this runs for every message.
    if moment.microsecond:
        return moment.isoformat()[:23] + "Z"
    return moment.isoformat()[:19] + ".000Z"


def format_utc(moment: datetime) -> str | None:
    """format_iso(), or None for a moment UTC cannot express within years 1-9999 (such as year 1 at +05:00)."""
    try:
        return format_iso(moment)
    except OverflowError:
        return None
