"""Generated events (hypothesis): at least 2,000 realistic Segment events per run through Quick Setup on both
sides, single and batch; segcio must send what the reference sends, divergences applied (compare.py).

Events are drawn in groups and each group goes to the reference in one round trip (a round trip per event
would dominate the run time)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ci import examples
from tests.conformance.compare import DEFAULT_SETTINGS, Case, Conformance, batch_problems, single_problems
from tests.conformance.strategies import segment_events

pytestmark = pytest.mark.conformance

GROUP_SIZE = 20
SINGLE_EXAMPLES = 100  # x GROUP_SIZE = 2,000 single events per run
BATCH_EXAMPLES = 60
RELAXED: dict[str, Any] = {
    "deadline": None, "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
regions = st.sampled_from(["US", "EU", "US 🇺🇸", "EU 🇪🇺"])


def _settings(region: str) -> dict[str, Any]:
    return {**DEFAULT_SETTINGS, "accountRegion": region}


@settings(max_examples=examples(SINGLE_EXAMPLES), **RELAXED)
@given(events=st.lists(segment_events, min_size=GROUP_SIZE, max_size=GROUP_SIZE), region=regions)
def test_generated_events_match_the_reference(conformance: Conformance, events: list[dict[str, Any]],
                                              region: str) -> None:
    outcomes = conformance.run([Case(name=f"generated {i}", event=e, settings=_settings(region))
                                for i, e in enumerate(events)])
    for outcome in outcomes:
        problems = single_problems(outcome)
        assert not problems, f"event {orjson.dumps(outcome.case.event).decode()}\n" + "\n".join(problems)


@settings(max_examples=examples(BATCH_EXAMPLES), **RELAXED)
@given(batches=st.lists(st.lists(segment_events, min_size=1, max_size=6), min_size=5, max_size=5), region=regions)
def test_generated_batches_match_the_reference(conformance: Conformance, batches: list[list[dict[str, Any]]],
                                               region: str) -> None:
    outcomes = conformance.run([Case(name="generated batch", mode="batch", events=events, settings=_settings(region))
                                for events in batches])
    for outcome in outcomes:
        problems = batch_problems(outcome)
        assert not problems, f"events {orjson.dumps(outcome.case.events).decode()}\n" + "\n".join(problems)
