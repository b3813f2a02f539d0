"""The Event Tester: the seed walk-through, its report, the CLI (a real subprocess) and the runner."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
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
    assert [(r.requests[0].json or {})["name"] for r in first + second if r.requests] == ["A", "B"]


def run_cli(*args: str, stdin: str = "", data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`segcio test-event`; without a data dir, one that has no database (Quick Setup, placeholders)."""
    where = ["--data-dir", str(data_dir if data_dir is not None else Path(tempfile.gettempdir()) / "segcio-none")]
    return subprocess.run([sys.executable, "-m", "segcio", "test-event", *where, *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def segcio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "segcio", *args], capture_output=True, text=True, timeout=60)


def test_cli_seed_walkthrough(tmp_path: Path) -> None:
    event_file = tmp_path / "page.json"
    event_file.write_text(json.dumps(PAGE))
    done = run_cli("--json", "--settings", json.dumps(SETTINGS), str(event_file))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert verdict(out, "Track Page View")["error"] == "The root value is missing the required field 'url'."

    subs = tmp_path / "subs.json"
    subs.write_text(json.dumps([page_from_name_subscription()]))
    done = run_cli("--json", "--settings", json.dumps(SETTINGS), "--subscriptions", str(subs), "-",
                   stdin=json.dumps(PAGE))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["subscriptions"][0]["error"] is None
    assert out["requests"][0]["json"]["name"] == "https://example.com/pricing"


def test_cli_nothing_matched_exit_zero_and_message(tmp_path: Path) -> None:
    subs = tmp_path / "subs.json"
    subs.write_text(json.dumps([page_from_name_subscription()]))
    done = run_cli("--json", "--subscriptions", str(subs), stdin='{"type":"identify","userId":"u"}')
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
    done = run_cli("--json", "--settings", json.dumps(SETTINGS),
                   stdin='{"type":"track","event":"\\ud800x","userId":"u"}')
    assert done.returncode == 0, done.stderr
    assert '"name":"\\ud800x"' in done.stdout
    assert json.loads(done.stdout)["requests"][0]["json"]["name"] == "\ud800x"


def test_cli_tests_the_destinations_own_subscriptions(tmp_path: Path) -> None:
    """The documented fix (Page URL from `name`) made with `segcio destinations update-subscription` shows in
    `segcio test-event`, which reads the destination from the data dir; the summary is for people."""
    page = json.dumps(PAGE)
    done = segcio("destinations", "update-subscription", "Track Page View", "--map", "url=$.name",
                  "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    after = run_cli(stdin=page, data_dir=tmp_path)
    assert after.returncode == 0, after.stderr
    assert "no database" not in after.stderr
    lines = after.stdout.splitlines()
    assert lines[0] == "Track Page View (trackPageView)"
    assert lines[1] == "  POST https://track.customer.io/api/v2/entity"
    body = json.loads(lines[2])
    assert body["name"] == "https://example.com/pricing" and body["action"] == "page"
    assert lines[-1].endswith("subscriptions did not match") and int(lines[-1].split()[0]) >= 10
    assert "error:" not in after.stdout

    as_json = run_cli("--json", stdin=page, data_dir=tmp_path)
    report = json.loads(as_json.stdout)
    assert verdict(report, "Track Page View")["error"] is None
    [request] = report["requests"]
    assert request["json"]["name"] == "https://example.com/pricing"
    assert [w["limit"] for w in request["warnings"]] == ["72 hours"]  # the event is from 2024


def test_cli_destination_option_picks_another_destination(tmp_path: Path) -> None:
    from segcio.bootstrap import ensure_defaults
    from segcio.cli_options import open_cli_database
    from segcio.destinations.kinds import ACTIONS_KIND
    from segcio.pipeline.destination_config import create_destination

    db = open_cli_database(tmp_path, None)
    try:
        defaults = ensure_defaults(db)
        with db.begin() as conn:
            other = create_destination(conn, defaults.source_id, ACTIONS_KIND,
                                       {**SETTINGS, "accountRegion": "EU"}, name="EU copy")
    finally:
        db.dispose()
    event = json.dumps({"type": "track", "userId": "u1", "event": "Signed Up"})
    done = run_cli("-d", str(other), stdin=event, data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "  POST https://track-eu.customer.io/api/v2/entity" in done.stdout.splitlines()
    default = run_cli(stdin=event, data_dir=tmp_path)
    assert "https://track.customer.io/api/v2/entity" in default.stdout
    missing = run_cli("--destination", "999", stdin=event, data_dir=tmp_path)
    assert missing.returncode == 1 and "destination 999 not found" in missing.stderr


def test_cli_without_a_database_says_it_uses_quick_setup_and_shows_limit_warnings() -> None:
    event = {"type": "identify", "userId": "u1", "traits": {"bio": "x" * 1001, "evil": "\x1b[31mred"}}
    done = run_cli(stdin=json.dumps(event))
    assert done.returncode == 0, done.stderr
    assert "no database at" in done.stderr and "Quick Setup presets" in done.stderr
    assert ("  warning attributes.bio (limit 1000 bytes): the value is 1001 bytes; Customer.io drops attribute "
            "values over 1000 bytes") in done.stdout.splitlines()
    assert "\x1b" not in done.stdout  # a terminal escape from the event is shown escaped
    assert "did not match" in done.stdout


def test_cli_jsonl_configuration_lines_carry_their_own_subscriptions_and_settings() -> None:
    page_sub = page_from_name_subscription()
    lines = [
        json.dumps(PAGE),  # a plain event: the command's configuration (Quick Setup)
        json.dumps({"event": PAGE, "subscriptions": [page_sub]}),
        json.dumps({"event": PAGE, "subscriptions": [page_sub], "settings": {**SETTINGS, "accountRegion": "EU"}}),
        json.dumps({"event": PAGE, "subscriptions": "not a list"}),
        json.dumps({"event": PAGE, "settings": [1]}),
        json.dumps({"event": "Signed Up", "type": "track", "userId": "u"}),  # a track call, not a configuration
        json.dumps({"event": PAGE, "subscriptions": [page_sub]}),  # same configuration again (cached)
    ]
    done = run_cli("--jsonl", "--settings", json.dumps(SETTINGS), stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == 7
    assert verdict(results[0], "Track Page View")["error"] == "The root value is missing the required field 'url'."
    assert results[1]["requests"][0]["json"]["name"] == "https://example.com/pricing"
    assert results[1]["subscriptions"] == [{"name": "Page URL from name", "partnerAction": "trackPageView",
                                            "matched": True, "error": None}]
    assert results[2]["requests"][0]["url"] == "https://track-eu.customer.io/api/v2/entity"
    assert results[3] == {"error": 'line 4: subscriptions must be a JSON list of {"name", "subscribe", '
                                   '"partnerAction", "mapping"}', "field": "subscriptions", "line": 4}
    assert results[4]["field"] == "settings" and results[4]["line"] == 5
    assert results[5]["requests"][0]["json"]["name"] == "Signed Up"
    assert results[6] == results[1]
