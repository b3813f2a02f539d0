"""Reading the newest accepted events from the log, and the filter that `segcio events tail` and the UI's live
debugger share.

The log is read by `seq` (its primary key), so every query here is a range of the primary key: cheap on both
backends, and it sees what every process appended, whichever one accepted it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from segcio import jsonutil
from segcio.store.tables.core import events

EVENT_TYPES = ("identify", "track", "page", "screen", "group", "alias")
# Rows read per query when scanning back for `--limit` matches.
SCAN_PAGE = 1000
# Fields searched longest: an event filter or a text filter never reads past this many characters of a body.
MAX_FILTER_TEXT = 200

_COLUMNS = (events.c.seq, events.c.type, events.c.user_id, events.c.anonymous_id, events.c.received_at, events.c.body)


@dataclass(frozen=True)
class LoggedEvent:
    """One row of the log, its body parsed only when a filter or a reader needs it."""

    seq: int
    type: str
    user_id: str | None
    anonymous_id: str | None
    received_at: float
    body: str

    def message(self) -> dict[str, Any]:
        try:
            parsed = jsonutil.loads(self.body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def summary(self, message: dict[str, Any] | None = None) -> dict[str, Any]:
        """What a row of the debugger or a line of `events tail` shows (`message`: the body, if already parsed)."""
        message = self.message() if message is None else message
        return {
            "seq": self.seq,
            "received_at": self.received_at,
            "type": self.type,
            "event": event_name(message),
            "userId": self.user_id,
            "anonymousId": self.anonymous_id,
            "email": email_of(message),
            "messageId": message.get("messageId"),
        }


def event_name(message: dict[str, Any]) -> str | None:
    """A track's `event`, a page's or screen's `name`."""
    name = message.get("event") if message.get("type") == "track" else message.get("name")
    return name if isinstance(name, str) else None


def email_of(message: dict[str, Any]) -> str | None:
    for holder in (message.get("traits"), (message.get("context") or {}).get("traits"), message.get("properties")):
        if isinstance(holder, dict) and isinstance(holder.get("email"), str):
            return str(holder["email"])
    return None


@dataclass
class EventFilter:
    """Type (exact), event name (part of it, any case), user (userId or anonymousId exactly, or email in any
    case) and free text (part of the event's JSON, any case). Empty parts match everything."""

    type: str = ""
    event: str = ""
    user: str = ""
    text: str = ""
    _event: str = field(init=False, repr=False)
    _user: str = field(init=False, repr=False)
    _text: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.type and self.type not in EVENT_TYPES:
            raise ValueError(f"type must be one of {', '.join(EVENT_TYPES)} (got {self.type!r})")
        for name in ("event", "user", "text"):
            if len(getattr(self, name)) > MAX_FILTER_TEXT:
                raise ValueError(f"{name} is longer than {MAX_FILTER_TEXT} characters: shorten it")
        # Event names and emails are looked for in the raw body as JSON writes them (quotes escaped) first.
        self._event, self._user = _as_in_json(self.event), _as_in_json(self.user)
        self._text = self.text.casefold()

    @property
    def empty(self) -> bool:
        return not (self.type or self.event or self.user or self.text)

    def matches(self, row: LoggedEvent) -> bool:
        # Cheapest first: columns, then substrings of the raw body, and parsing only for what is left.
        if self.type and row.type != self.type:
            return False
        lowered = row.body.casefold() if (self.event or self.text or self.user) else ""
        if self.text and self._text not in lowered:
            return False
        if self.user and self.user not in (row.user_id, row.anonymous_id):
            if self._user not in lowered:
                return False
            email = email_of(row.message())
            if email is None or email.casefold() != self.user.casefold():
                return False
        if self.event:
            if self._event not in lowered:
                return False
            name = event_name(row.message())
            if name is None or self.event.casefold() not in name.casefold():
                return False
        return True


def _as_in_json(value: str) -> str:
    return jsonutil.dumps(value)[1:-1].casefold()


def _rows(result: Any) -> list[LoggedEvent]:
    return [LoggedEvent(*row) for row in result]


def head(conn: Connection) -> int:
    """The newest seq in the log (0 when it is empty)."""
    return int(conn.execute(select(func.max(events.c.seq))).scalar() or 0)


def last_matching(conn: Connection, flt: EventFilter, limit: int, before: int | None = None) -> list[LoggedEvent]:
    """The newest `limit` events matching `flt` (with seq below `before`), oldest first, scanning back from the end
    of the log a page at a time."""
    found: list[LoggedEvent] = []
    cursor = before
    while len(found) < limit:
        query = select(*_COLUMNS).order_by(events.c.seq.desc()).limit(SCAN_PAGE)
        if cursor is not None:
            query = query.where(events.c.seq < cursor)
        page = _rows(conn.execute(query))
        found.extend(row for row in page if flt.matches(row))
        if len(page) < SCAN_PAGE:
            break
        cursor = page[-1].seq
    return list(reversed(found[:limit]))


def after(conn: Connection, seq: int, limit: int) -> list[LoggedEvent]:
    """Up to `limit` events following `seq`, oldest first."""
    query = select(*_COLUMNS).where(events.c.seq > seq).order_by(events.c.seq).limit(limit)
    return _rows(conn.execute(query))


@dataclass(frozen=True)
class Window:
    """What arrived in (start, end]: how many events, and the newest `cap` of them, oldest first."""

    end: int
    count: int
    rows: list[LoggedEvent]


def newest_since(conn: Connection, start: int, cap: int, end: int | None = None) -> Window:
    """Bounded work whatever arrived after `start` (up to `end`, default the head): at most `cap` rows (the newest),
    and how many arrived. Beyond `cap` that is the number of sequence numbers issued, not a count of rows, which
    would read the whole range: exact on SQLite but for rolled-back appends; on PostgreSQL a resent message that was
    deduplicated used one too."""
    end = head(conn) if end is None else end
    if end <= start:
        return Window(start, 0, [])
    in_range = (events.c.seq > start) & (events.c.seq <= end)
    rows = _rows(conn.execute(select(*_COLUMNS).where(in_range).order_by(events.c.seq.desc()).limit(cap)))
    rows.reverse()
    return Window(end, len(rows) if len(rows) < cap else end - start, rows)
