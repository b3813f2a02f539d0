"""Arbitrary JSON sent to every Track API route never breaks the server: each answer is a documented status in the
route's error shape (SQLite; the database grows across examples, as it would in production)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segcio import jsonutil
from tests.ci import examples
from tests.workspace.conftest import Api, make_api

SCALARS = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False)
TEXT = st.text(max_size=10) | st.sampled_from(["42", "a@b.co", "cio_03000001", "ios", "event", "identify", "1"])
VALUES = st.recursive(
    SCALARS | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=10,
)
KEYS = st.sampled_from(
    [
        "type",
        "action",
        "identifiers",
        "attributes",
        "name",
        "data",
        "id",
        "email",
        "device",
        "timestamp",
        "cio_relationships",
        "primary",
        "secondary",
        "batch",
        "anonymous_id",
    ]
)
ACTIONS = [
    "identify",
    "event",
    "page",
    "delete",
    "add_device",
    "delete_device",
    "merge",
    "suppress",
    "unsuppress",
    "add_relationships",
    "delete_relationships",
    "identify_anonymous",
]
PERSON_OPS = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["person", "object", "delivery", "x"]),
        "action": st.sampled_from(ACTIONS),
        "identifiers": st.dictionaries(
            st.sampled_from(["id", "email", "cio_id", "anonymous_id", "object_type_id", "object_id"]), TEXT, max_size=2
        ),
    },
    optional={
        "attributes": st.dictionaries(TEXT, VALUES, max_size=3),
        "name": TEXT,
        "device": st.dictionaries(st.sampled_from(["token", "platform", "last_used"]), VALUES, max_size=3),
        "cio_relationships": VALUES,
        "primary": VALUES,
        "secondary": VALUES,
        "timestamp": VALUES,
    },
)
BODIES = st.dictionaries(KEYS | TEXT, VALUES, max_size=5) | PERSON_OPS
ROUTES = [
    ("PUT", "/api/v1/customers/42"),
    ("PUT", "/api/v1/customers/a%40b.co"),
    ("POST", "/api/v1/customers/42/events"),
    ("POST", "/api/v1/events"),
    ("PUT", "/api/v1/customers/42/devices"),
    ("DELETE", "/api/v1/customers/42/devices/t"),
    ("POST", "/api/v1/customers/42/suppress"),
    ("POST", "/api/v1/merge_customers"),
    ("POST", "/api/v1/forms/f/submit"),
    ("POST", "/api/v1/metrics"),
    ("POST", "/push/events"),
    ("POST", "/api/v2/entity"),
    ("POST", "/api/v2/batch"),
]


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp_path: Path = tmp_path_factory.mktemp("fuzz")
    yield from make_api(f"sqlite:///{tmp_path / 'segcio.db'}", tmp_path)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), body=BODIES, wrap=st.booleans())
def test_any_json_gets_a_documented_answer(fuzz_api: Api, route: tuple[str, str], body: Any, wrap: bool) -> None:
    method, path = route
    if path == "/api/v2/batch" and wrap:
        body = {"batch": [body, body]}
    response = fuzz_api.track(method, path, content=jsonutil.dumpb(body))
    assert response.status_code in (200, 204, 207, 400), response.text
    if response.status_code == 204:
        assert response.content == b""
        return
    answer = response.json()
    if response.status_code == 200:
        assert answer == {}
    elif path.startswith("/api/v2/"):
        assert answer["errors"] and all({"reason", "field", "message"} <= set(e) for e in answer["errors"])
    else:
        meta = answer["meta"]
        assert meta.get("errors") or meta.get("error")
