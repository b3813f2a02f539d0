"""Arbitrary JSON through the real Tracking API never stops a destination: after each batch, a canary event for
another person is applied within a bounded wait, and every message is delivered, rejected with a reason, or in
the destination's failed state. One running server per backend for the whole module (SQLite and PostgreSQL).

Deterministic (derandomized); the "long" hypothesis profile runs more examples locally (see tests/ci.py).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import or_, select

from segcio.store import Database
from segcio.store.tables.core import events, rejected_events
from segcio.store.tables.routing import failed_events
from tests.ci import examples
from tests.e2e.conftest import Stack
from tests.pipeline.conftest import settle, wait_until

EXAMPLES = examples(25)


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for i in range(depth):
        value = {"n": value} if i % 2 else [value]
    return value


ODD_STRINGS = st.sampled_from(
    ["²", "١٢٣", "\U0001d7d7", "99999999999999999999999", "-1", " 7", "1e400", "0x1F", "", "null", "a\x00b", "\x00",
     "\ud800", "x\udfffy", "🙂", "2019-02-01", "25 Mar 2015", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"]
)  # fmt: skip
SCALARS = st.one_of(
    ODD_STRINGS,
    st.sampled_from([2**63, -(2**63) - 1, 10**23, 99999999999999999999999, -(10**30)]),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
    st.booleans(),
    st.text(max_size=12),
)
# Around the 64-level limit: deeper is refused at ingest; far deeper (hundreds of levels) is tested there, and a
# failing example hundreds of levels deep would overflow the recursion of hypothesis's own report.
DEEP = st.integers(min_value=40, max_value=130).map(_nested)
# Ids the Tracking API checks: mostly ones it accepts, so that the odd values elsewhere reach the destination.
IDS = st.sampled_from(["fuzz-1", "fuzz-2"]) | ODD_STRINGS | st.text(min_size=1, max_size=8)
VALUES = st.recursive(
    st.one_of(SCALARS, DEEP),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)
RISKY_VALUES = ODD_STRINGS | SCALARS | DEEP | VALUES
TRAIT_KEYS = ["email", "object_type_id", "objectTypeId", "relationshipAttributes", "created_at", "unsubscribed",
              "name", "id", "relationship", "phone"]  # fmt: skip
PROPERTY_KEYS = ["url", "name", "title", "device_token", "token", "type", "revenue", "object_type_id"]
DEVICE_EVENTS = ["Application Installed", "Application Opened", "Application Uninstalled", "Device Created or Updated",
                 "Device Deleted", "Order Completed"]  # fmt: skip


# Where the actions read a value into a column or a lookup: an odd value here reaches the workspace.
RISKY: dict[str, list[tuple[str, ...]]] = {
    "identify": [("traits", "email"), ("traits", "created_at"), ("traits", "id"), ("context", "device", "token")],
    "track": [("event",), ("properties", "device_token"), ("context", "device", "token"), ("properties", "nested")],
    "page": [("name",), ("properties", "url")],
    "screen": [("name",)],
    "group": [("traits", "object_type_id"), ("traits", "objectTypeId"), ("traits", "relationshipAttributes")],
    "alias": [("context", "traits", "email")],
}


def _fields(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=6), VALUES, max_size=4)


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["group", "identify", "track", "page", "screen", "alias"]))
    message: dict[str, Any] = {"messageId": str(uuid.uuid4()), "type": kind}
    message["userId"] = draw(IDS | VALUES) if draw(st.integers(0, 9)) == 0 else draw(IDS)
    if kind == "group":
        message["groupId"] = draw(IDS)
    if kind == "alias":
        message["previousId"] = draw(IDS)
    optional = {
        "anonymousId": IDS,
        "traits": _fields(TRAIT_KEYS) | VALUES,
        "properties": _fields(PROPERTY_KEYS) | VALUES,
        "context": st.fixed_dictionaries({"device": _fields(["token", "type", "id"]) | VALUES}) | VALUES,
        "event": st.sampled_from(DEVICE_EVENTS) | VALUES,
        "name": VALUES,
        "timestamp": VALUES,
        "sentAt": VALUES,
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=6)):
        message[key] = draw(optional[key])
    for path in draw(st.lists(st.sampled_from(RISKY[kind]), unique=True, min_size=1, max_size=2)):
        *parents, leaf = path
        holder = message
        for name in parents:
            if not isinstance(holder.get(name), dict):
                holder[name] = {}
            holder = holder[name]
        holder[leaf] = draw(RISKY_VALUES)
    return message


def _post_raw(stack: Stack, body: Any) -> httpx.Response:
    # ensure_ascii: lone surrogates travel as \\ud800 escapes, as a JavaScript client sends them
    return httpx.post(
        stack.server.url + "/v1/batch",
        content=json.dumps(body, ensure_ascii=True).encode(),
        headers={"content-type": "application/json"},
        auth=(stack.server.write_key, ""),
        timeout=30,
    )


def _whereabouts(db: Database, message_id: str) -> str | None:
    """How a message ended: "failed", "rejected", "logged" (routed, since the backlog is 0), or None."""
    with db.connect() as conn:
        if conn.execute(select(failed_events.c.id).where(failed_events.c.message_id == message_id)).first():
            return "failed"
        # A request's rejections are one row: its examples name every code's first message, up to five in all.
        mentions = or_(rejected_events.c.body.contains(message_id), rejected_events.c.examples.contains(message_id))
        if conn.execute(select(rejected_events.c.id).where(mentions)).first():
            return "rejected"
        if conn.execute(select(events.c.seq).where(events.c.message_id == message_id)).first():
            return "logged"
    return None


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # No shrinking: a stalled destination stays stalled for every later example on the shared server, so the
    # first failing batch is the one to report (and it is reported at once).
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(batch=st.lists(messages(), min_size=1, max_size=3))
def test_no_message_stops_the_destination(shared_stack: Stack, batch: list[dict[str, Any]]) -> None:
    stack = shared_stack
    response = _post_raw(stack, {"batch": batch})
    canary = f"canary-{uuid.uuid4().hex[:12]}"
    clean = _post_raw(stack, {"batch": [{"type": "identify", "userId": canary, "traits": {"plan": "pro"}}]})
    assert clean.status_code == 200, clean.text

    wait_until(lambda: stack.customer(canary) is not None, f"canary {canary} applied after {batch!r:.300}")
    settle(stack)
    if response.status_code != 200:
        assert response.json().get("message"), response.text  # refused as a whole, with a reason
        return
    db = Database(stack.server.database or f"sqlite:///{stack.server.data_dir / 'segcio.db'}")
    try:
        unaccounted = [m["messageId"] for m in batch if _whereabouts(db, m["messageId"]) is None]
    finally:
        db.dispose()
    assert unaccounted == [], f"acknowledged but neither logged, rejected nor failed: {unaccounted}"
