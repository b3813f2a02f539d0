"""Date parsing with the semantics of V8's `Date.parse` (segcio.actions.v8date) and of dayjs, as the reference
relies on them.

Times without a zone are read as UTC (the reference reads them in the server's zone; its vectors assume UTC).
All functions return milliseconds since the epoch, or None for an invalid date.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from segcio.actions.jsvalues import number_to_string, to_number
from segcio.actions.v8date import MAX_TIME_MS, MS_PER_DAY, date_parse, days_from_civil

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MS = MAX_TIME_MS

# JavaScript's `\s` (WhiteSpace and LineTerminator), which differs from Python's.
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# dayjs REGEX_PARSE: numeric date-times it builds from components (with overflow) instead of `new Date()`.
_DAYJS = re.compile(
    r"(\d{4})[-/]?(\d{1,2})?[-/]?(\d{0,2})[Tt" + JS_SPACE + r"]*(\d{1,2})?:?(\d{1,2})?:?(\d{1,2})?[.:]?(\d+)?\Z",
    re.ASCII,
)


def make_date_ms(year: int, month0: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
                 ms: int = 0, *, two_digit_years: bool = True) -> float | None:
    """`Date.UTC(...)` / `new Date(y, m, ...)`: fields overflow into the next unit; years 0-99 mean 19xx."""
    if two_digit_years and 0 <= year <= 99:
        year += 1900
    year += month0 // 12
    month0 %= 12
    days = days_from_civil(year, month0 + 1, 1) + day - 1
    total = days * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms
    return float(total) if abs(total) <= MAX_MS else None


def _fraction_ms(digits: str) -> int:
    # V8 keeps the first three digits of a fraction (truncation, never rounding).
    return int((digits + "00")[:3])


def dayjs_parse(text: str) -> float | None:
    """`dayjs(text)` / `dayjs.utc(text)` (identical with UTC as the local zone)."""
    if not text.endswith(("Z", "z")):
        m = _DAYJS.match(text)
        if m:
            y, mo, d, h, mi, s, f = m.groups()
            month0 = int(mo) - 1 if mo else 0
            # dayjs passes the fraction's first three characters as written: ".5" is 5 ms, not 500.
            return make_date_ms(int(y), month0 or 0, int(d) if d else 1, int(h or 0), int(mi or 0), int(s or 0),
                                int(f[:3]) if f else 0)
    return date_parse(text)


def is_date_like(text: str) -> bool:
    """actions-core's `date-like` format (fields of type `datetime`): a string written as JavaScript writes a
    number (`String(Number(text)) === text`) is Unix seconds (`dayjs.unix`), valid within the Date range; any
    other string must be a date to `dayjs(text)`. So `"0"`, `" 12"` and `".5"` pass (the last two as V8's
    legacy dates), `"1e3"` and `"0x10"` (numbers, but not in that form, and no dates) do not."""
    number = to_number(text)
    if number_to_string(number) == text:
        ms = number * 1000
        return not math.isnan(ms) and abs(ms) <= MAX_MS
    return dayjs_parse(text) is not None


def unix_seconds(ms: float) -> int:
    """`dayjs(...).unix()`: whole seconds, rounded down."""
    return int(ms // 1000)


# The reference's ISO-8601 gate (`isIsoDate`'s shape) with any number of fractional digits, for a one-pass parse.
_ISO_GATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.(\d+))?(Z|([+-])(\d{2}):?(\d{2}))?)?\Z", re.ASCII
)


def parse_iso_ms(value: str) -> tuple[int, int] | None:
    """For a string of the ISO gate's shape that `Date.parse` accepts: (epoch ms as dayjs reads it, number of
    fractional digits). None for anything else."""
    m = _ISO_GATE.match(value)
    if m is None:
        return None
    fraction = m.group(7)
    offset_minutes = m.group(11)
    if m.group(4) is not None and (fraction is None or m.group(6) is not None) and (
        m.group(8) is not None or value[0] != "0" or value[1] != "0"
    ) and (offset_minutes is None or offset_minutes < "60"):
        # Common case in C: a date-time whose year dayjs takes as written. Values Python refuses (24:00,
        # 30 February, offsets of 24 hours or more ...) take the exact path below.
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            delta = moment - _EPOCH
            return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000, len(fraction or "")
    return _parse_iso_match(m)


def _parse_iso_match(m: re.Match[str]) -> tuple[int, int] | None:
    year_s, month_s, day_s, hour_s, minute_s, second_s, fraction, zone, sign, off_h, off_m = m.groups()
    month, day = int(month_s), int(day_s)
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    year = int(year_s)
    if hour_s is None:
        # Date-only: UTC, built by dayjs from its components (years 0-99 read as 19xx).
        return int(make_date_ms(year + 1900 if year < 100 else year, month - 1, day,
                                two_digit_years=False) or 0), 0
    if fraction is not None and second_s is None:
        return None
    hour, minute, second = int(hour_s), int(minute_s), int(second_s or 0)
    ms = _fraction_ms(fraction) if fraction else 0
    if hour > 24 or minute > 59 or second > 59 or (hour == 24 and (minute or second or ms)):
        return None
    offset = 0
    if zone is None:
        if year < 100:
            year += 1900  # dayjs builds naive times with `new Date(y, ...)`
    elif sign is not None:
        oh, om = int(off_h), int(off_m)
        if oh > 23 or om > 59:
            return None
        offset = (oh * 60 + om) * (1 if sign == "+" else -1)
    days = days_from_civil(year, month, 1) + day - 1
    total = days * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms - offset * 60_000
    return total, len(fraction or "")
