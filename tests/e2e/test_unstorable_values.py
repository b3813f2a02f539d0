"""Events carrying values no column can hold are refused by rule in the local workspace and never stop the
destination: later events of other people are applied (SQLite and PostgreSQL, through a running segcio)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack, running_stack


@pytest.fixture(params=["sqlite", "postgres"])
def backend_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    with running_stack(request.param, tmp_path / "data") as stack:
        yield stack


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def test_unstorable_values_do_not_stop_the_destination(backend_stack: Stack) -> None:
    stack = backend_stack
    overflowing = "99999999999999999999999"
    bad = [
        {"type": "group", "userId": "bad-1", "groupId": "acme", "traits": {"object_type_id": overflowing}},
        {"type": "group", "userId": "bad-2", "groupId": "acme", "traits": {"object_type_id": "²"}},
        {"type": "track", "userId": "bad-3", "event": "a\u0000b"},
        {"type": "page", "userId": "bad-4", "name": "a\u0000b", "properties": {"url": "https://x/\u0000"}},
        {"type": "identify", "userId": "bad-5", "traits": {"email": "a\u0000b@x.co"}},
        {"type": "group", "userId": "bad-6", "groupId": "a\u0000b"},
        {"type": "track", "userId": "bad-7", "event": "Deep", "properties": {"p": _deep(600)}},
    ]
    body = json.dumps({"batch": [*bad, {"type": "identify", "userId": "good-1", "traits": {"plan": "pro"}}]})
    response = httpx.post(stack.server.url + "/v1/batch", content=body, auth=(stack.server.write_key, ""),
                          headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 200, response.text
    stack.settle()
    stack.segment.identify("good-2", {"plan": "team"})
    stack.settle()
    good_1, good_2 = stack.customer("good-1"), stack.customer("good-2")
    assert good_1 is not None and good_1["attributes"]["plan"] == "pro"
    assert good_2 is not None and good_2["attributes"]["plan"] == "team"
    assert stack.object_types() == []
    for user in ("bad-3", "bad-4", "bad-5", "bad-7"):
        person = stack.customer(user)
        assert person is None or not [a for a in stack.activities(user) if a["type"] in ("event", "page")], user
