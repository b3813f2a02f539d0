"""The newest attribute update wins, through a running `segcio serve` (SQLite and PostgreSQL): the Track API v1
`_timestamp`, the Track API v2 `timestamp`, and Segment identify calls (segment-analytics-python, /v1/batch) whose
older call arrives second."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack, running_stack

T_OLD = 1_700_000_010
T_NEW = 1_700_000_020


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def running(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One running segcio per backend for the module (each test uses its own identifiers)."""
    with running_stack(request.param, tmp_path_factory.mktemp("order") / "data") as stack:
        yield stack


def track(stack: Stack) -> httpx.Client:
    info = stack.server.info
    return httpx.Client(base_url=stack.server.url, auth=(info["site_id"], info["api_key"]))


def test_v1_identify_with_an_older_timestamp_arriving_later_does_not_overwrite(running: Stack) -> None:
    with track(running) as client:
        first = client.put("/api/v1/customers/v1-user", json={"plan": "pro", "seats": 5, "_timestamp": T_NEW})
        second = client.put("/api/v1/customers/v1-user", json={"plan": "free", "city": "Oslo", "_timestamp": T_OLD})
        removed = client.put("/api/v1/customers/v1-user", json={"seats": None, "_timestamp": T_NEW + 10})
        stale = client.put("/api/v1/customers/v1-user", json={"seats": 9, "_timestamp": T_NEW + 5})
    assert [r.status_code for r in (first, second, removed, stale)] == [200, 200, 200, 200]
    person = running.customer("v1-user")
    assert person is not None
    assert person["attributes"]["plan"] == "pro"
    assert person["attributes"]["city"] == "Oslo"
    assert "seats" not in person["attributes"]
    assert person["timestamps"]["plan"] == T_NEW
    assert "_timestamp" not in person["attributes"]


def test_v1_identify_with_an_unreadable_timestamp_is_refused_naming_it(running: Stack) -> None:
    with track(running) as client:
        response = client.put("/api/v1/customers/v1-bad", json={"plan": "pro", "_timestamp": "soon"})
    assert response.status_code == 400
    assert "_timestamp" in response.json()["meta"]["errors"][0]
    assert running.customer("v1-bad") is None


def _v2_person(attributes: dict[str, Any], at: int) -> dict[str, Any]:
    return {
        "type": "person",
        "action": "identify",
        "identifiers": {"id": "v2-user"},
        "attributes": attributes,
        "cio_relationships": [
            {"identifiers": {"object_type_id": "1", "object_id": "v2-acme"}, "relationship_attributes": attributes}
        ],
        "timestamp": at,
    }


def _v2_object(attributes: dict[str, Any], at: int) -> dict[str, Any]:
    return {
        "type": "object",
        "action": "identify",
        "identifiers": {"object_type_id": "1", "object_id": "v2-acme"},
        "attributes": attributes,
        "timestamp": at,
    }


def test_v2_updates_with_an_older_timestamp_arriving_later_do_not_overwrite(running: Stack) -> None:
    with track(running) as client:
        newer = client.post("/api/v2/batch", json={"batch": [_v2_person({"role": "owner"}, T_NEW)]})
        newer_object = client.post("/api/v2/entity", json=_v2_object({"name": "Acme Inc"}, T_NEW))
        older = client.post(
            "/api/v2/batch",
            json={"batch": [_v2_person({"role": "viewer"}, T_OLD), _v2_object({"name": "Acme"}, T_OLD)]},
        )
    assert [r.status_code for r in (newer, newer_object, older)] == [200, 200, 200]
    person = running.customer("v2-user")
    assert person is not None and person["attributes"]["role"] == "owner"
    obj = running.object_attributes("1", "v2-acme")
    assert obj is not None and obj["attributes"]["name"] == "Acme Inc"
    assert obj["timestamps"]["name"] == T_NEW
    (relationship,) = running.relationships("v2-user")
    assert relationship["relationship_attributes"] == {"role": "owner"}


def test_segment_identify_older_call_arriving_second_does_not_overwrite(running: Stack) -> None:
    newer = datetime.fromtimestamp(T_NEW, UTC)
    older = datetime.fromtimestamp(T_OLD, UTC)
    running.segment.identify("seg-user", {"plan": "pro"}, timestamp=newer)
    running.segment.identify("seg-user", {"plan": "free", "city": "Oslo"}, timestamp=older)
    running.settle()
    person = running.customer("seg-user")
    assert person is not None
    assert person["attributes"]["plan"] == "pro"
    assert person["attributes"]["city"] == "Oslo"
    assert person["timestamps"]["plan"] == T_NEW


def test_segment_identify_changes_one_subscription_topic_by_dot_notation(running: Stack) -> None:
    """Create or Update Person sends traits as attributes: a dotted `cio_subscription_preferences` trait changes
    that topic only, and an older call arriving later does not resubscribe the person."""
    prefs = "cio_subscription_preferences"
    whole = {prefs: {"topics": {"topic_1": True, "topic_2": True}}}
    running.segment.identify("seg-prefs", whole, timestamp=datetime.fromtimestamp(T_OLD, UTC))
    running.segment.identify(
        "seg-prefs", {f"{prefs}.topics.topic_1": False}, timestamp=datetime.fromtimestamp(T_NEW, UTC)
    )
    running.segment.identify(
        "seg-prefs", {f"{prefs}.topics.topic_1": True}, timestamp=datetime.fromtimestamp(T_OLD + 5, UTC)
    )
    running.settle()
    person = running.customer("seg-prefs")
    assert person is not None
    assert json.loads(person["attributes"][prefs]) == {"topics": {"topic_1": False, "topic_2": True}}
    assert not [name for name in person["attributes"] if name.startswith(prefs + ".")]
