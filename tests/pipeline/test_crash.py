"""kill -9 during sustained ingestion and delivery, restart: every acknowledged event is applied exactly once."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import func, select

from segcio.store import Database
from segcio.store.counters import read
from segcio.store.tables.core import events
from segcio.store.tables.workspace import ws_events
from tests.conftest import start_server


def _send_until_refused(url: str, write_key: str, acknowledged: list[str], stop: threading.Event) -> None:
    client = httpx.Client(base_url=url, auth=(write_key, ""), timeout=10)
    n = 0
    while not stop.is_set():
        ids = [str(uuid.uuid4()) for _ in range(50)]
        batch = [
            {
                "type": "track",
                "userId": f"user-{(n + i) % 37}",
                "event": "Crash Test",
                "messageId": mid,
                "properties": {"n": n + i},
            }
            for i, mid in enumerate(ids)
        ]
        n += len(batch)
        try:
            response = client.post("/v1/batch", json={"batch": batch})
        except httpx.HTTPError:
            return  # the server is gone: this batch was not acknowledged
        if response.status_code == 200:
            acknowledged.extend(ids)


def test_kill_9_then_restart_applies_every_acknowledged_event_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    acknowledged: list[str] = []
    stop = threading.Event()
    sender = threading.Thread(target=_send_until_refused, args=(server.url, server.write_key, acknowledged, stop))
    sender.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 3000 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill_9_all()  # every process, mid-ingestion and mid-delivery
    stop.set()
    sender.join()
    assert len(acknowledged) >= 3000

    restarted = start_server(data)
    try:
        deadline = time.monotonic() + 120
        while httpx.get(restarted.url + "/healthz").json()["backlog"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert httpx.get(restarted.url + "/healthz").json()["backlog"] == 0
    finally:
        restarted.stop()

    db = Database(f"sqlite:///{data / 'segcio.db'}")
    with db.connect() as conn:
        applied = Counter(conn.execute(select(ws_events.c.event_id).where(ws_events.c.name == "Crash Test")).scalars())
        logged = conn.execute(select(func.count()).select_from(events)).scalar_one()
        delivered = read(conn, "destination:1")[("destination:1", "delivered")]
    db.dispose()
    missing = [m for m in acknowledged if applied[m] != 1]
    assert missing == [], f"{len(missing)} acknowledged events not applied exactly once"
    assert max(applied.values()) == 1
    assert delivered == logged  # every stored event routed once, none twice
