"""Segment's integrations rule, generated: random `integrations` objects (and batch-level ones merged into the
message as ingest does) decided by segcio's rule and by a small oracle written from Segment's documented semantics.

The oracle: a destination is off when one of the names Segment documents for it is `false`; else on when one of
them is present (`true`, an options object, any other value); else off exactly when `All` is `false`. Keys are
case-sensitive.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from segcio import jsonutil
from segcio.destinations import integrations
from segcio.destinations.kinds import ACTIONS_KIND, CLASSIC_KIND
from segcio.pipeline import isolation
from segcio.pipeline.destinations import Destination
from segcio.pipeline.processors import processor_for
from segcio.spec.message import BatchContext, normalise

DOCUMENTED = {
    ACTIONS_KIND: ("Customer.io (Actions)", "Customer.io Actions", "Actions Customerio"),
    CLASSIC_KIND: ("Customer.io",),
}
NEAR_MISSES = ("customer.io", "Customer.io (actions)", "CustomerIO", "actions-customerio", "all", "Segment.io")


def oracle(kind: str, integrations_object: Any) -> bool:
    """True when Segment would send the message to the destination."""
    if not isinstance(integrations_object, dict):
        return True
    present = [integrations_object[name] for name in DOCUMENTED[kind] if name in integrations_object]
    if any(value is False for value in present):
        return False
    if present:
        return True
    return integrations_object.get("All") is not False


values = st.one_of(
    st.booleans(), st.none(), st.integers(-1, 1), st.sampled_from(["false", "true", ""]),
    st.dictionaries(st.sampled_from(["opt", "x"]), st.integers(0, 3), max_size=2),
)
keys = st.sampled_from(["All", *DOCUMENTED[ACTIONS_KIND], *DOCUMENTED[CLASSIC_KIND], *NEAR_MISSES])
objects = st.dictionaries(keys, values, max_size=6)
CASES = settings(derandomize=True, max_examples=300, deadline=None, database=None)


@CASES
@given(objects, st.sampled_from([ACTIONS_KIND, CLASSIC_KIND]))
def test_rule_matches_segments_documented_semantics(integrations_object: dict[str, Any], kind: str) -> None:
    message = {"type": "track", "event": "E", "userId": "u", "integrations": integrations_object}
    reason = integrations.filtered_reason(kind, message)
    assert (reason is None) == oracle(kind, integrations_object)
    if reason is not None:
        assert reason.startswith(integrations.FILTERED_LABEL)


@CASES
@given(objects, st.one_of(st.none(), objects), st.sampled_from([ACTIONS_KIND, CLASSIC_KIND]))
def test_batch_level_integrations_merge_under_the_message_keys(
    batch_level: dict[str, Any], message_level: dict[str, Any] | None, kind: str
) -> None:
    raw: dict[str, Any] = {"type": "identify", "userId": "u"}
    if message_level is not None:
        raw["integrations"] = dict(message_level)
    now = datetime.now(UTC)
    message = normalise(raw, BatchContext(received_at=now, received_iso=now.isoformat(), integrations=batch_level))
    expected = {**batch_level, **(message_level or {})}
    assert (integrations.filtered_reason(kind, message) is None) == oracle(kind, expected)


@CASES
@given(objects, st.sampled_from([ACTIONS_KIND, CLASSIC_KIND]))
def test_the_router_runs_the_destination_only_when_the_rule_allows(
    integrations_object: dict[str, Any], kind: str
) -> None:
    settings_ = {"siteId": "s", "apiKey": "k", "accountRegion": "US"}
    destination = Destination(id=1, source_id=1, kind=kind, settings=settings_, fingerprint="",
                              processor=processor_for(kind, settings_, [] if kind == CLASSIC_KIND else _quick_setup()))
    message = {"type": "track", "event": "E", "userId": "u", "messageId": "m", "integrations": integrations_object}
    item = isolation.read(1, 0, "m", jsonutil.dumps(message))
    isolation.process(destination, item)
    assert item.failure is None
    if oracle(kind, integrations_object):
        assert item.processed.filtered is None and item.processed.requests
    else:
        assert item.processed.filtered is not None and item.processed.requests == []


def test_a_missing_or_non_object_integrations_sends_everywhere() -> None:
    for kind in DOCUMENTED:
        assert integrations.filtered_reason(kind, {"type": "track"}) is None
        assert integrations.filtered_reason(kind, {"type": "track", "integrations": None}) is None


def test_a_regulations_deletion_is_never_filtered() -> None:
    message = {"type": "delete", "userId": "u", "integrations": {"All": False}}
    for kind in DOCUMENTED:
        assert integrations.filtered_reason(kind, message) is None


_QUICK: list[dict[str, Any]] = []


def _quick_setup() -> list[dict[str, Any]]:
    if not _QUICK:
        from segcio.destinations.customerio.presets import quick_setup

        _QUICK.extend(quick_setup())
    return _QUICK
