"""The Event Tester: the seed walk-through, its report, the CLI (a real subprocess) and the runner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from segcio.destinations import tester
from segcio.destinations.customerio.actions import ACTIONS
from segcio.destinations.customerio.presets import quick_setup

SETTINGS = {"siteId": "site_123", "apiKey": "key_abc", "accountRegion": "US"}
PAGE = {"type": "page", "userId": "u1", "name": "https://example.com/pricing", "messageId": "m1",
        "timestamp": "2024-05-06T07:08:09.123Z", "properties": {"title": "Pricing"}}


def page_from_name_subscription() -> dict[str, Any]:
    action = ACTIONS["trackPageView"]
    return {"name": "Page URL from name", "subscribe": 'type = "page"', "partnerAction": "trackPageView",
            "mapping": {**action.default_mapping(), "url": {"@path": "$.name"}}}


def verdict(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in result["subscriptions"] if s["name"] == name)


def test_seed_page_without_url_reports_the_missing_field() -> None:
    result = tester.test_event(PAGE, SETTINGS)
    assert verdict(result, "Track Page View") == {
        "name": "Track Page View", "partnerAction": "trackPageView", "matched": True,
        "error": "The root value is missing the required field 'url'."}
    assert result["requests"] == []


def test_seed_page_url_mapped_to_name_succeeds() -> None:
    result = tester.test_event(PAGE, SETTINGS, [page_from_name_subscription()])
    assert verdict(result, "Page URL from name")["error"] is None
    [request] = result["requests"]
    assert request["url"] == "https://track.customer.io/api/v2/entity"
    assert request["json"] == {"type": "person", "action": "page", "name": "https://example.com/pricing",
                               "attributes": {"title": "Pricing"}, "id": "m1", "timestamp": 1714979289,
                               "identifiers": {"id": "u1"}}


def test_nothing_matched_says_no_request_would_be_sent_and_lists_the_subscriptions() -> None:
    result = tester.test_event({"type": "track", "event": "X"}, SETTINGS, [page_from_name_subscription()])
    assert result["requests"] == []
    assert result["subscriptions"] == [{"name": "Page URL from name", "partnerAction": "trackPageView",
                                        "matched": False, "error": None}]
    assert "no request would be sent to the destination" in result["message"]
    assert 'Page URL from name (type = "page")' in result["message"]
    assert result["details"][0]["status"] == "not subscribed"


def test_report_shows_the_mapped_payload() -> None:
    result = tester.test_event({**PAGE, "properties": {"url": "https://e.com"}}, SETTINGS)
    detail = next(d for d in result["details"] if d["name"] == "Track Page View")
    assert detail["status"] == "sent"
    assert detail["payload"]["url"] == "https://e.com"


def test_screen_events_are_supported() -> None:
    result = tester.test_event({"type": "screen", "userId": "u1", "name": "Home"}, SETTINGS)
    assert verdict(result, "Track Screen View") == {"name": "Track Screen View", "partnerAction": "trackScreenView",
                                                    "matched": True, "error": None}


def test_identify_with_device_token_also_adds_the_device() -> None:
    event = {"type": "identify", "userId": "u1", "traits": {"email": "a@b.co"},
             "context": {"device": {"token": "tok", "type": "ios"}}}
    result = tester.test_event(event, SETTINGS)
    bodies = [r["json"] for r in result["requests"]]
    assert [b["action"] for b in bodies] == ["identify", "add_device"]
    assert bodies[1]["device"]["token"] == "tok" and bodies[1]["identifiers"] == {"id": "u1"}


def test_eu_region_short_form() -> None:
    result = tester.test_event({"type": "track", "event": "E", "userId": "u"}, {**SETTINGS, "accountRegion": "EU"})
    assert result["requests"][0]["url"] == "https://track-eu.customer.io/api/v2/entity"


def test_runner_is_compiled_once_and_reused() -> None:
    runner = tester.DestinationRunner(SETTINGS, quick_setup())
    first = runner.run({"type": "track", "event": "A", "userId": "u"})
    second = runner.run({"type": "track", "event": "B", "userId": "u"})
    assert [r.requests[0].json["name"] for r in first + second if r.requests] == ["A", "B"]


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "segcio", "test-event", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_cli_seed_walkthrough(tmp_path: Path) -> None:
    event_file = tmp_path / "page.json"
    event_file.write_text(json.dumps(PAGE))
    done = run_cli("--settings", json.dumps(SETTINGS), str(event_file))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert verdict(out, "Track Page View")["error"] == "The root value is missing the required field 'url'."

    subs = tmp_path / "subs.json"
    subs.write_text(json.dumps([page_from_name_subscription()]))
    done = run_cli("--settings", json.dumps(SETTINGS), "--subscriptions", str(subs), "-", stdin=json.dumps(PAGE))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["subscriptions"][0]["error"] is None
    assert out["requests"][0]["json"]["name"] == "https://example.com/pricing"


def test_cli_nothing_matched_exit_zero_and_message(tmp_path: Path) -> None:
    subs = tmp_path / "subs.json"
    subs.write_text(json.dumps([page_from_name_subscription()]))
    done = run_cli("--subscriptions", str(subs), stdin='{"type":"identify","userId":"u"}')
    assert done.returncode == 0
    assert json.loads(done.stdout)["requests"] == []
    assert "no request would be sent to the destination" in done.stderr


def test_cli_jsonl_one_result_per_line() -> None:
    lines = "\n".join(json.dumps(e) for e in (
        {"type": "track", "event": "A", "userId": "u"}, {"type": "identify", "userId": "u"}))
    done = run_cli("--jsonl", "--settings", json.dumps(SETTINGS), stdin=lines + "\nnot json\n")
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["requests"][0]["json"]["action"] for r in results[:2]] == ["event", "identify"]
    assert results[2]["error"].startswith("line 3 is not valid JSON")


def test_cli_bad_input_is_a_clear_error() -> None:
    done = run_cli(stdin="{oops")
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr
    done = run_cli("--settings", "[1]", stdin="{}")
    assert done.returncode == 2 and "--settings must be a JSON object" in done.stderr


def test_cli_output_carries_lone_surrogates_as_escapes() -> None:
    done = run_cli("--settings", json.dumps(SETTINGS), stdin='{"type":"track","event":"\\ud800x","userId":"u"}')
    assert done.returncode == 0, done.stderr
    assert '"name":"\\ud800x"' in done.stdout
    assert json.loads(done.stdout)["requests"][0]["json"]["name"] == "\ud800x"
