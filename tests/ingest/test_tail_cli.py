"""`segcio events tail`: the newest accepted events, filtered, and with --follow those arriving afterwards."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from typer.testing import CliRunner

from segcio.cli import app
from tests.conftest import Server
from tests.ingest.conftest import Ingest

runner = CliRunner()


def send(ingest: Ingest, messages: list[dict[str, Any]]) -> None:
    assert ingest.post("/v1/batch", {"batch": messages}).status_code == 200


def tail(ingest: Ingest, *args: str) -> Any:
    return runner.invoke(app, ["events", "tail", *args, "--database", ingest.runtime.settings.database_url])


def test_tail_prints_the_last_accepted_events_newest_last_with_filters(ingest: Ingest) -> None:
    send(ingest, [{"type": "track", "userId": f"u-{i}", "event": f"Step {i}"} for i in range(5)])
    send(ingest, [{"type": "identify", "userId": "u-9", "traits": {"email": "Ann@Example.com"}}])

    result = tail(ingest, "--limit", "3", "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(x["type"], x["event"], x["userId"]) for x in lines] == [
        ("track", "Step 3", "u-3"),
        ("track", "Step 4", "u-4"),
        ("identify", None, "u-9"),
    ]
    assert lines[-1]["email"] == "Ann@Example.com" and lines[-1]["message"]["traits"]["email"] == "Ann@Example.com"

    by_email = tail(ingest, "--user", "ann@example.com", "--json")
    assert [json.loads(line)["userId"] for line in by_email.output.splitlines()] == ["u-9"]
    by_name = tail(ingest, "--type", "track", "--event", "step 1", "--json")
    assert [json.loads(line)["event"] for line in by_name.output.splitlines()] == ["Step 1"]
    text = tail(ingest, "--text", "step 2")
    assert result.exit_code == 0 and "Step 2" in text.output and "Step 3" not in text.output


def test_tail_refuses_an_unknown_type_naming_the_option(ingest_sqlite: Ingest) -> None:
    result = tail(ingest_sqlite, "--type", "trak")
    assert result.exit_code == 2
    assert "--type" in result.output and "identify, track" in result.output


def test_follow_prints_events_sent_after_it_started_until_stopped(server: Server) -> None:
    from segment.analytics import Client

    client = Client(server.write_key, host=server.url, sync_mode=True)
    client.track("early", "Before Follow")
    command = ["events", "tail", "--follow", "--json", "--limit", "1", "--type", "track"]
    follow = subprocess.Popen(
        [sys.executable, "-m", "segcio", *command, "--data-dir", str(server.data_dir)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in follow.stdout or []], daemon=True).start()
    try:
        # The last event already logged, printed once the command has read the end of the log.
        assert json.loads(lines.get(timeout=60))["event"] == "Before Follow"
        client.identify("u-1", {"email": "a@b.c"})  # filtered out by --type track
        client.track("u-1", "After Follow")
        assert json.loads(lines.get(timeout=30))["event"] == "After Follow"
        follow.send_signal(signal.SIGINT)
        assert follow.wait(timeout=10) == 0
        time.sleep(0.2)
        assert lines.empty()
    finally:
        if follow.poll() is None:
            follow.kill()
