"""`segcio test-event --jsonl` in bulk: the text it writes is the report's `to_json` whichever way it is made
(kept entries, orjson's text or the standard library's), and several processes write what one writes."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from segcio.destinations import tester
from segcio.destinations.cli import JSONL_CHUNK_LINES
from segcio.destinations.customerio.actions import ACTIONS
from segcio.destinations.customerio.presets import quick_setup

SETTINGS = {"siteId": "site_123", "apiKey": "key_abc", "accountRegion": "US"}

# Values whose JSON text orjson and the standard library (after js_ordered) write differently, or that orjson
# refuses: the line must still be the report's to_json.
AWKWARD: list[Any] = [19.0, -0.0, 1e-7, 0.00012, 1e21, 2.5e-5, 12.5, 2**70, {"0": "a", "b": 1, "10": 2},
                      "\ud800 lone", "line\nbreak \u2028 \x1f \x7f é 😀", "1e5", "x.0]", math.inf, {"1": [1.0]}]


def _events(count: int, seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    for i in range(count):
        kind = rng.choice(["track", "page", "identify", "screen", "group", "alias"])
        event: dict[str, Any] = {"type": kind, "userId": f"u{i % 37}", "messageId": f"m{i}",
                                 "timestamp": "2024-05-06T07:08:09.123Z"}
        extra = {f"k{j}": rng.choice(AWKWARD) for j in range(rng.randrange(3))}
        if kind == "track":
            event |= {"event": rng.choice(["Order Completed", "Signed Up"]),
                      "properties": {"total": rng.choice([19.99, 20.0, 3]), **extra}}
        elif kind == "identify":
            event |= {"traits": {"email": f"u{i}@example.com", "created_at": rng.choice([1714979289, 1.5e9]),
                                 **extra}}
        elif kind in ("page", "screen"):
            event |= {"name": "Home", "properties": extra}
        elif kind == "group":
            event |= {"groupId": f"g{i}", "traits": extra}
        else:
            event |= {"previousId": f"a{i}"}
        if i % 23 == 0:
            event["integrations"] = {"All": False}
        events.append(event)
    return events


def _line(value: Any) -> str:
    return tester.to_json(value)  # to_json writes lone surrogates escaped, as the input can carry them


def test_report_line_is_the_reports_to_json() -> None:
    page_url = {"name": "Page URL", "subscribe": 'type = "page"', "partnerAction": "trackPageView",
                "mapping": {**ACTIONS["trackPageView"].default_mapping(), "url": {"@path": "$.name"}}}
    for subscriptions in (quick_setup(), [page_url]):
        runner = tester.DestinationRunner(SETTINGS, subscriptions)
        for event in _events(400):
            results = runner.run(event)
            assert tester.report_line(results, now=1.7e9) == tester.to_json(tester.report(results, now=1.7e9)).encode()
            assert tester.evaluate_line(runner, event).count(b"\n") == 0
    for value in AWKWARD:
        assert tester.json_line({"v": value}) == tester.to_json({"v": value}).encode()


def test_numbers_that_are_not_finite_are_written_as_null() -> None:
    """As JSON.stringify writes them (the line stays JSON)."""
    assert tester.to_json({"a": math.inf, "b": [math.nan, 1.5]}) == '{"a":null,"b":[null,1.5]}'


def _input(count: int) -> str:
    page_url = {"name": "Page URL", "subscribe": 'type = "page"', "partnerAction": "trackPageView",
                "mapping": {**ACTIONS["trackPageView"].default_mapping(), "url": {"@path": "$.name"}}}
    lines = []
    for i, event in enumerate(_events(count)):
        if i % 11 == 0:
            lines.append(_line({"event": event, "subscriptions": [page_url]}))
        elif i % 17 == 0:
            lines.append(_line({"event": event, "settings": {**SETTINGS, "accountRegion": "EU"}}))
        elif i % 29 == 0:
            lines.append(_line({"event": event, "subscriptions": "not a list"}))
        elif i % 31 == 0:
            lines.append("not json {")
        elif i % 37 == 0:
            lines.append("")
        elif i % 41 == 0:
            lines.append('{"type": "track", "event": "Big", "userId": "u", "properties": {"n": 1e400}}')
        else:
            lines.append(_line(event))
    return "\n".join(lines) + "\n"


def _run(tmp_path: Path, text: str, *args: str) -> bytes:
    done = subprocess.run([sys.executable, "-m", "segcio", "test-event", "--jsonl", "--data-dir",
                           str(tmp_path / "none"), "--settings", json.dumps(SETTINGS), *args],
                          input=text.encode(), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_several_processes_write_what_one_writes(tmp_path: Path) -> None:
    text = _input(3 * JSONL_CHUNK_LINES + 57)
    one = _run(tmp_path, text, "--jobs", "1")
    two = _run(tmp_path, text, "--jobs", "2")
    assert one == two
    lines = one.split(b"\n")[:-1]
    assert len(lines) == sum(1 for line in text.split("\n") if line.strip())
    results = [json.loads(line) for line in lines]
    assert any(r.get("field") == "subscriptions" for r in results)
    assert any(r.get("error", "").startswith("line 32 is not valid JSON") for r in results)
    assert any("filtered" in r for r in results)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_line_is_the_event_testers_report(tmp_path: Path, jobs: str) -> None:
    """Plain event lines give to_json of the report the single-event Tester makes for them."""
    events = _events(2 * JSONL_CHUNK_LINES + 3, seed=5)
    out = _run(tmp_path, "".join(_line(e) + "\n" for e in events), "--jobs", jobs).decode().split("\n")[:-1]
    runner = tester.DestinationRunner(SETTINGS, quick_setup())
    for event, line in zip(events, out, strict=True):
        expected = json.loads(_line(tester.evaluate(runner, event)))
        got = json.loads(line)
        for request in [*expected["requests"], *got["requests"]]:
            for warning in request["warnings"]:
                warning.pop("message", None)  # timestamp warnings are relative to the time of the run
        assert got == expected
