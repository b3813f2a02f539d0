"""The harness itself: both ways of intercepting HTTP in the reference runner record the same requests, so the
benchmark (which uses the cheaper fetch stub) measures the same work the conformance tests compare."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.compare import request_view, same
from tests.conformance.corpus import load_cases
from tests.conformance.reference import ReferenceRunner, ReferenceRunnerError, unavailable_reason

pytestmark = pytest.mark.conformance


def test_nock_and_fetch_stub_record_the_same_requests(
    reference: ReferenceRunner, reference_automatic_presets: dict[str, dict[str, Any]]
) -> None:
    inputs = []
    for _, case, _ in load_cases(reference_automatic_presets):
        payload: dict[str, Any] = {"mode": case.mode, "settings": case.settings, "subscriptions": case.subscriptions}
        payload["events" if case.mode == "batch" else "event"] = case.events if case.mode == "batch" else case.event
        inputs.append(payload)
    assert unavailable_reason() is None
    with ReferenceRunner(http="fetch") as stubbed:
        fetched = stubbed.run_many(inputs)
    nocked = reference.run_many(inputs)
    sent = 0
    for a, b in zip(nocked, fetched, strict=True):
        assert same([request_view(r) for r in a["requests"]], [request_view(r) for r in b["requests"]])
        assert [s["error"] for s in a["subscriptions"]] == [s["error"] for s in b["subscriptions"]]
        sent += len(a["requests"])
    assert sent > 100


def test_runner_rejects_unknown_modes_and_keeps_running(reference: ReferenceRunner) -> None:
    with pytest.raises(ReferenceRunnerError, match="unknown mode"):
        reference.run({"mode": "nope"})
    assert reference.run({"mode": "jsdate", "values": ["01/01/2019", "nope"]})["ms"] == [1546300800000, None]
