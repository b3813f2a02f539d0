"""Report Content Event with generated `properties.actionType` values: the reference removes `actionType` from the
event attributes only when it is truthy (`""`, `0`, `false` and `null` stay). The action type itself comes from
the Quick Setup mapping or from another mapping (a literal, another property), so that the attributes' own
`actionType` can be anything. Singles and batches, one reference round trip per example."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ci import examples
from tests.conformance.compare import Case, Conformance, batch_problems, single_problems
from tests.conformance.strategies import attributes, json_values

pytestmark = pytest.mark.conformance

ACTION_TYPES = st.one_of(
    st.sampled_from(["viewed_content", "clicked_content", "", 0, 0.0, False, None, "0", "false", 1, True]),
    json_values,
)
ACTION_TYPE_MAPPINGS = [None, "viewed_content", {"@path": "$.properties.kind"}]


@st.composite
def content_events(draw: st.DrawFn) -> dict[str, Any]:
    properties = draw(attributes)
    if draw(st.booleans()):
        properties["actionType"] = draw(ACTION_TYPES)
    if draw(st.booleans()):
        properties["kind"] = draw(st.sampled_from(["viewed_content", "clicked_content", "other"]))
    return {"type": "track", "event": "Report Content Event", "userId": "u1", "timestamp": "2024-05-06T07:08:09Z",
            "properties": properties}


@pytest.fixture(scope="module")
def content_subscriptions(segcio_quick_setup: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Report Content Event's Quick Setup subscription, with each of ACTION_TYPE_MAPPINGS for `actionType`."""
    preset = next(p for p in segcio_quick_setup if p["partnerAction"] == "reportContentEvent")
    return [[preset if m is None else {**preset, "mapping": {**preset["mapping"], "actionType": m}}]
            for m in ACTION_TYPE_MAPPINGS]


@settings(max_examples=examples(6), deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(events=st.lists(content_events(), min_size=8, max_size=8))
def test_content_event_attributes_match_the_reference(conformance: Conformance, events: list[dict[str, Any]],
                                                      content_subscriptions: list[list[dict[str, Any]]]) -> None:
    cases = [Case(name="content", event=e, subscriptions=subs) for subs in content_subscriptions for e in events]
    cases += [Case(name="content batch", mode="batch", events=events, subscriptions=subs)
              for subs in content_subscriptions]
    for outcome in conformance.run(cases):
        batch = outcome.case.mode == "batch"
        problems = batch_problems(outcome) if batch else single_problems(outcome)
        shown = outcome.case.events if batch else outcome.case.event
        assert not problems, f"{orjson.dumps(shown).decode()}\n" + "\n".join(problems)
