"""No route answers 500, whatever it is sent: every public route of a running `segcio serve` (SQLite and
PostgreSQL) gets generated paths, query strings, bodies and credentials (valid and invalid), with the values that
broke routes before: integers beyond 64 bits, Unicode digits, NUL, lone surrogates, deep nesting, odd types.
A 4xx from the Customer.io Track or App API is in the shape that API's clients parse.

Deterministic under CI (derandomized, bounded); the "long" hypothesis profile runs more locally (see tests/ci.py)."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from segcio.app import create_app
from segcio.config import Settings
from tests.ci import examples
from tests.core.conftest import APP_PREFIXES, TRACK_PREFIXES, Target

# Examples per route and backend: the Customer.io and admin APIs get more than the UI pages and the Segment
# Tracking API (which has its own property tests in tests/ingest).
EXAMPLES = examples(15)
OTHER_EXAMPLES = max(EXAMPLES // 4, 1)
PARAM = re.compile(r"{(\w+)(?::(\w+))?}")

# Path segments (already percent-encoded): ids that overflow columns, Unicode digits, NUL, invalid UTF-8.
SEGMENTS = [
    "1", "0", "-1", "42", "99999999999999999999999", "9223372036854775808", "2147483648", "%C2%B2", "%00",
    "a%00b", "%ED%A0%80", "%FF", "cio_03000001", "a%40b.co", "ob0000000001", "events", "devices", "suppress",
    "attributes", "relationships", "activities", "messages", "submit", "customers", "1e3", "%20", "x" * 300,
]
HUGE_INTEGERS = [2**31, 2**63, 2**64, 10**23, -(2**63) - 1, 99999999999999999999999]
STRINGS = [
    "\x00", "a\x00b", "\ud800", "x\udfff", "\U0001f600", "²", "١٢", "99999999999999999999999", "1", "0", "-1", "",
    " ", "person", "object", "identify", "event", "page", "delete", "add_device", "merge", "add_relationships",
    "a@b.co", "cio_03000001", "ob0000000001", "id", "email", "cio_id", "object_id", "eq", "exists", "SUPPRESS",
    "DELETE_INTERNAL", "USER_ID", "all", "type = \"track\"", "$.userId", "2020-01-01T00:00:00Z", "ios", "x" * 200,
]
KEYS = [
    "type", "action", "identifiers", "attributes", "name", "data", "id", "email", "cio_id", "anonymous_id",
    "object_type_id", "object_id", "cio_object_id", "device", "token", "platform", "timestamp", "batch",
    "cio_relationships", "relationship_attributes", "primary", "secondary", "filter", "and", "or", "not",
    "attribute", "field", "operator", "value", "segment", "ids", "emails", "regulationType", "subjectType",
    "subjectIds", "subscribe", "partnerAction", "mapping", "enabled", "settings", "event", "userId", "traits",
    "properties", "delivery_id", "metric", "recipient", "limit", "start", "\x00", "\ud800",
]
QUERY_KEYS = ["id_type", "limit", "start", "email", "page", "type", "name", "status", "q", "next", "destination", "id",
              "workspace", "action"]

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.sampled_from(HUGE_INTEGERS)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(STRINGS)
    | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    max_leaves=16,
)


DEEP = "__deep__"  # replaced, in the JSON text, by a value nested hundreds of levels deep
NASTY_LIST = [*HUGE_INTEGERS, *STRINGS, DEEP, DEEP, None, True, 1.5, 1e308, -0.0, [], {}]
NASTY = st.sampled_from(NASTY_LIST) | st.sampled_from(NASTY_LIST) | SCALARS
NAME = st.sampled_from(KEYS) | st.sampled_from(STRINGS)
PERSON_ACTIONS = ["identify", "event", "page", "screen", "delete", "add_device", "delete_device", "merge",
                  "suppress", "add_relationships", "delete_relationships"]
OBJECT_ACTIONS = ["identify", "identify_anonymous", "delete", "add_relationships", "delete_relationships"]


def _shape(kind: str, draw: st.DrawFn) -> Any:
    """A body shaped like what an API reads, with nasty values where it reads them."""
    n = lambda: draw(NASTY)  # noqa: E731
    attributes = {draw(NAME): n() for _ in range(draw(st.integers(0, 2)))}
    if kind == "person":
        return {"type": "person", "action": draw(st.sampled_from(PERSON_ACTIONS)),
                "identifiers": {draw(st.sampled_from(["id", "email", "cio_id", "anonymous_id"])): n()},
                "attributes": attributes, "name": n(), "device": {"token": n(), "platform": n()}, "timestamp": n(),
                "primary": {"id": n()}, "secondary": {"email": n()},
                "cio_relationships": [{"identifiers": {"object_type_id": n(), "object_id": n()},
                                       "relationship_attributes": {draw(NAME): n()}}]}
    if kind == "object":
        return {"type": "object", "action": draw(st.sampled_from(OBJECT_ACTIONS)),
                "identifiers": {"object_type_id": n(), "object_id": n()}, "attributes": attributes,
                "cio_relationships": [{"identifiers": {"id": n()}}]}
    if kind == "delivery":
        return {"type": "delivery", "action": "event", "identifiers": {"id": n()}, "name": n(),
                "attributes": attributes, "timestamp": n()}
    if kind == "v1":
        return {"name": n(), "data": attributes, "email": n(), "id": n(), "timestamp": n(), "type": n(),
                "anonymous_id": n(), "primary": {"id": n()}, "secondary": {"email": n()}, "delivery_id": n(),
                "metric": n(), "device": {"id": n(), "platform": n(), "last_used": n()}, **attributes}
    if kind == "filter":
        return {"filter": {draw(st.sampled_from(["and", "or"])): [
            {"attribute": {"field": n(), "operator": draw(st.sampled_from(["eq", "exists", "gt", "x"])), "value": n()}},
            {"not": {"attribute": {"field": n(), "operator": n(), "value": n()}}}]},
            "object_type_id": n(), "ids": [n()], "emails": [n()]}
    if kind == "regulation":
        return {"regulationType": draw(st.sampled_from(["SUPPRESS", "DELETE_INTERNAL", "UNSUPPRESS", "X"])),
                "subjectType": "USER_ID", "subjectIds": [n(), n()]}
    if kind == "subscription":
        return {"name": n(), "subscribe": n(), "partnerAction": n(), "mapping": attributes, "enabled": n(),
                "settings": attributes, "event": {"type": n(), "userId": n(), "traits": attributes}}
    return {"type": n(), "userId": n(), "anonymousId": n(), "event": n(), "groupId": n(),
            "traits": {"object_type_id": n(), "email": n(), **attributes}, "properties": attributes,
            "messageId": n(), "timestamp": n(), "batch": [{"type": "identify", "userId": n()}]}


SHAPES_OF = {
    "track": ["person", "object", "delivery", "v1"],
    "app": ["filter"],
    "admin": ["regulation", "subscription"],
    "ingest": ["segment"],
    "ui": ["subscription"],
}
ALL_SHAPES = sorted({kind for kinds in SHAPES_OF.values() for kind in kinds})


@st.composite
def bodies(draw: st.DrawFn, family: str) -> bytes | None:
    """JSON written with escapes (json.dumps), so NUL and lone surrogates reach the server as `\\u0000`/`\\ud800`."""
    kind = draw(st.sampled_from(["none", "shaped", "shaped", "shaped", "shaped", "any", "junk"]))
    if kind == "none":
        return None
    if kind == "junk":
        return draw(st.sampled_from([b"", b"{", b"null", b"[]", b'"x"', b"\xff\xfe", b"a=1&b=%00", b"1e999999"]))
    if kind == "any":
        value: Any = draw(JSON_VALUES)
    else:
        kinds = SHAPES_OF[family]
        value = _shape(draw(st.sampled_from(kinds) | st.sampled_from(ALL_SHAPES)), draw)
        if draw(st.booleans()):
            value = {"batch": [value, _shape(draw(st.sampled_from(kinds)), draw)]}
    depth = draw(st.sampled_from([65, 300, 900, 1100]))
    deep = "[" * depth + "1" + "]" * depth if draw(st.booleans()) else '{"a":' * depth + "1" + "}" * depth
    return json.dumps(value).replace(json.dumps(DEEP), deep).encode()


def _public_routes(tmp_path: Path) -> list[tuple[str, str]]:
    """(method, path template) of every route of the application `segcio serve` runs."""
    app = create_app(Settings(data_dir=tmp_path, run_workers=False))
    app.state.runtime.db.dispose()
    found: list[tuple[str, str]] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router: its routes under its prefix
                walk(route.original_router.routes, prefix + route.include_context.prefix)
            else:
                for method in sorted((getattr(route, "methods", None) or set()) - {"HEAD"}):
                    found.append((method, prefix + str(route.path)))

    walk(app.routes, "")
    return sorted(set(found))


with tempfile.TemporaryDirectory() as _routes_dir:
    ROUTES = _public_routes(Path(_routes_dir))


def _fill(path: str, draw: st.DrawFn) -> str:
    def segment(match: re.Match[str]) -> str:
        count = draw(st.integers(1, 3)) if match.group(2) in ("path", "anypath") else 1
        return "/".join(draw(st.sampled_from(SEGMENTS) | st.text(max_size=6).map(lambda t: quote(t, safe="")))
                        for _ in range(count))

    return PARAM.sub(segment, path)



def _assert_shape(path: str, response: httpx.Response) -> None:
    """4xx answers of the Customer.io APIs are in the shape their clients read their messages from."""
    if not 400 <= response.status_code < 500:
        return
    if path.startswith("/api/v2/"):
        errors = response.json()["errors"]
        assert errors and all({"reason", "field", "message"} <= set(e) for e in errors), response.text
    elif path.startswith(TRACK_PREFIXES):
        meta = response.json()["meta"]
        assert meta.get("errors") or meta.get("error"), response.text
    elif path.startswith(APP_PREFIXES):
        errors = response.json()["errors"]
        assert errors and all({"detail", "status"} <= set(e) for e in errors), response.text


def _is_api(route: tuple[str, str]) -> bool:
    return route[1].startswith((*TRACK_PREFIXES, *APP_PREFIXES, "/admin/api", "/regulations", "/suppressions"))


API_ROUTES = [r for r in ROUTES if _is_api(r)]
OTHER_ROUTES = [r for r in ROUTES if not _is_api(r)]
# No shrinking: a failure is reported as generated, within the test's time (requests are slow to shrink).
SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@settings(max_examples=EXAMPLES, **SETTINGS)  # type: ignore[arg-type]
@pytest.mark.parametrize("route", API_ROUTES, ids=[f"{m} {p}" for m, p in API_ROUTES])
@given(data=st.data())
def test_no_api_route_answers_500(target: Target, route: tuple[str, str], data: st.DataObject) -> None:
    _probe(target, route, data)


@settings(max_examples=OTHER_EXAMPLES, **SETTINGS)  # type: ignore[arg-type]
@pytest.mark.parametrize("route", OTHER_ROUTES, ids=[f"{m} {p}" for m, p in OTHER_ROUTES])
@given(data=st.data())
def test_no_other_route_answers_500(target: Target, route: tuple[str, str], data: st.DataObject) -> None:
    _probe(target, route, data)


# Server-sent events (the live debugger): answered with headers, then rows for as long as the client reads.
STREAMS = {"/ui/debugger/stream"}


def _probe(target: Target, route: tuple[str, str], data: st.DataObject) -> None:
    """One generated request to `route`: never a 5xx; a 4xx of the Customer.io APIs in their error shape."""
    method, template = route
    path = _fill(template, data.draw)
    # Mostly the route's own valid credentials (to reach its handler), sometimes any other or none.
    family = data.draw(st.sampled_from([target.family_of(path)] * 20 + sorted(target.credentials)), label="creds")
    query = data.draw(st.dictionaries(st.sampled_from(QUERY_KEYS), st.sampled_from(SEGMENTS), max_size=2))
    body = data.draw(bodies(target.family_of(path)), label="body")
    headers = dict(target.credentials[family])
    if body is not None:
        headers["Content-Type"] = data.draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded"]))
        if headers["Content-Type"] != "application/json" and data.draw(st.booleans()):
            body = b"csrf_token=" + target.csrf.encode() + b"&name=%00&value=99999999999999999999999"
    url = target.url + path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    if template in STREAMS:
        # A stream that opens never ends: its status line is the answer; closing it frees the server's slot.
        with target.client.stream(method, url, content=body, headers=headers) as response:
            assert response.status_code < 500, f"{method} {url} {body!r:.300} -> {response.status_code}"
        return
    response = target.client.request(method, url, content=body, headers=headers)
    assert response.status_code < 500, f"{method} {url} {body!r:.300} -> {response.status_code} {response.text:.500}"
    _assert_shape(path, response)
