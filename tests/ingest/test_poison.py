"""A message that can never be stored is rejected alone, before the group-commit writer: its request and every
other request still commit, and nothing is answered with a retryable status."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from segcio.spec.message import normalise
from segcio.spec.storable import MAX_DEPTH
from segcio.store.tables.core import events
from tests.conftest import Server, start_server
from tests.ingest.conftest import Ingest


def nested(levels: int, **innermost: Any) -> dict[str, Any]:
    """`levels` objects, each inside the previous one."""
    value: dict[str, Any] = dict(innermost)
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def track(user_id: str, **extra: Any) -> dict[str, Any]:
    return {"type": "track", "userId": user_id, "event": "E", **extra}


# Stands for 1,000 nested objects, which the standard library's encoder cannot write (see encode()).
NESTED_1000 = "<1000 nested objects>"

# Each: a message no column or JSON text can hold, the code it is rejected with, and what the reason names.
POISON = [
    pytest.param(track("u", properties={"s": "\ud800"}), "invalid_unicode", "properties.s", id="surrogate-value"),
    pytest.param(track("u", properties={"\udc00": 1}), "invalid_unicode", "properties", id="surrogate-key"),
    pytest.param({"type": "identify", "userId": "x\ud800"}, "invalid_unicode", "userId", id="surrogate-user-id"),
    pytest.param(track("u", properties=NESTED_1000), "too_deep", str(MAX_DEPTH), id="nested-1000"),
    pytest.param({"type": "identify", "userId": "a\x00b"}, "invalid_user_id", "NUL", id="nul-user-id"),
    pytest.param({"type": "identify", "anonymousId": "a\x00"}, "invalid_anonymous_id", "NUL", id="nul-anonymous-id"),
    pytest.param({"type": "identify", "userId": "u", "messageId": "m\x00"}, "invalid_message_id", "NUL", id="nul-mid"),
    pytest.param({"type": "group", "userId": "u", "groupId": "\x00"}, "invalid_group_id", "NUL", id="nul-group-id"),
    pytest.param({"type": "alias", "userId": "u", "previousId": "p\x00"}, "invalid_previous_id", "NUL", id="nul-prev"),
]


def encode(body: Any) -> bytes:
    """JSON as the Python clients send it: lone surrogates travel as `\\ud800` escapes."""
    deep = '{"a":' * 999 + "{}" + "}" * 999
    return json.dumps(body).replace(json.dumps(NESTED_1000), deep).encode()


@pytest.mark.parametrize(("message", "code", "named"), POISON)
def test_a_message_that_cannot_be_stored_is_rejected_alone(
    ingest: Ingest, message: dict[str, Any], code: str, named: str
) -> None:
    body = {"batch": [track("before"), message, track("after")]}
    response = ingest.post("/v1/batch", content=encode(body))
    assert response.status_code == 200, response.text
    assert [m["userId"] for m in ingest.stored()] == ["before", "after"]
    [row] = ingest.rejections()
    assert (row["code"], row["count"]) == (code, 1)
    assert named in row["reason"]
    assert ingest.counters()[f"source:1/rejected:{code}"] == 1


def test_a_single_call_with_a_lone_surrogate_is_rejected_not_retried(ingest: Ingest) -> None:
    response = ingest.post("/v1/track", content=encode(track("u", properties={"s": "\ud800"})))
    assert response.status_code == 200
    assert ingest.stored() == []
    assert [row["code"] for row in ingest.rejections()] == ["invalid_unicode"]


def test_nesting_is_limited_to_max_depth_levels(ingest_sqlite: Ingest) -> None:
    # The message itself is the first level, `properties` the second; scalars are no level.
    # (`context` adds brackets, so that the message is walked, not passed for having few of them.)
    at_limit = track("at-limit", properties=nested(MAX_DEPTH - 1, leaf="x"), context={"a": [[1]]})
    over = track("over", properties={"list": [nested(MAX_DEPTH - 2)]})
    response = ingest_sqlite.post("/v1/batch", {"batch": [at_limit, over]})
    assert response.status_code == 200
    assert [m["userId"] for m in ingest_sqlite.stored()] == ["at-limit"]
    [row] = ingest_sqlite.rejections()
    assert row["code"] == "too_deep"
    assert "properties.list[0]" in row["reason"]


def test_a_body_nested_beyond_what_json_parsers_take_is_400(ingest_sqlite: Ingest) -> None:
    deep = b'{"batch":[{"type":"track","userId":"u","event":"E","properties":' + b"[" * 5000 + b"]" * 5000 + b"}]}"
    response = ingest_sqlite.post("/v1/batch", content=deep)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert "nested" in response.json()["message"]


def test_a_skew_correction_beyond_the_calendar_keeps_the_client_timestamp(ingest: Ingest) -> None:
    message = track("u", timestamp="0001-01-01T00:00:00Z", sentAt="9999-12-31T23:59:59Z")
    assert ingest.post("/v1/batch", {"batch": [message]}).status_code == 200
    [stored] = ingest.stored()
    assert stored["timestamp"] == "0001-01-01T00:00:00.000Z"
    assert stored["originalTimestamp"] == "0001-01-01T00:00:00Z"
    assert stored["sentAt"] == "9999-12-31T23:59:59.000Z"


def test_timestamps_utc_cannot_express_count_as_unparsable(ingest: Ingest) -> None:
    body = {"sentAt": "9999-12-31T23:59:59-05:00", "batch": [track("u", timestamp="0001-01-01T00:00:00+05:00")]}
    assert ingest.post("/v1/batch", body).status_code == 200
    [stored] = ingest.stored()
    assert stored["timestamp"] == stored["receivedAt"]
    assert "sentAt" not in stored


# --- through a running server, with concurrent clean clients ---------------------------------------------------


@pytest.fixture
def live(database_url: str, tmp_path: Path) -> Iterator[Server]:
    """A running `segcio serve` on SQLite and on PostgreSQL."""
    srv = start_server(tmp_path / "data", database_url)
    try:
        yield srv
    finally:
        srv.stop()


def stored_count(server: Server) -> int:
    db = server.open_db()
    try:
        with db.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(events)).scalar_one())
    finally:
        db.dispose()


def test_poison_requests_never_fail_clean_concurrent_requests(live: Server) -> None:
    poison = [param.values[0] for param in POISON]
    statuses: list[int] = []
    lock = threading.Lock()

    def send(bodies: list[bytes]) -> None:
        with httpx.Client(base_url=live.url, auth=(live.write_key, ""), timeout=60) as client:
            for body in bodies:
                status = client.post("/v1/batch", content=body).status_code
                with lock:
                    statuses.append(status)

    clean = [
        [encode({"batch": [track(f"c{c}-{r}-{i}") for i in range(10)]}) for r in range(25)] for c in range(4)
    ]
    dirty = [encode({"batch": [track(f"d{r}"), poison[r % len(poison)]]}) for r in range(3 * len(poison))]
    threads = [threading.Thread(target=send, args=(bodies,)) for bodies in [*clean, dirty]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) == {200}
    assert stored_count(live) == 4 * 25 * 10 + len(dirty)


def test_a_message_normalisation_fails_on_is_rejected_alone_not_retried(
    ingest_sqlite: Ingest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should normalisation itself fail on some message (a defect), that message is refused with a reason; its
    request is not answered 503, which Segment clients would retry forever."""
    from segcio.ingest import service

    def failing(item: Any, context: Any) -> dict[str, Any]:
        if isinstance(item, dict) and item.get("userId") == "boom":
            raise ValueError("a defect")
        return normalise(item, context)

    monkeypatch.setattr(service, "normalise", failing)
    response = ingest_sqlite.post("/v1/batch", {"batch": [track("before"), track("boom"), track("after")]})
    assert response.status_code == 200
    assert [m["userId"] for m in ingest_sqlite.stored()] == ["before", "after"]
    [row] = ingest_sqlite.rejections()
    assert (row["code"], row["count"]) == ("unprocessable", 1)
