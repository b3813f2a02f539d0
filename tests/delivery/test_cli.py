"""`segcio dlq ...` and `segcio delivery status` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from typing import Any

import sqlalchemy as sa
from typer.testing import CliRunner

from segcio.cli import app
from segcio.delivery.dlq import Burial, bury
from segcio.delivery.outbox import backlog, fetch_ready
from segcio.store import Database
from segcio.store.tables.delivery import outbox
from tests.delivery.conftest import entity, queue

runner = CliRunner()


def _bury(db: Database, destination_id: int, person: str) -> None:
    """Put one request into the dead-letter queue the way the sender does."""
    queue(db, person, [entity("https://track.customer.io", person, 0)])
    with db.begin() as conn:
        [row] = fetch_ready(conn, 7, time.time() + 1, 10)
        conn.execute(outbox.update().where(outbox.c.id == row.id).values(destination_id=destination_id))
        bury(conn, destination_id, [Burial(row, "invalid identifiers: rejected id", 207, '{"errors":[]}', 1)], 1.0)


def cli(database_url: str, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--database", database_url])
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def test_list_show_replay_drop(db: Database, database_url: str) -> None:
    _bury(db, 1, "a")
    _bury(db, 1, "b")
    _bury(db, 2, "c")
    listed = cli(database_url, "dlq", "list", "--json")
    assert [d["person_key"] for d in listed] == ["c", "b", "a"]
    assert listed[0]["reason"] == "invalid identifiers: rejected id" and listed[0]["status"] == 207
    assert [d["person_key"] for d in cli(database_url, "dlq", "list", "--destination", "1", "--json")] == ["b", "a"]
    assert "rejected id" in cli(database_url, "dlq", "list")

    shown = cli(database_url, "dlq", "show", str(listed[2]["id"]), "--json")
    assert shown["body"]["identifiers"] == {"id": "a"}
    assert shown["headers"] == {"content-type": "application/json", "user-agent": "Segment (Actions)"}
    assert "invalid identifiers" in cli(database_url, "dlq", "show", str(listed[2]["id"]))

    assert cli(database_url, "dlq", "replay", str(listed[2]["id"]), "--json") == {"replayed": 1}
    with db.connect() as conn:
        assert conn.execute(sa.select(outbox.c.destination_id, outbox.c.person_key, outbox.c.attempts)).all() == [
            (1, "a", 0)
        ]
    assert cli(database_url, "dlq", "replay", "--all", "--destination", "2", "--json") == {"replayed": 1}
    assert backlog(db, 2).pending == 1 and backlog(db, 2).dead_letters == 0

    assert cli(database_url, "dlq", "drop", "--all", "--json") == {"dropped": 1}
    assert cli(database_url, "dlq", "list", "--json") == []
    status = cli(database_url, "delivery", "status", "--json", "--recent", "5")
    assert status["pending"] == 2 and status["dead_letters"] == 0
    # Nothing was sent; each replay is in the delivery log, so the event's history keeps its dead letter.
    assert [(r["outcome"], r["person_key"]) for r in status["recent"]] == [("replayed", "c"), ("replayed", "a")]


def test_replay_needs_an_id_or_all_and_unknown_ids_fail(db: Database, database_url: str) -> None:
    result = runner.invoke(app, ["dlq", "replay", "--database", database_url])
    assert result.exit_code != 0 and "give a dead-letter ID, or --all" in result.output
    result = runner.invoke(app, ["dlq", "show", "999", "--database", database_url])
    assert result.exit_code == 1 and "no dead letter 999" in result.output
    result = runner.invoke(app, ["dlq", "drop", "999", "--database", database_url])
    assert result.exit_code == 1


def test_events_rejected_adds_up_by_reason_and_lists_each_on_request(db: Database, database_url: str) -> None:
    from segcio.eventlog import writes as eventlog
    from segcio.ingest.rejections import Rejections
    from segcio.store.tables.core import rejected_events

    with eventlog.transaction(db) as conn:
        for n in range(4):
            rejected = Rejections()
            rejected.add(2500, "batch_limit", "A batch holds at most 2500 messages", {"n": n}, count=500)
            rejected.add(0, "missing_event", "track needs an event", {"type": "track"})
            conn.execute(sa.insert(rejected_events), rejected.rows(1, 1000.0 + n))

    def lines(*args: str) -> list[Any]:
        result = runner.invoke(app, ["events", "rejected", *args, "--json", "--database", database_url])
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.output.splitlines()]

    groups = lines()
    assert [(g["code"], g["count"], g["requests"]) for g in groups] == [
        ("missing_event", 4, 4),
        ("batch_limit", 2000, 4),
    ]
    assert [json.loads(e["body"]) for e in groups[1]["examples"]] == [{"n": 3}, {"n": 2}, {"n": 1}]
    text = cli(database_url, "events", "rejected")
    assert text.count("batch_limit") == 1 and "2000" in text
    assert [row["count"] for row in lines("--each", "--code", "batch_limit")] == [500] * 4
