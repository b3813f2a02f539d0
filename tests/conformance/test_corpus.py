"""The written corpus: every case through the reference and through segcio; segcio must match."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance.compare import (
    Outcome,
    batch_problems,
    reference_error,
    request_view,
    same,
    single_problems,
)
from tests.conformance.corpus import case_ids, open_differences

pytestmark = pytest.mark.conformance

# Differences from the reference found by these tests that are neither documented divergences nor fixed yet.
# Each is pinned by its corpus cases ("open_difference") as a strict xfail: fixing it turns them into passes
# (remove the entry then). Listed in docs/conformance.md under "Open differences".
OPEN_DIFFERENCES = {
    "liquid": "segcio's mapping kit does not support the @liquid directive (the reference renders LiquidJS "
              "templates); segcio reports '@liquid templates are not supported; ...' and sends nothing",
    "created_at_scope": "segcio applies the created_at JavaScript-Date exception to every key named created_at "
                        "(nested person attributes, event properties, object attributes); the documented "
                        "divergence covers the person's created_at trait and the object's created_at only",
    "trigger_superset": "segcio's trigger parser is a superset of the reference's: it accepts nested "
                        "parentheses, gives 'and' precedence over 'or', strips single quotes, reads 'OR', "
                        "'x>5' and 'event!=\"x\"', where the reference errors or applies its quirks "
                        "(last connective wins, group closed at the first ')'), and rejects 'in' which the "
                        "reference parses into a never-matching condition",
    "empty_trigger": "an empty trigger string: the reference says 'Failed to validate subscription' (empty "
                     "is falsy), segcio says 'Invalid subscription : ...'",
    "delivery_batch_unmatched": "batch mode, Report Delivery Event subscription, no event matching its trigger: "
                                "the reference marks every event 400 'Payload is either invalid or does not "
                                "match the subscription', segcio marks them 501 'This action does not support "
                                "batched requests.' (segcio/actions/runtime.py checks batch support before "
                                "the trigger)",
}


def _params(ids: list[str]) -> list[Any]:
    params = []
    for case_id in ids:
        key = _OPEN.get(case_id)
        marks = [pytest.mark.xfail(strict=True, reason=OPEN_DIFFERENCES[key])] if key else []
        params.append(pytest.param(case_id, marks=marks, id=case_id))
    return params


_OPEN = open_differences()
CASE_IDS = _params(case_ids())
FACT_IDS = case_ids(with_reference_facts=True)


def _facts_view(request: dict[str, Any]) -> dict[str, Any]:
    view = request_view(request)
    return {"method": view["method"], "url": view["url"], "json": view["json"]}


@pytest.mark.parametrize("case_id", FACT_IDS)
def test_reference_agrees_with_the_written_facts(case_id: str, corpus_reference: dict[str, dict[str, Any]],
                                                 corpus_raw: dict[str, dict[str, Any]]) -> None:
    """Harness sanity: where a case writes down what the reference does, the reference really does it."""
    facts = corpus_raw[case_id]["reference"]
    answer = corpus_reference[case_id]
    assert answer.get("settings_error") == facts.get("settings_error")
    if "requests" in facts:
        got = [_facts_view(r) for r in answer["requests"]]
        assert same(facts["requests"], got), got
    for name, message in (facts.get("errors") or {}).items():
        errors = {s["name"]: reference_error(s["error"]) for s in answer["subscriptions"]}
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
