"""No request body, however wrong, produces a 500 or loses a valid message that came with it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ci import examples
from tests.ingest.conftest import Ingest, make_ingest

POISON_STRINGS = ["\ud800", "a\udfffb", "x\x00y", "\x00"]
EDGE_TIMESTAMPS = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00+05:00", "9999-12-31T23:00-05:00"]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    # What no column or JSON text can hold, and timestamps at the ends of the calendar.
    | st.sampled_from(POISON_STRINGS + EDGE_TIMESTAMPS)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10) | st.sampled_from(POISON_STRINGS), children, max_size=4),
    max_leaves=20,
)
message_keys = st.sampled_from(
    [
        "type",
        "userId",
        "anonymousId",
        "event",
        "groupId",
        "previousId",
        "traits",
        "properties",
        "context",
        "timestamp",
        "messageId",
        "integrations",
        "sentAt",
        "name",
    ]
)
messy_messages = st.dictionaries(message_keys, json_values, max_size=8)


@pytest.fixture(scope="module")
def fuzz_ingest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ingest]:
    path: Path = tmp_path_factory.mktemp("fuzz")
    yield from make_ingest(f"sqlite:///{path / 'segcio.db'}", path)


FUZZ = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(body=st.binary(max_size=300))
def test_random_bytes_never_cause_a_server_error(fuzz_ingest: Ingest, body: bytes) -> None:
    for path in ("/v1/batch", "/v1/track"):
        response = fuzz_ingest.post(path, content=body)
        assert response.status_code in (200, 400), response.text
        assert set(response.json()) == {"success"} or set(response.json()) == {"code", "message"}


@FUZZ
@given(body=json_values)
def test_random_json_never_causes_a_server_error(fuzz_ingest: Ingest, body: Any) -> None:
    for path in ("/v1/batch", "/v1/identify"):
        response = fuzz_ingest.post(path, content=json.dumps(body).encode())
        assert response.status_code in (200, 400), response.text


@FUZZ
# Any user id but one with NUL, which no id may hold (refused as invalid_user_id, see test_poison.py).
@given(
    noise=st.lists(messy_messages | json_values, max_size=6),
    user=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30),
)
def test_valid_messages_survive_any_company(fuzz_ingest: Ingest, noise: list[Any], user: str) -> None:
    marker = json.dumps([user, len(noise)])
    valid = {"type": "track", "userId": user, "event": "Fuzz", "properties": {"marker": marker}}
    response = fuzz_ingest.post("/v1/batch", content=json.dumps({"batch": [*noise, valid]}).encode())
    assert response.status_code == 200, response.text
    stored = [m for m in fuzz_ingest.stored() if m.get("properties", {}).get("marker") == marker]
    assert stored and stored[-1]["userId"] == user
