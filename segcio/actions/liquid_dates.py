"""liquidjs's date filters (10.30) as the mapping kit runs them: the server in UTC, the `en-US` locale.

`date: format, zone` reads the value as liquidjs does (nil is left alone, a number or a string of digits is
seconds since the epoch, `now` / `today` the current time, any other string JavaScript's `Date.parse`), shows it
in UTC or in the zone given (minutes behind UTC, or an IANA name) and formats it with liquidjs's `strftime`.
"""

from __future__ import annotations

import functools
import math
import re
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from segcio.actions.jsvalues import MISSING, number_to_string, to_string
from segcio.actions.liquid_values import MEMORY_LIMIT, LiquidFilterError, js_number, stringify, value_of
from segcio.actions.v8date import MS_PER_DAY, date_parse

DEFAULT_FORMAT = "%A, %B %-e, %Y at %-l:%M %P %z"
MAX_TIME = 8.64e15  # JavaScript's Date range, in milliseconds either side of the epoch
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_FORMAT = re.compile("%([-_0^#:]+)?(\\d+)?([EO])?([^\n\r\u2028\u2029])")
_PAD_WIDTHS = {"C": 2, "d": 2, "e": 2, "H": 2, "I": 2, "j": 3, "k": 2, "l": 2, "L": 3, "m": 2, "M": 2, "S": 2,
               "U": 2, "W": 2, "y": 2, "Y": 4}
_PAD_WITH_SPACES = frozenset("aAbBceklpP")


@dataclass
class _Date:
    """liquidjs's LiquidDate: the instant, and its wall clock in the zone shown."""

    ms: float
    offset: float  # minutes behind UTC, as JavaScript's getTimezoneOffset
    zone_name: str | None  # the zone's name when one was given by name; "" for a numeric one; None for none
    year: int = 0
    month: int = 0  # 0-11
    day: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0
    milliseconds: int = 0
    weekday: int = 0

    def __post_init__(self) -> None:
        shown = int(self.ms - self.offset * 60_000)
        days, in_day = divmod(shown, MS_PER_DAY)
        self.year, self.month, self.day = _civil_from_days(days)
        self.hours, rest = divmod(in_day, 3_600_000)
        self.minutes, rest = divmod(rest, 60_000)
        self.seconds, self.milliseconds = divmod(rest, 1000)
        self.weekday = (days + 4) % 7


def _civil_from_days(days: int) -> tuple[int, int, int]:
    """Proleptic Gregorian year, month (0-11) and day of a count of days since 1970-01-01."""
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    year = year_of_era + era * 400 + (1 if month <= 2 else 0)
    return year, month - 1, day


@functools.cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def _zone(name: str) -> zoneinfo.ZoneInfo:
    """An IANA zone, its name read without regard to case as JavaScript's Intl reads it."""
    found = _zone_names().get(name.lower())
    if found is None:
        # V8 writes the name's UTF-8 bytes into its message as Latin-1 characters
        raise LiquidFilterError(f"Invalid time zone specified: {name.encode('utf-8', 'replace').decode('latin-1')}")
    return zoneinfo.ZoneInfo(found)


def _zone_offset(zone: zoneinfo.ZoneInfo, ms: float) -> float:
    """Minutes behind UTC of a zone at an instant."""
    moment = datetime.fromtimestamp(min(max(ms / 1000, -62135596800), 253402300799), UTC)
    shift = zone.utcoffset(moment)
    return -(shift.total_seconds() / 60) if shift is not None else 0.0


def parse(value: Any, zone: Any = MISSING) -> _Date | None:
    """liquidjs's parseDate: None when the value is not a date (the filter then returns it unchanged)."""
    value = value_of(value)
    if value is None or value is MISSING:
        return None
    if value in ("now", "today"):
        ms: float | None = time.time() * 1000
    elif isinstance(value, bool):
        ms = float(value)
    elif isinstance(value, int | float):
        ms = value * 1000
    elif isinstance(value, str):
        ms = float(value) * 1000 if value.isascii() and value.isdigit() else date_parse(value)
    elif isinstance(value, list | tuple):
        ms = date_parse(to_string(value))
    else:
        ms = None
    if ms is None or ms != ms or abs(ms) > MAX_TIME:
        return None
    ms = float(math.trunc(ms))
    if zone is MISSING or zone is None:
        offset, name = 0.0, None
    elif isinstance(zone, str):  # an unknown zone fails, for a valid date only (as Intl does)
        offset, name = _zone_offset(_zone(zone), ms), zone
    else:
        offset, name = js_number(zone), ""
    if offset != offset or abs(ms - offset * 60_000) > MAX_TIME:
        return None
    return _Date(ms, offset, name)


def _leap(year: int) -> bool:
    return (year & 3) == 0 and (year % 100 != 0 or (year % 400 == 0 and year != 0))


def _day_of_year(date: _Date) -> int:
    lengths = [31, 29 if _leap(date.year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return sum(lengths[: date.month]) + date.day


def _week_of_year(date: _Date, start: int) -> str:
    since_start = (date.weekday - start + 7) % 7
    return str((_day_of_year(date) - 1 - since_start + 7) // 7)


def _ordinal(date: _Date) -> str:
    if date.day in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(date.day % 10, "th")


def _hour12(date: _Date) -> str:
    return str(date.hours % 12 or 12)


def _offset(date: _Date, colon: bool) -> str:
    minutes = abs(date.offset)
    sign = "-" if date.offset > 0 else "+"
    hours, rest = number_to_string(math.floor(minutes / 60)), number_to_string(math.fmod(minutes, 60))
    return f"{sign}{hours.rjust(2, '0')}{':' if colon else ''}{rest.rjust(2, '0')}"


def _locale_date(date: _Date) -> str:
    """`toLocaleDateString()` in en-US (a year before 1 is its year of the era: -1 is 2 BC, written 2)."""
    return f"{date.month + 1}/{date.day}/{date.year if date.year > 0 else 1 - date.year}"


def _locale_time(date: _Date) -> str:
    return f"{_hour12(date)}:{date.minutes:02d}:{date.seconds:02d} {'AM' if date.hours < 12 else 'PM'}"


def _nanoseconds(date: _Date, width: str | None) -> str:
    digits = int(width) if width and int(width) else 9
    text = f"{date.milliseconds:03d}"[:digits]
    return text + "0" * (digits - len(text))


_CODES: dict[str, Callable[[_Date, dict[str, bool], str | None], Any]] = {
    "a": lambda d, f, w: DAYS[d.weekday][:3],
    "A": lambda d, f, w: DAYS[d.weekday],
    "b": lambda d, f, w: MONTHS[d.month][:3],
    "h": lambda d, f, w: MONTHS[d.month][:3],
    "B": lambda d, f, w: MONTHS[d.month],
    "c": lambda d, f, w: f"{_locale_date(d)}, {_locale_time(d)}",
    "C": lambda d, f, w: d.year // 100,
    "d": lambda d, f, w: d.day,
    "e": lambda d, f, w: d.day,
    "H": lambda d, f, w: d.hours,
    "I": lambda d, f, w: _hour12(d),
    "j": lambda d, f, w: _day_of_year(d),
    "k": lambda d, f, w: d.hours,
    "l": lambda d, f, w: _hour12(d),
    "L": lambda d, f, w: d.milliseconds,
    "m": lambda d, f, w: d.month + 1,
    "M": lambda d, f, w: d.minutes,
    "N": lambda d, f, w: _nanoseconds(d, w),
    "p": lambda d, f, w: "AM" if d.hours < 12 else "PM",
    "P": lambda d, f, w: "am" if d.hours < 12 else "pm",
    "q": lambda d, f, w: _ordinal(d),
    "s": lambda d, f, w: math.floor(d.ms / 1000),
    "S": lambda d, f, w: d.seconds,
    "u": lambda d, f, w: d.weekday or 7,
    "U": lambda d, f, w: _week_of_year(d, 0),
    "w": lambda d, f, w: d.weekday,
    "W": lambda d, f, w: _week_of_year(d, 1),
    "x": lambda d, f, w: _locale_date(d),
    "X": lambda d, f, w: _locale_time(d),
    "y": lambda d, f, w: d.year % 100,
    "Y": lambda d, f, w: d.year,
    "z": lambda d, f, w: _offset(d, f.get(":", False)),
    "Z": lambda d, f, w: (d.zone_name if d.zone_name is not None else "UTC") or _offset(d, f.get(":", False)),
    "t": lambda d, f, w: "\t",
    "n": lambda d, f, w: "\n",
    "%": lambda d, f, w: "%",
}


def _convert(date: _Date, found: re.Match[str]) -> str:
    flag_text, width, _, conversion = found.groups()
    convert = _CODES.get(conversion)
    if convert is None:
        return found.group()
    flags = dict.fromkeys(flag_text or "", True)
    text = str(convert(date, flags, width))
    pad = " " if conversion in _PAD_WITH_SPACES else "0"
    pad_width = int(width) if width and int(width) else _PAD_WIDTHS.get(conversion, 0)
    if flags.get("^"):
        text = text.upper()
    elif flags.get("#"):
        text = text.upper() if any("a" <= ch <= "z" for ch in text) else text.lower()
    if flags.get("_"):
        pad = " "
    elif flags.get("0"):
        pad = "0"
    if flags.get("-"):
        pad_width = 0
    if pad_width - len(text) > MEMORY_LIMIT:
        raise LiquidFilterError("memory alloc limit exceeded")
    if pad == "0" and text.startswith("-"):
        return "-" + text[1:].rjust(pad_width - 1, pad)
    return text.rjust(pad_width, pad)


def strftime(date: _Date, pattern: str) -> str:
    out: list[str] = []
    position = 0
    while (found := _FORMAT.search(pattern, position)) is not None:
        out.append(pattern[position : found.start()])
        out.append(_convert(date, found))
        position = found.end()
    out.append(pattern[position:])
    return "".join(out)


def date(value: Any, *args: Any) -> Any:
    parsed = parse(value, args[1] if len(args) > 1 else MISSING)
    if parsed is None:
        return value
    pattern = value_of(args[0]) if args else MISSING
    return strftime(parsed, DEFAULT_FORMAT if pattern is None or pattern is MISSING else stringify(pattern))


def date_to_xmlschema(value: Any, *_: Any) -> Any:
    return date(value, "%Y-%m-%dT%H:%M:%S%:z")


def date_to_rfc822(value: Any, *_: Any) -> Any:
    parsed = parse(value)
    return value if parsed is None else strftime(parsed, "%a, %d %b %Y %H:%M:%S %z")


def _stringify_date(value: Any, month: str, args: tuple[Any, ...]) -> Any:
    parsed = parse(value)
    if parsed is None:
        return value
    kind, style = (*args, MISSING, MISSING)[:2]
    if kind == "ordinal" and isinstance(kind, str):
        pattern = f"{month} {parsed.day}%q, %Y" if style == "US" and isinstance(style, str) else \
            f"{parsed.day}%q {month} %Y"
        return strftime(parsed, pattern)
    return strftime(parsed, f"%d {month} %Y")


def date_to_string(value: Any, *args: Any) -> Any:
    return _stringify_date(value, "%b", args)


def date_to_long_string(value: Any, *args: Any) -> Any:
    return _stringify_date(value, "%B", args)
