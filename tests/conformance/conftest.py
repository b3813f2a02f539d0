"""Fixtures for the conformance tests: the reference runner (Node) and segcio's Event Tester, side by side."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from tests.ci import missing
from tests.conformance.compare import Conformance, Outcome
from tests.conformance.corpus import load_cases
from tests.conformance.reference import ReferenceRunner, unavailable_reason


@pytest.fixture(scope="session")
def reference() -> Iterator[ReferenceRunner]:
    reason = unavailable_reason()
    if reason is not None:
        missing(reason)
    runner = ReferenceRunner()
    yield runner
    runner.close()


@pytest.fixture(scope="session")
def reference_presets(reference: ReferenceRunner) -> list[dict[str, Any]]:
    presets: list[dict[str, Any]] = reference.run({"mode": "presets"})["presets"]
    return presets


@pytest.fixture(scope="session")
def reference_automatic_presets(reference_presets: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The reference's Quick Setup presets by action key."""
    return {p["partnerAction"]: p for p in reference_presets if p["type"] == "automatic"}


def _segcio_tester() -> Any:
    try:
        return importlib.import_module("segcio.destinations.tester")
    except ImportError as exc:
        missing(f"segcio.destinations.tester is not importable yet: {exc}")


def _batch_answer(results: list[Any]) -> dict[str, Any]:
    subscriptions = []
    for result in results:
        subscriptions.append({
            "name": result.name,
            "partnerAction": result.partner_action,
            "statuses": list(result.statuses),
            "requests": [r.to_dict() for r in result.requests],
        })
    return {"requests": [r for s in subscriptions for r in s["requests"]], "subscriptions": subscriptions}


@pytest.fixture(scope="session")
def segcio_quick_setup() -> list[dict[str, Any]]:
    _segcio_tester()
    from segcio.destinations.customerio import DEFINITION

    return DEFINITION.quick_setup()


@pytest.fixture(scope="session")
def conformance(reference: ReferenceRunner, segcio_quick_setup: list[dict[str, Any]]) -> Conformance:
    tester = _segcio_tester()
    runners: dict[bytes, Any] = {}

    def single(event: dict[str, Any], settings: dict[str, Any],
               subscriptions: list[dict[str, Any]] | None) -> dict[str, Any]:
        # The Event Tester's own machinery, compiled once per settings and subscriptions (thousands of events).
        key = orjson.dumps([settings, subscriptions], option=orjson.OPT_SORT_KEYS)
        if key not in runners:
            runners[key] = tester.DestinationRunner(
                settings, tester.quick_setup() if subscriptions is None else subscriptions)
        answer: dict[str, Any] = tester.evaluate(runners[key], event)
        return answer

    def batch(events: list[dict[str, Any]], settings: dict[str, Any],
              subscriptions: list[dict[str, Any]]) -> dict[str, Any]:
        return _batch_answer(tester.DestinationRunner(settings, subscriptions).run_batch(events))

    return Conformance(reference, segcio_quick_setup, single, batch)


@pytest.fixture(scope="session")
def corpus_outcomes(
    conformance: Conformance, reference_automatic_presets: dict[str, dict[str, Any]]
) -> dict[str, tuple[Outcome, dict[str, Any]]]:
    """Every corpus case run once through both sides (one reference round trip for the whole corpus)."""
    loaded = load_cases(reference_automatic_presets)
    outcomes = conformance.run([case for _, case, _ in loaded])
    return {case_id: (outcome, raw) for (case_id, _, raw), outcome in zip(loaded, outcomes, strict=True)}


@pytest.fixture(scope="session")
def corpus_reference(reference: ReferenceRunner,
                     reference_automatic_presets: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every corpus case through the reference alone, as written (no divergence applied; no subscriptions
    means the reference's own Quick Setup presets)."""
    loaded = load_cases(reference_automatic_presets)
    inputs = []
    for _, case, _ in loaded:
        payload: dict[str, Any] = {"mode": case.mode, "settings": case.settings, "subscriptions": case.subscriptions}
        payload["events" if case.mode == "batch" else "event"] = case.events if case.mode == "batch" else case.event
        inputs.append(payload)
    answers = reference.run_many(inputs)
    return {case_id: answer for (case_id, _, _), answer in zip(loaded, answers, strict=True)}


@pytest.fixture(scope="session")
def corpus_raw(reference_automatic_presets: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {case_id: raw for case_id, _, raw in load_cases(reference_automatic_presets)}
