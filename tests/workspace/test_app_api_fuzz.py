"""Arbitrary filters, bodies and query strings sent to the App API get 200 or a 4xx in its error shape (SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segcio import jsonutil
from tests.ci import examples
from tests.workspace.conftest import Api, make_api

TEXT = st.text(max_size=8) | st.sampled_from(["plan", "email", "eq", "exists", "1", "cio_03000001", "object_id"])
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | TEXT,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["and", "or", "not", "attribute", "field", "operator", "value"]) | TEXT,
            children,
            max_size=3,
        )
    ),
    max_leaves=12,
)
ROUTES = [
    ("POST", "/v1/customers"),
    ("POST", "/v1/customers/attributes"),
    ("POST", "/v1/objects"),
    ("GET", "/v1/customers/{x}/attributes"),
    ("GET", "/v1/customers/{x}/activities"),
    ("GET", "/v1/customers/{x}/relationships"),
    ("GET", "/v1/objects/{x}/{x}/attributes"),
    ("GET", "/v1/objects/1/{x}/relationships"),
]
PARAMS = st.dictionaries(st.sampled_from(["id_type", "limit", "start", "type", "name", "email"]), TEXT, max_size=3)


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp_path: Path = tmp_path_factory.mktemp("appfuzz")
    for api in make_api(f"sqlite:///{tmp_path / 'segcio.db'}", tmp_path):
        api.track("PUT", "/api/v1/customers/1", {"email": "a@b.co", "plan": "pro"})
        yield api


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(ROUTES),
    body=st.dictionaries(st.sampled_from(["filter", "ids", "object_type_id"]) | TEXT, VALUES, max_size=3),
    x=TEXT,
    params=PARAMS,
)
def test_any_request_gets_a_documented_answer(
    fuzz_api: Api, route: tuple[str, str], body: dict[str, Any], x: str, params: dict[str, str]
) -> None:
    method, path = route
    path = path.replace("{x}", quote(x, safe="") or "x")
    content = jsonutil.dumpb(body) if method == "POST" else None
    response = fuzz_api.client.request(method, path, content=content, params=params, headers=fuzz_api.app_headers)
    assert response.status_code in (200, 400, 404), response.text
    if response.status_code != 200:
        (error,) = response.json()["errors"]
        assert error["detail"] and error["status"] == str(response.status_code)
