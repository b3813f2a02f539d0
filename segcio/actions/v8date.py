"""`Date.parse(string)` as V8 (Node.js) computes it: the ES date-time format first, then V8's legacy parser for
everything else (`25 Mar 2015`, `01/01/2019`, `Tue, 25 Mar 2015 10:00:00 GMT+0100`, but also `x 0`).

The structure follows V8's date parser (a tokenizer, then day, time and zone composers), since the legacy
rules are defined by that algorithm only. Times without a zone are read as UTC (the reference runs with
`TZ=UTC`). The result is milliseconds since the epoch, or None where JavaScript gives NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MS_PER_DAY = 86_400_000
MAX_TIME_MS = 8.64e15
# V8 checks a local time against this bound before converting it to UTC (then clips to MAX_TIME_MS).
MAX_LOCAL_TIME_MS = MAX_TIME_MS + 864_000_000
SMI_MAX = 2**31 - 1
MAX_SIGNIFICANT_DIGITS = 9
NONE = -(2**31)  # V8's kNone
OUT_OF_RANGE = -1 - SMI_MAX

# Token kinds.
END, NUMBER, SYMBOL, WHITESPACE, WORD, UNKNOWN, INVALID_TOKEN = range(7)
# Keyword types of a word.
INVALID, MONTH_NAME, TIME_ZONE_NAME, TIME_SEPARATOR, AM_PM = range(5)

# V8's keyword table: a word matches on its first three letters (case-insensitive); only month names may be
# longer. Day names are not keywords.
_KEYWORDS: tuple[tuple[str, int, int], ...] = (
    *((m, MONTH_NAME, i + 1) for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))),
    ("am", AM_PM, 0), ("pm", AM_PM, 12),
    ("ut", TIME_ZONE_NAME, 0), ("utc", TIME_ZONE_NAME, 0), ("z", TIME_ZONE_NAME, 0), ("gmt", TIME_ZONE_NAME, 0),
    ("cdt", TIME_ZONE_NAME, -5), ("cst", TIME_ZONE_NAME, -6), ("edt", TIME_ZONE_NAME, -4),
    ("est", TIME_ZONE_NAME, -5), ("mdt", TIME_ZONE_NAME, -6), ("mst", TIME_ZONE_NAME, -7),
    ("pdt", TIME_ZONE_NAME, -7), ("pst", TIME_ZONE_NAME, -8),
    ("t", TIME_SEPARATOR, 0),
)

# ECMAScript WhiteSpace (Zs, TAB, VT, FF, BOM) and LineTerminator.
_WHITE_SPACE = frozenset(
    "\t\v\f \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\ufeff"
)
_LINE_TERMINATORS = frozenset("\n\r\u2028\u2029")


@dataclass(frozen=True)
class Token:
    kind: int
    value: int = 0  # a number's value, a symbol's character code, a keyword's value
    length: int = 0
    keyword: int = INVALID

    def is_number(self, length: int | None = None) -> bool:
        return self.kind == NUMBER and (length is None or self.length == length)

    def is_symbol(self, char: str) -> bool:
        return self.kind == SYMBOL and self.value == ord(char)

    def is_sign(self) -> bool:
        return self.kind == SYMBOL and self.value in (0x2B, 0x2D)

    def sign(self) -> int:
        return 1 if self.value == 0x2B else -1

    def is_keyword(self, keyword: int) -> bool:
        return self.kind == WORD and self.keyword == keyword

    def is_z(self) -> bool:
        return self.kind == WORD and self.keyword == TIME_ZONE_NAME and self.length == 1 and self.value == 0


_END_TOKEN = Token(END)


def _lookup(word: str) -> tuple[int, int]:
    # Lower-casing as V8 does it: `c | 0x20`, which only changes ASCII letters among the characters >= 'A'.
    prefix = "".join(chr(ord(c) | 0x20) if c < "\x80" else c for c in word[:3])
    for name, keyword, value in _KEYWORDS:
        if prefix == name and (len(word) <= 3 or keyword == MONTH_NAME):
            return keyword, value
    return INVALID, 0


class Scanner:
    """V8's date tokenizer, with one token of look-ahead. A NUL character ends the input, as in V8."""

    def __init__(self, text: str) -> None:
        self._text = text.split("\0", 1)[0]
        self._pos = 0
        self._next = self._scan()

    def _scan(self) -> Token:
        text, pos = self._text, self._pos
        if pos >= len(text):
            return _END_TOKEN
        ch = text[pos]
        if "0" <= ch <= "9":
            end = pos
            while end < len(text) and "0" <= text[end] <= "9":
                end += 1
            digits = text[pos:end].lstrip("0")[:MAX_SIGNIFICANT_DIGITS]
            self._pos = end
            return Token(NUMBER, int(digits or "0"), end - pos)
        if ch in ":-+.)":
            self._pos = pos + 1
            return Token(SYMBOL, ord(ch), 1)
        if ch >= "A" and ch not in _WHITE_SPACE:
            end = pos
            while end < len(text) and text[end] >= "A" and text[end] not in _WHITE_SPACE:
                end += 1
            self._pos = end
            keyword, value = _lookup(text[pos:end])
            return Token(WORD, value, end - pos, keyword)
        if ch in _WHITE_SPACE or ch in _LINE_TERMINATORS:
            self._pos = pos + 1
            return Token(WHITESPACE, 0, 1)
        if ch == "(":
            balance = 0
            while True:
                if text[pos] == ")":
                    balance -= 1
                elif text[pos] == "(":
                    balance += 1
                pos += 1
                if balance <= 0 or pos >= len(text):
                    break
            self._pos = pos
            return Token(UNKNOWN)
        self._pos = pos + 1
        return Token(UNKNOWN)

    def next(self) -> Token:
        token = self._next
        self._next = self._scan()
        return token

    def peek(self) -> Token:
        return self._next

    def skip_symbol(self, char: str) -> bool:
        if self._next.is_symbol(char):
            self._next = self._scan()
            return True
        return False


def _read_milliseconds(token: Token) -> int:
    # A fraction's milliseconds: its digits scaled to three places (leading zeros count as digits).
    number, length = token.value, token.length
    if length == 1:
        return number * 100
    if length == 2:
        return number * 10
    length = min(length, MAX_SIGNIFICANT_DIGITS)
    return number // int(10 ** (length - 3))


def _is_month(n: int) -> bool:
    return 1 <= n <= 12


def _is_day(n: int) -> bool:
    return 1 <= n <= 31


def _is_minute(n: int) -> bool:
    return 0 <= n <= 59


@dataclass
class DayComposer:
    comp: list[int] = field(default_factory=list)
    named_month: int = NONE
    iso: bool = False

    def add(self, n: int) -> bool:
        if len(self.comp) >= 3:
            return False
        self.comp.append(n)
        return True

    def write(self) -> tuple[int, int, int] | None:
        if not self.comp:
            return None
        comp = [*self.comp, 1, 1][:3]  # day and month default to 1
        if self.named_month == NONE:
            if self.iso or not _is_day(comp[0]):
                year, month, day = comp
            else:
                month, day, year = comp
        else:
            month = self.named_month
            if not _is_day(comp[0]):
                year, day = comp[0], comp[1]
            else:
                day, year = comp[0], comp[1]
        if not self.iso:
            if 0 <= year <= 49:
                year += 2000
            elif 50 <= year <= 99:
                year += 1900
        if not _is_month(month) or not _is_day(day):
            return None
        return year, month - 1, day


@dataclass
class TimeComposer:
    comp: list[int] = field(default_factory=list)
    hour_offset: int = NONE

    def is_empty(self) -> bool:
        return not self.comp

    def is_expecting(self, n: int) -> bool:
        index = len(self.comp)
        return (index == 1 and _is_minute(n)) or (index == 2 and _is_minute(n)) or (index == 3 and 0 <= n <= 999)

    def add(self, n: int) -> bool:
        if len(self.comp) >= 4:
            return False
        self.comp.append(n)
        return True

    def add_final(self, n: int) -> bool:
        if not self.add(n):
            return False
        self.comp.extend([0] * (4 - len(self.comp)))
        return True

    def write(self) -> tuple[int, int, int, int] | None:
        hour, minute, second, ms = [*self.comp, 0, 0, 0, 0][:4]
        if self.hour_offset != NONE:
            if not 0 <= hour <= 12:
                return None
            hour = hour % 12 + self.hour_offset
        if not (0 <= hour <= 23 and _is_minute(minute) and _is_minute(second) and 0 <= ms <= 999) and (
            hour != 24 or minute or second or ms
        ):
            return None
        return hour, minute, second, ms


@dataclass
class ZoneComposer:
    sign: int = NONE
    hour: int = NONE
    minute: int = NONE

    def set(self, offset_hours: int) -> None:
        self.sign = -1 if offset_hours < 0 else 1
        self.hour = abs(offset_hours)
        self.minute = 0

    def is_expecting(self, n: int) -> bool:
        return self.hour != NONE and self.minute == NONE and _is_minute(n)

    def is_utc(self) -> bool:
        return self.hour == 0 and self.minute == 0

    def is_empty(self) -> bool:
        return self.hour == NONE

    def offset_seconds(self) -> int | None:
        """The offset in seconds, None for a local time (no zone), OUT_OF_RANGE beyond V8's range."""
        if self.sign == NONE:
            return None
        hour = 0 if self.hour == NONE else self.hour
        minute = 0 if self.minute == NONE else self.minute
        total = (hour * 3600 + minute * 60) % 2**32  # V8 computes this in unsigned 32-bit arithmetic
        if total > SMI_MAX:
            return OUT_OF_RANGE
        return -total if self.sign < 0 else total


def _parse_es5(scanner: Scanner, day: DayComposer, time: TimeComposer, zone: ZoneComposer) -> Token:
    """The ES date-time format `[+-yy]yyyy[-MM[-DD]][THH:mm[:ss[.sss]][Z|+-hh:mm]]`. Returns END when the
    whole string was one, INVALID_TOKEN when it is invalid, else the first token the legacy parser continues at."""
    if scanner.peek().is_sign():
        sign_token = scanner.next()
        if not scanner.peek().is_number(6):
            return sign_token
        year = scanner.next().value
        if sign_token.sign() < 0 and year == 0:
            return sign_token
        day.add(sign_token.sign() * year)
    elif scanner.peek().is_number(4):
        day.add(scanner.next().value)
    else:
        return scanner.next()
    if scanner.skip_symbol("-"):
        if not scanner.peek().is_number(2) or not _is_month(scanner.peek().value):
            return scanner.next()
        day.add(scanner.next().value)
        if scanner.skip_symbol("-"):
            if not scanner.peek().is_number(2) or not _is_day(scanner.peek().value):
                return scanner.next()
            day.add(scanner.next().value)
    if not scanner.peek().is_keyword(TIME_SEPARATOR):
        if scanner.peek().kind != END:
            return scanner.next()
    else:
        invalid = Token(INVALID_TOKEN)
        scanner.next()
        if not scanner.peek().is_number(2) or not 0 <= scanner.peek().value <= 24:
            return invalid
        hour_is_24 = scanner.peek().value == 24
        time.add(scanner.next().value)
        if not scanner.skip_symbol(":"):
            return invalid
        if not scanner.peek().is_number(2) or not _is_minute(scanner.peek().value) or (
            hour_is_24 and scanner.peek().value > 0
        ):
            return invalid
        time.add(scanner.next().value)
        if scanner.skip_symbol(":"):
            if not scanner.peek().is_number(2) or not _is_minute(scanner.peek().value) or (
                hour_is_24 and scanner.peek().value > 0
            ):
                return invalid
            time.add(scanner.next().value)
            if scanner.skip_symbol("."):
                if not scanner.peek().is_number() or (hour_is_24 and scanner.peek().value > 0):
                    return invalid
                time.add(_read_milliseconds(scanner.next()))
        if scanner.peek().is_z():
            scanner.next()
            zone.set(0)
        elif scanner.peek().is_sign():
            zone.sign = scanner.next().sign()
            if scanner.peek().is_number(4):
                hour, minute = divmod(scanner.next().value, 100)
                if not 0 <= hour <= 23 or not _is_minute(minute):
                    return invalid
                zone.hour, zone.minute = hour, minute
            else:
                if not scanner.peek().is_number(2) or not 0 <= scanner.peek().value <= 23:
                    return invalid
                zone.hour = scanner.next().value
                if not scanner.skip_symbol(":"):
                    return invalid
                if not scanner.peek().is_number(2) or not _is_minute(scanner.peek().value):
                    return invalid
                zone.minute = scanner.next().value
        if scanner.peek().kind != END:
            return invalid
    # Date-only forms are UTC; date-time forms without an offset are local time.
    if zone.is_empty() and time.is_empty():
        zone.set(0)
    day.iso = True
    return _END_TOKEN


def _parse_legacy(scanner: Scanner, token: Token, day: DayComposer, time: TimeComposer,
                  zone: ZoneComposer) -> bool:
    has_read_number = bool(day.comp)
    while token.kind != END:
        if token.kind == NUMBER:
            has_read_number = True
            n = token.value
            if scanner.skip_symbol(":"):
                if scanner.skip_symbol(":"):
                    if not time.is_empty():
                        return False
                    time.add(n)
                    time.add(0)
                else:
                    if not time.add(n):
                        return False
                    if scanner.peek().is_symbol("."):
                        scanner.next()
            elif scanner.skip_symbol(".") and time.is_expecting(n):
                time.add(n)
                if not scanner.peek().is_number():
                    return False
                time.add_final(_read_milliseconds(scanner.next()))
            elif zone.is_expecting(n):
                zone.minute = n
            elif time.is_expecting(n):
                time.add_final(n)
                # After a complete time only the end, a space, Z or a sign may come.
                peek = scanner.peek()
                if peek.kind not in (END, WHITESPACE) and not peek.is_z() and not peek.is_sign():
                    return False
            else:
                if not day.add(n):
                    return False
                scanner.skip_symbol("-")
        elif token.kind == WORD:
            if token.keyword == AM_PM and not time.is_empty():
                time.hour_offset = token.value
            elif token.keyword == MONTH_NAME:
                day.named_month = token.value
                scanner.skip_symbol("-")
            elif token.keyword == TIME_ZONE_NAME and has_read_number:
                zone.set(token.value)
            else:
                # Other words are refused after a number, and must be separated from the first number.
                if has_read_number or scanner.peek().is_number():
                    return False
        elif token.is_sign() and (zone.is_utc() or not time.is_empty()):
            # An offset after a zone name or a time: +h, +hh, +hhmm, +hmm or +h:mm.
            zone.sign = token.sign()
            n = length = 0
            if scanner.peek().is_number():
                number = scanner.next()
                n, length = number.value, number.length
            has_read_number = True
            if scanner.peek().is_symbol(":"):
                zone.hour, zone.minute = n, NONE
            elif length in (1, 2):
                zone.hour, zone.minute = n, 0
            elif length in (3, 4):
                zone.hour, zone.minute = divmod(n, 100)
            else:
                return False
        elif (token.is_sign() or token.is_symbol(")")) and has_read_number:
            return False
        token = scanner.next()
    return True


def date_parse(text: str) -> float | None:
    """`Date.parse(text)`: epoch milliseconds, or None for NaN."""
    scanner = Scanner(text)
    day, time, zone = DayComposer(), TimeComposer(), ZoneComposer()
    token = _parse_es5(scanner, day, time, zone)
    if token.kind == INVALID_TOKEN:
        return None
    if token.kind != END and not _parse_legacy(scanner, token, day, time, zone):
        return None
    ymd, hms, offset = day.write(), time.write(), zone.offset_seconds()
    if ymd is None or hms is None or offset == OUT_OF_RANGE:
        return None
    value = _make_date(*ymd, *hms)
    if value is None:
        return None
    if offset is None:
        if abs(value) > MAX_LOCAL_TIME_MS:
            return None
    else:
        value -= offset * 1000
    return float(value) if abs(value) <= MAX_TIME_MS else None


def _make_date(year: int, month0: int, day: int, hour: int, minute: int, second: int, ms: int) -> int | None:
    """ES MakeDate(MakeDay(...), MakeTime(...)) in exact integers; None where MakeDay is NaN."""
    if abs(year) > 1_000_000:
        return None
    year += month0 // 12
    month0 %= 12
    days = days_from_civil(year, month0 + 1, 1) + day - 1
    return days * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any integers; month 1..12)."""
    year -= month <= 2
    era = year // 400  # floor division, also for negative years
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468
