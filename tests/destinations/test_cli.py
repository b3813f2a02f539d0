"""`segcio destinations ...` as a user runs it (a real subprocess on a temporary data directory)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def segcio(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "segcio", "destinations", *args, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=120)


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_list_show_and_subscriptions(tmp_path: Path) -> None:
    [destination] = as_json(segcio(tmp_path, "list", "--json"))
    assert destination["kind"] == "customerio-actions" and destination["subscriptions"] == 16
    shown = as_json(segcio(tmp_path, "show", "--json"))
    assert shown["id"] == destination["id"] and len(shown["subscriptions"]) == 16
    names = [s["name"] for s in as_json(segcio(tmp_path, "subscriptions", "--json"))]
    assert names[0] == "Create or Update Person" and "Track Screen View" in names
    table = segcio(tmp_path, "subscriptions")
    assert table.returncode == 0 and "trackEvent" in table.stdout


def test_customized_setup_flow(tmp_path: Path) -> None:
    added = as_json(segcio(tmp_path, "add-subscription", "--name", "Pages by name", "--action", "trackPageView",
                           "--map", "url=$.name", "--json"))
    assert added["mapping"]["url"] == {"@path": "$.name"} and added["subscribe"] == 'type = "page"'
    updated = as_json(segcio(tmp_path, "update-subscription", "Pages by name", "--trigger",
                             'type = "page" and name != null', "--unmap", "data", "--json"))
    assert updated["subscribe"] == 'type = "page" and name != null' and "data" not in updated["mapping"]
    assert as_json(segcio(tmp_path, "disable", "Track Page View", "--json"))["enabled"] is False
    assert as_json(segcio(tmp_path, "enable", "Track Page View", "--json"))["enabled"] is True
    assert as_json(segcio(tmp_path, "disable", "--json"))["enabled"] is False  # the whole destination
    deleted = as_json(segcio(tmp_path, "delete-subscription", str(added["id"]), "--json"))
    assert deleted["name"] == "Pages by name"
    as_json(segcio(tmp_path, "delete-subscription", "Track Event", "--json"))
    restored = as_json(segcio(tmp_path, "quick-setup", "--json"))
    assert [s["name"] for s in restored] == ["Track Event"]


def test_validation_errors_name_the_problem(tmp_path: Path) -> None:
    done = segcio(tmp_path, "add-subscription", "--name", "x", "--action", "trackEvent", "--trigger",
                  'type = "track" and (')
    assert done.returncode == 1
    assert "subscribe:" in done.stderr and "^" in done.stderr
    done = segcio(tmp_path, "add-subscription", "--name", "x", "--action", "trackEvent", "--mapping",
                  '{"name": {"@path": 1}}', "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["error"]["field"] == "mapping"
    done = segcio(tmp_path, "update-subscription", "Nope", "--name", "y")
    assert done.returncode == 1 and "has no subscription 'Nope'" in done.stderr
    done = segcio(tmp_path, "update-subscription", "Track Event", "--map", "bogus")
    assert done.returncode == 2 and "FIELD=JSON" in done.stderr
