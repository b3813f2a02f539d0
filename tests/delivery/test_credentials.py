"""Queued requests, dead letters and logs hold no credentials: the sender authenticates each request when it
sends it, from the destination's current settings, so fixing a wrong API key and replaying the dead letters
delivers them (through a running `segcio serve`, its CLI and its HTTP API)."""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from alembic import command

from segcio import jsonutil
from segcio.delivery.outbox import backlog
from segcio.store import Database, open_database
from segcio.store.db import alembic_config
from segcio.store.tables.delivery import dead_letters, outbox
from tests.conftest import Server, start_server
from tests.delivery.standin import StandIn

SITE = "site-3c7e"
WRONG_KEY = "wrong-key-9d4f2a61"
RIGHT_KEY = "right-key-5b1e0c77"
PEOPLE = 3


def _basic(key: str) -> str:
    return base64.b64encode(f"{SITE}:{key}".encode()).decode()


SECRETS = (WRONG_KEY, RIGHT_KEY, _basic(WRONG_KEY), _basic(RIGHT_KEY))


@pytest.fixture
def remote() -> Iterator[StandIn]:
    standin = StandIn(SITE, RIGHT_KEY)
    standin.start()
    try:
        yield standin
    finally:
        standin.stop()


def _cli(database_url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "segcio", *args, "--database", database_url], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _forward(database_url: str, standin: StandIn, api_key: str) -> None:
    _cli(
        database_url, "destination", "target", "remote",
        "--site-id", SITE, "--api-key", api_key, "--base-url", standin.url, "--rate-limit", "1000",
    )  # fmt: skip


def _wait(condition: str, check: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        time.sleep(0.1)


def _rows_holding_secrets(db: Database) -> list[str]:
    """Every row of every table holding a credential, except the destination settings that configure it."""
    found = []
    tables = sa.MetaData()
    with db.connect() as conn:
        tables.reflect(bind=conn)
        for table in tables.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for column, value in row._mapping.items():
                    if table.name == "destinations" and column == "settings":
                        assert _basic(WRONG_KEY) not in str(value) and _basic(RIGHT_KEY) not in str(value)
                        continue
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    found += [f"{table.name}.{column}: {secret}" for secret in SECRETS if secret in text]
    return found


def _post_events(server: Server) -> int:
    batch = [
        {"type": "track", "userId": f"user-{p}", "event": "Order Completed", "properties": {"n": n}}
        for n in range(4)
        for p in range(PEOPLE)
    ]
    response = httpx.post(f"{server.url}/v1/batch", json={"batch": batch}, auth=(server.write_key, ""))
    assert response.status_code == 200, response.text
    return len(batch)


def test_wrong_key_dead_letters_then_fixed_key_and_replay_deliver_and_no_credential_is_stored(
    database_url: str, tmp_path: Path, remote: StandIn
) -> None:
    _forward(database_url, remote, WRONG_KEY)
    server = start_server(tmp_path / "data", database_url)
    db = Database(database_url)
    try:
        sent = _post_events(server)
        _wait(
            "the wrong key's dead letters",
            lambda: backlog(db).dead_letters >= sent and backlog(db).pending == 0,
        )
        assert remote.arrivals and all(a.status == 401 for a in remote.arrivals)
        assert _rows_holding_secrets(db) == []

        _forward(database_url, remote, RIGHT_KEY)
        assert "moved back into the outbox" in _cli(database_url, "dlq", "replay", "--all")
        _wait("the replayed dead letters", lambda: backlog(db).dead_letters == 0 and backlog(db).pending == 0)
        delivered = [a for a in remote.arrivals if a.status == 200]
        assert delivered and all(a.authorization == f"Basic {_basic(RIGHT_KEY)}" for a in delivered)
        received = {(i["identifiers"]["id"], i["name"]) for _, i in remote.processed_items()}
        assert received == {(f"user-{p}", "Order Completed") for p in range(PEOPLE)}
        assert len(remote.processed_items()) == sent
        assert _rows_holding_secrets(db) == []
    finally:
        server.stop()
        db.dispose()
    log = server.log.read_text()
    assert not [secret for secret in SECRETS if secret in log]


def test_upgrade_removes_stored_credentials_and_keeps_the_other_headers(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "0009_events_delete_index")
    stored = jsonutil.dumps({"Authorization": f"Basic {_basic(WRONG_KEY)}", "content-type": "application/json"})
    request = {"destination_id": 1, "person_key": "p", "method": "POST", "url": "https://x/api/v2/entity"}
    before = Database(database_url)
    with before.begin() as conn:
        conn.execute(
            outbox.insert(),
            [{**request, "headers": stored, "attempts": 0, "next_attempt_at": 0.0, "created_at": 0.0}] * 3,
        )
        conn.execute(
            dead_letters.insert(), {**request, "headers": stored, "reason": "401", "attempts": 1, "created_at": 0.0}
        )
    before.dispose()

    db = open_database(database_url)
    try:
        with db.connect() as conn:
            headers = [
                *conn.execute(sa.select(outbox.c.headers)).scalars(),
                *conn.execute(sa.select(dead_letters.c.headers)).scalars(),
            ]
        assert [jsonutil.loads(h) for h in headers] == [{"content-type": "application/json"}] * 4
        assert _rows_holding_secrets(db) == []
    finally:
        db.dispose()
