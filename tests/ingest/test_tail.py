"""The filter and log readers shared by `segcio events tail` and the UI's live debugger."""

from __future__ import annotations

from typing import Any

import pytest

from segcio import jsonutil
from segcio.eventlog import writes as eventlog
from segcio.ingest.tail import EventFilter, LoggedEvent, last_matching, newest_since
from segcio.store import Database
from segcio.store.tables.core import events


def logged(seq: int, message: dict[str, Any]) -> LoggedEvent:
    return LoggedEvent(
        seq, message["type"], message.get("userId"), message.get("anonymousId"), 1.0, jsonutil.dumps(message)
    )


TRACK = logged(1, {"type": "track", "userId": "u-1", "event": 'Order "Completed"', "properties": {"total": 5}})
IDENTIFY = logged(2, {"type": "identify", "userId": "u-2", "traits": {"email": "Jane@Example.com", "plan": "pro"}})
PAGE = logged(3, {"type": "page", "anonymousId": "a-3", "name": "Pricing", "context": {"traits": {"email": "x@y.io"}}})
ALL = [TRACK, IDENTIFY, PAGE]


def matching(**parts: str) -> list[int]:
    flt = EventFilter(**parts)
    return [row.seq for row in ALL if flt.matches(row)]


def test_empty_filter_matches_everything() -> None:
    assert EventFilter().empty
    assert matching() == [1, 2, 3]


def test_type_is_exact() -> None:
    assert matching(type="page") == [3]
    with pytest.raises(ValueError, match="type must be one of"):
        EventFilter(type="pages")


def test_event_name_is_a_part_of_a_tracks_event_or_a_pages_name_in_any_case() -> None:
    assert matching(event="order") == [1]
    assert matching(event='"completed"') == [1]  # quotes are escaped in the stored JSON, not in the name
    assert matching(event="pricing") == [3]
    assert matching(event="pro") == []  # a trait's value is not an event name


def test_user_matches_user_id_anonymous_id_or_email() -> None:
    assert matching(user="u-1") == [1]
    assert matching(user="a-3") == [3]
    assert matching(user="jane@example.com") == [2]  # email in any case, from traits
    assert matching(user="x@y.io") == [3]  # from context.traits
    assert matching(user="u-") == []  # ids are whole


def test_text_is_a_part_of_the_json_in_any_case() -> None:
    assert matching(text='"PLAN":"pro"') == [2]
    assert matching(text="total") == [1]
    assert matching(text="nowhere") == []


def test_parts_combine() -> None:
    assert matching(type="identify", user="u-2", text="pro") == [2]
    assert matching(type="track", user="u-2") == []


def test_a_long_filter_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="text is longer than 200"):
        EventFilter(text="x" * 201)


def append(db: Database, count: int, start: int = 0) -> None:
    rows = []
    for i in range(start, start + count):
        message = {"type": "track", "userId": f"u-{i % 3}", "event": f"E{i}", "messageId": f"m-{i}"}
        rows.append(
            {
                "source_id": 1,
                "message_id": f"m-{i}",
                "type": "track",
                "user_id": message["userId"],
                "anonymous_id": None,
                "partition": 0,
                "received_at": 1.0,
                "body": jsonutil.dumps(message),
            }
        )
    with eventlog.transaction(db) as conn:
        conn.execute(events.insert(), rows)


def test_last_matching_scans_back_past_one_page(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("segcio.ingest.tail.SCAN_PAGE", 7)
    append(db, 40)
    with db.connect() as conn:
        names = [row.summary()["event"] for row in last_matching(conn, EventFilter(user="u-0"), 5)]
        assert names == ["E27", "E30", "E33", "E36", "E39"]  # oldest first, like tail
        assert len(last_matching(conn, EventFilter(user="u-0"), 100)) == 14
        assert last_matching(conn, EventFilter(), 3, before=3)[0].summary()["event"] == "E0"


def test_newest_since_counts_everything_but_reads_at_most_cap_rows(db: Database) -> None:
    append(db, 30)
    with db.connect() as conn:
        window = newest_since(conn, 0, 10)
        assert window.count == 30 and len(window.rows) == 10
        assert [row.seq for row in window.rows] == list(range(21, 31))  # the newest, oldest first
        assert newest_since(conn, window.end, 10).count == 0
    append(db, 3, start=30)
    with db.connect() as conn:
        later = newest_since(conn, window.end, 10)
        assert later.count == 3 and [row.seq for row in later.rows] == [31, 32, 33]
