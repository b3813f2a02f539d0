"""Bulk checking through the command line: one `segcio test-event --jsonl` process reads generated
configuration lines (`{"event", "subscriptions", "settings"}`: varied triggers and mappings), and each of its
results must equal the reference's answer for the same event and configuration, divergences applied."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.ci import examples
from tests.conformance.compare import DEFAULT_SETTINGS, Case, Conformance, single_problems
from tests.conformance.reference import ReferenceRunner
from tests.conformance.strategies import segment_events, subscription_lists

pytestmark = pytest.mark.conformance

CASES = 300


def generated_cases(presets: list[dict[str, Any]]) -> list[Case]:
    """CASES configuration lines drawn from the strategies (the same ones on every CI run: the "ci" profile is
    derandomised)."""
    cases: list[Case] = []
    lines = segment_events.flatmap(lambda event: st.tuples(st.just(event), subscription_lists(presets, event["type"])))

    @settings(max_examples=examples(CASES), phases=(Phase.generate,), database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much])
    @given(line=lines, region=st.sampled_from(["US", "EU", "US 🇺🇸", "EU 🇪🇺"]))
    def draw(line: tuple[dict[str, Any], list[dict[str, Any]]], region: str) -> None:
        event, subscriptions = line
        cases.append(Case(name=f"line {len(cases) + 1}", event=event, subscriptions=subscriptions,
                          settings={**DEFAULT_SETTINGS, "accountRegion": region}))

    draw()
    return cases


def test_jsonl_configuration_lines_match_the_reference(reference: ReferenceRunner,
                                                       segcio_quick_setup: list[dict[str, Any]],
                                                       tmp_path: Path) -> None:
    cases = generated_cases(segcio_quick_setup)
    lines = "".join(json.dumps({"event": c.event, "subscriptions": c.subscriptions, "settings": c.settings},
                               ensure_ascii=False) + "\n" for c in cases)
    done = subprocess.run([sys.executable, "-m", "segcio", "test-event", "--jsonl", "--data-dir",
                           str(tmp_path / "no-database")], input=lines.encode(), capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    answers = iter([json.loads(line) for line in done.stdout.splitlines()])
    assert len(done.stdout.splitlines()) == len(cases)

    def from_the_command(event: Any, settings: Any, subscriptions: Any) -> dict[str, Any]:
        answer: dict[str, Any] = next(answers)  # Conformance.run asks for segcio's answers in case order
        return answer

    def no_batches(*_: Any) -> dict[str, Any]:
        raise AssertionError("no batch cases here")

    outcomes = Conformance(reference, segcio_quick_setup, from_the_command, no_batches).run(cases)
    failures = []
    for outcome in outcomes:
        problems = single_problems(outcome)
        if problems:
            line = json.dumps({"event": outcome.case.event, "subscriptions": outcome.case.subscriptions,
                               "settings": outcome.case.settings}, ensure_ascii=False)
            failures.append(f"{outcome.case.name}: {line}\n" + "\n".join(problems))
    assert not failures, f"{len(failures)} of {len(cases)} lines differ\n" + "\n\n".join(failures[:5])
