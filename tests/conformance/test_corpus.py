"""The written corpus: every case through the reference and through segcio; segcio must match."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.compare import Outcome, batch_problems, request_view, same, single_problems
from tests.conformance.corpus import case_ids

pytestmark = pytest.mark.conformance

CASE_IDS = case_ids()


def _facts_view(request: dict[str, Any]) -> dict[str, Any]:
    view = request_view(request)
    return {"method": view["method"], "url": view["url"], "json": view["json"]}


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_reference_agrees_with_the_written_facts(case_id: str, corpus_reference: dict[str, dict[str, Any]],
                                                 corpus_raw: dict[str, dict[str, Any]]) -> None:
    """Harness sanity: where a case writes down what the reference does, the reference really does it."""
    facts = corpus_raw[case_id].get("reference")
    if facts is None:
        pytest.skip("no written facts for this case")
    answer = corpus_reference[case_id]
    assert answer.get("settings_error") == facts.get("settings_error")
    if "requests" in facts:
        got = [_facts_view(r) for r in answer["requests"]]
        assert same(facts["requests"], got), got
    for name, message in (facts.get("errors") or {}).items():
        errors = {s["name"]: s["error"] for s in answer["subscriptions"]}
        assert errors[name] == message
    if "multistatus" in facts:
        statuses = {s["name"]: s.get("multistatus") for s in answer["subscriptions"]}
        for name, wanted in facts["multistatus"].items():
            assert statuses[name] == wanted


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_segcio_matches_the_reference(case_id: str,
                                      corpus_outcomes: dict[str, tuple[Outcome, dict[str, Any]]]) -> None:
    outcome, raw = corpus_outcomes[case_id]
    problems = batch_problems(outcome) if outcome.case.mode == "batch" else single_problems(outcome)
    assert not problems, "\n".join(problems)
    if "segcio" in raw:
        # A documented divergence: segcio's requests are written down and differ from the reference's own.
        got = [_facts_view(r) for r in outcome.actual["requests"]]
        assert same(raw["segcio"]["requests"], got), got
        assert raw.get("divergence"), "a case with its own segcio expectation must name its divergence"
