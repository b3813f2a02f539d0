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
from tests.conformance.reference import ReferenceRunner

pytestmark = pytest.mark.conformance

# Differences from the reference found by these tests that are neither documented divergences nor fixed yet.
# Each is pinned by its corpus cases ("open_difference") as a strict xfail: fixing it turns them into passes
# (remove the entry then). Listed in docs/conformance.md under "Open differences".
OPEN_DIFFERENCES: dict[str, str] = {}


def _params(ids: list[str]) -> list[Any]:
    params = []
    for case_id in ids:
        key = _OPEN.get(case_id)
        marks = [pytest.mark.xfail(strict=True, reason=OPEN_DIFFERENCES[key])] if key else []
        params.append(pytest.param(case_id, marks=marks, id=case_id))
    return params


# Behaviour of segcio that differs from the reference on purpose and is documented in segcio's own docs
# (docs/actions-language.md): their corpus cases ("deviation") write down segcio's verdicts and are checked to
# really differ from the reference.
DEVIATIONS = {
    "trigger_superset": "triggers are read as written (nesting, and-before-or, single quotes, OR/AND, operators "
                        "without spaces) where the reference's parser applies its quirks or fails",
}

_OPEN = open_differences()
CASE_IDS = _params(case_ids(kind="plain"))
DEVIATION_IDS = case_ids(kind="deviation")
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


@pytest.mark.parametrize("case_id", DEVIATION_IDS)
def test_documented_deviation(case_id: str, corpus_outcomes: dict[str, tuple[Outcome, dict[str, Any]]],
                              reference: ReferenceRunner) -> None:
    """segcio gives the verdict its docs promise, the reference does not; when segcio sends, it sends what the
    reference sends for a trigger the reference reads the same way ("equivalent")."""
    outcome, raw = corpus_outcomes[case_id]
    assert raw["deviation"] in DEVIATIONS
    case = outcome.case
    if case.mode == "batch":
        got = {s["name"]: [{"status": x["status"]} for x in s["statuses"]] for s in outcome.actual["subscriptions"]}
        assert got == raw["segcio_statuses"]
        want = {s["name"]: s.get("multistatus") for s in outcome.expected["subscriptions"]}
        assert want != got, "the reference agrees: this is no deviation"
    else:
        got = {s["name"]: {"matched": s["matched"], "error": s["error"]} for s in outcome.actual["subscriptions"]}
        assert got == raw["segcio_verdicts"]
        want = {s["name"]: {"matched": s["matched"], "error": s["error"] or (s["output"] if s["output"] !=
                "not subscribed" else None)} for s in outcome.expected["subscriptions"]}
        assert want != got, "the reference agrees: this is no deviation"
    if "equivalent" in raw:
        assert case.subscriptions is not None
        subscriptions = [{**sub, "subscribe": raw["equivalent"]} for sub in case.subscriptions]
        payload: dict[str, Any] = {"mode": case.mode, "settings": case.settings, "subscriptions": subscriptions}
        payload["events" if case.mode == "batch" else "event"] = case.events if case.mode == "batch" else case.event
        answer = reference.run(payload)
        assert answer["requests"], "the equivalent trigger must make the reference send"
        assert same([_facts_view(r) for r in answer["requests"]],
                    [_facts_view(r) for r in outcome.actual["requests"]])
