"""Date parsing with the semantics of V8's `Date.parse` and of dayjs, as the reference relies on them.

Times without a zone are read as UTC (the reference reads them in the server's zone; its vectors assume UTC).
All functions return milliseconds since the epoch, or None for an invalid date.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

MS_PER_DAY = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MS = 8.64e15

# ES date-time string format (with V8's `+HHMM` extension).
_ES = re.compile(
    r"^(?P<y>[+-]\d{6}|\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2}))?)?"
    r"(?:T(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2}|[+-]\d{4})?)?$",
    re.ASCII,
)
_ES_DATE_THEN_T = re.compile(r"^(?:[+-]\d{6}|\d{4})(?:-\d{2}(?:-\d{2})?)?T", re.ASCII)
# dayjs REGEX_PARSE: numeric date-times it builds from components (with overflow) instead of `new Date()`.
_DAYJS = re.compile(
    r"^(\d{4})[-/]?(\d{1,2})?[-/]?(\d{0,2})[Tt\s]*(\d{1,2})?:?(\d{1,2})?:?(\d{1,2})?[.:]?(\d+)?$", re.ASCII
)
_LEGACY_TOKEN = re.compile(r"(\d+)|([A-Za-z]+)|(\s+)|(.)", re.S | re.ASCII)
# Characters V8's legacy date scanner does not skip (checked against Node: "1{1" is NaN, "1;1" a date).
_LEGACY_REFUSED = frozenset("{}[]^_|~`\\")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# Zone words V8's legacy parser knows (offset in minutes).
_ZONES = {"ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -300, "edt": -240, "cst": -360, "cdt": -300,
          "mst": -420, "mdt": -360, "pst": -480, "pdt": -420}


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any integers; month 1..12)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


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
    # V8 and dayjs keep the first three digits (truncation, never rounding).
    return int((digits + "00")[:3])


def _parse_es(m: re.Match[str]) -> float | None:
    year = int(m["y"])
    if m["y"].startswith("-") and year == 0:
        return None
    month = int(m["mo"] or 1)
    day = int(m["d"] or 1)
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    if m["h"] is None:
        # Date-only forms are UTC.
        return make_date_ms(year, month - 1, day, two_digit_years=False)
    hour, minute, second = int(m["h"]), int(m["mi"]), int(m["s"] or 0)
    ms = _fraction_ms(m["f"]) if m["f"] else 0
    if hour > 24 or minute > 59 or second > 59 or (hour == 24 and (minute or second or ms)):
        return None
    offset = 0
    tz = m["tz"]
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:])
        if oh > 23 or om > 59:
            return None
        offset = sign * (oh * 60 + om)
    value = make_date_ms(year, month - 1, day, hour, minute, second, ms, two_digit_years=False)
    return None if value is None else value - offset * 60_000


def date_parse(text: str) -> float | None:
    """`Date.parse(text)` / `new Date(text)`: the ES format, else (approximately) V8's legacy parser."""
    m = _ES.match(text)
    if m:
        return _parse_es(m)
    if _ES_DATE_THEN_T.match(text):
        # An ES date followed by a time part that is not well-formed: V8 rejects it outright.
        return None
    return _parse_legacy(text)


def _parse_legacy(text: str) -> float | None:
    """A faithful-enough subset of V8's legacy date parser: `25 Mar 2015`, `Mar 25 2015`, `01/01/2019`,
    `2023-12-25 14:30:45`, `Tue, 25 Mar 2015 10:00:00 GMT+0100`, AM/PM. (Guess where V8's rules are richer.)"""
    tokens = [t for t in _LEGACY_TOKEN.findall(text)]
    numbers: list[int] = []
    named_month: int | None = None
    time: list[int] | None = None
    offset: int | None = None
    pm: bool | None = None
    i = 0
    depth = 0
    while i < len(tokens):
        num, word, _space, sym = tokens[i]
        i += 1
        if sym == "(":
            depth += 1
            continue
        if sym == ")":
            if depth == 0:
                return None
            depth -= 1
            continue
        if depth:
            continue
        if sym and (sym in _LEGACY_REFUSED or not sym.isascii()):  # V8's scanner stops at these: not a date
            return None
        if num:
            nxt = tokens[i][3] if i < len(tokens) else ""
            if nxt == ":" and time is None:
                parts = [int(num)]
                while i + 1 < len(tokens) and tokens[i][3] == ":" and tokens[i + 1][0] and len(parts) < 3:
                    parts.append(int(tokens[i + 1][0]))
                    i += 2
                ms = 0
                if len(parts) == 3 and i + 1 < len(tokens) and tokens[i][3] == "." and tokens[i + 1][0]:
                    ms = _fraction_ms(tokens[i + 1][0])
                    i += 2
                time = [*[*parts, 0, 0][:3], ms]
            elif len(numbers) < 3:
                numbers.append(int(num))
            else:
                return None
        elif word:
            low = word.lower()
            if low in ("am", "pm") and time is not None:
                pm = low == "pm"
            elif low in _ZONES:
                offset = _ZONES[low]
            elif len(low) >= 3 and low[:3] in _MONTHS and named_month is None:
                named_month = _MONTHS.index(low[:3]) + 1
            elif (len(low) >= 3 and low[:3] in _DAYS) or low == "t":
                pass
            elif numbers or time is not None:
                return None
        elif sym in "+-" and (offset is not None or time is not None) and i < len(tokens) and tokens[i][0]:
            digits = tokens[i][0]
            i += 1
            sign = 1 if sym == "+" else -1
            if len(digits) <= 2:
                hours, minutes = int(digits), 0
                if i + 1 < len(tokens) and tokens[i][3] == ":" and tokens[i + 1][0]:
                    minutes = int(tokens[i + 1][0])
                    i += 2
            else:
                hours, minutes = int(digits) // 100, int(digits) % 100
            if hours > 23 or minutes > 59:
                return None
            offset = (offset or 0) + sign * (hours * 60 + minutes)
    if not numbers:
        return None
    year: int | None
    if named_month is not None:
        month = named_month
        if len(numbers) == 1:
            day, year = numbers[0], None
        elif len(numbers) == 2:
            day, year = (numbers[1], numbers[0]) if numbers[0] > 31 else (numbers[0], numbers[1])
        else:
            return None
    elif len(numbers) == 3:
        if numbers[0] > 31:
            year, month, day = numbers
        else:
            month, day, year = numbers
    elif len(numbers) == 2:
        month, day, year = numbers[0], numbers[1], None
    else:
        return None
    if year is None:
        year = 2001
    elif 0 <= year <= 49:
        year += 2000
    elif 50 <= year <= 99:
        year += 1900
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    hour, minute, second, ms = time or [0, 0, 0, 0]
    if pm is not None:
        if hour > 12:
            return None
        hour = (hour % 12) + (12 if pm else 0)
    if hour > 24 or minute > 59 or second > 59 or (hour == 24 and (minute or second or ms)):
        return None
    value = make_date_ms(year, month - 1, day, hour, minute, second, ms, two_digit_years=False)
    return None if value is None else value - (offset or 0) * 60_000


def dayjs_parse(text: str) -> float | None:
    """`dayjs(text)` / `dayjs.utc(text)` (identical with UTC as the local zone)."""
    if not text.endswith(("Z", "z")):
        m = _DAYJS.match(text)
        if m:
            y, mo, d, h, mi, s, f = m.groups()
            month0 = int(mo) - 1 if mo else 0
            return make_date_ms(int(y), month0 or 0, int(d) if d else 1, int(h or 0), int(mi or 0), int(s or 0),
                                _fraction_ms(f) if f else 0)
    return date_parse(text)


def unix_seconds(ms: float) -> int:
    """`dayjs(...).unix()`: whole seconds, rounded down."""
    return int(ms // 1000)


# The reference's ISO-8601 gate (`isIsoDate`'s shape) with any number of fractional digits, for a one-pass parse.
_ISO_GATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.(\d+))?(Z|([+-])(\d{2}):?(\d{2}))?)?\Z", re.ASCII
)


def parse_iso(value: str) -> tuple[int, int] | None:
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
