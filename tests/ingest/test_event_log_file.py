"""On SQLite the event log has a file of its own: ingestion never waits for a write transaction of the main file
(routing, the UI, the Track API), and a data dir from before the split is upgraded with every event kept."""

from __future__ import annotations

import sqlite3
import stat
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from sqlalchemy import select

from segcio.store import Database
from segcio.store.db import alembic_config
from segcio.store.tables.core import events
from segcio.store.tables.workspace import ws_events
from tests.conftest import Server, start_server

CLIENT_TIMEOUT = 10.0  # far above an acknowledgement's usual latency; the main file's lock is held for longer


def _track(name: str, n: int) -> list[dict[str, Any]]:
    return [
        {"type": "track", "userId": f"user-{i % 7}", "event": name, "messageId": str(uuid.uuid4())} for i in range(n)
    ]


def _post(server: Server, batch: list[dict[str, Any]]) -> httpx.Response:
    return httpx.post(
        server.url + "/v1/batch", json={"batch": batch}, auth=(server.write_key, ""), timeout=CLIENT_TIMEOUT
    )


def _wait_routed(server: Server) -> None:
    deadline = time.monotonic() + 120
    while httpx.get(server.url + "/healthz").json()["backlog"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert httpx.get(server.url + "/healthz").json()["backlog"] == 0


def test_ingestion_is_acknowledged_while_a_main_file_write_transaction_is_open(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    main = sqlite3.connect(data / "segcio.db", isolation_level=None)
    try:
        main.execute("BEGIN IMMEDIATE")  # the main file's write lock, as a long routing transaction holds it
        batch = _track("Locked Out", 20)
        response = _post(server, batch)
        assert response.status_code == 200, response.text
        # Durable in the log's own file, while the main file is still locked.
        log = sqlite3.connect(data / "segcio-events.db")
        ids = {row[0] for row in log.execute("SELECT message_id FROM events")}
        log.close()
        assert {message["messageId"] for message in batch} <= ids
        main.execute("ROLLBACK")
        _wait_routed(server)  # the router goes on once the lock is let go
    finally:
        main.close()
        server.stop()
    for name in ("segcio.db", "segcio-events.db"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name


def test_a_data_dir_from_before_the_log_file_is_upgraded_with_every_event_kept(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    try:
        before = _track("Before Upgrade", 300)
        assert _post(server, before).status_code == 200
        _wait_routed(server)
    finally:
        server.stop()
    url = f"sqlite:///{data / 'segcio.db'}"
    # The layout the code before the split wrote: the log's tables in the main file, no log file.
    command.downgrade(alembic_config(url), "0022_delivery_log_events")
    for suffix in ("", "-wal", "-shm"):
        (data / f"segcio-events.db{suffix}").unlink(missing_ok=True)
    old = sqlite3.connect(data / "segcio.db")
    seqs_before = [row[0] for row in old.execute("SELECT seq FROM events ORDER BY seq")]
    # The newest events gone (as retention may leave it): their seqs must still never be issued again.
    high_water = old.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()[0]
    old.execute("DELETE FROM events WHERE seq > ?", (seqs_before[-6],))
    old.commit()
    old.close()
    assert len(seqs_before) == 300

    server = start_server(data)  # upgrades the schema
    try:
        after = _track("After Upgrade", 100)
        assert _post(server, after).status_code == 200
        _wait_routed(server)
    finally:
        server.stop()

    main = sqlite3.connect(data / "segcio.db")
    assert main.execute("SELECT name FROM sqlite_master WHERE name IN ('events', 'rejected_events')").fetchall() == []
    main.close()
    db = Database(url)
    try:
        with db.connect() as conn:
            seqs = [int(s) for s in conn.execute(select(events.c.seq).order_by(events.c.seq)).scalars()]
            applied = {
                name: sorted(conn.execute(select(ws_events.c.event_id).where(ws_events.c.name == name)).scalars())
                for name in ("Before Upgrade", "After Upgrade")
            }
    finally:
        db.dispose()
    assert seqs[:295] == seqs_before[:295]
    assert min(seqs[295:]) > high_water  # no seq issued twice
    # Each applied once: the routers resumed from their cursors.
    assert applied["Before Upgrade"] == sorted(m["messageId"] for m in before)
    assert applied["After Upgrade"] == sorted(m["messageId"] for m in after)
