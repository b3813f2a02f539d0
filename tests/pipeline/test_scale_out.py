"""Three `segcio worker` processes on PostgreSQL, one killed mid-run: every event applied once, in order per person."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select

from segcio import jsonutil
from segcio.bootstrap import ensure_defaults
from segcio.ingest.service import IngestService
from segcio.pipeline.backlog import event_backlog
from segcio.store import open_database
from segcio.store.counters import read
from segcio.store.tables.workspace import ws_events, ws_people
from tests.conftest import run_coroutine, start_worker

USERS = 60
EVENTS_PER_USER = 40


def _ingest(url: str) -> None:
    db = open_database(url)
    ensure_defaults(db)
    service = IngestService(db)
    service.start()
    try:
        for round_ in range(EVENTS_PER_USER):
            batch = [
                {
                    "type": "track",
                    "userId": f"user-{u}",
                    "event": "Step",
                    "properties": {"n": round_},
                    "messageId": str(uuid.uuid4()),
                }
                for u in range(USERS)
            ]
            request = service.prepare(1, {"batch": batch}, batch=True, route_type=None, peer_ip=None)
            run_coroutine(service.write(request))
    finally:
        service.stop()
        db.dispose()


def test_three_workers_one_killed_every_event_applied_once_in_order(postgres_url: str, tmp_path: Path) -> None:
    _ingest(postgres_url)
    db = open_database(postgres_url)
    workers = {name: start_worker(postgres_url, name, tmp_path / f"{name}.log") for name in ("w1", "w2", "w3")}
    try:
        deadline = time.monotonic() + 120
        killed = False
        while time.monotonic() < deadline:
            with db.connect() as conn:
                backlog = event_backlog(conn)
            if not killed and backlog < USERS * EVENTS_PER_USER * 0.8:
                os.kill(workers["w2"].pid, signal.SIGKILL)  # mid-run, holding leases it will never release
                killed = True
            if killed and backlog == 0:
                break
            time.sleep(0.2)
        assert killed and backlog == 0, (
            f"backlog left: {backlog}; logs: {[p.read_text() for p in tmp_path.glob('*.log')]}"
        )
    finally:
        for process in workers.values():
            process.terminate()
        for process in workers.values():
            process.wait(timeout=30)

    with db.connect() as conn:
        rows = conn.execute(
            select(ws_people.c.ext_id, ws_events.c.data)
            .join(ws_people, ws_people.c.id == ws_events.c.person_id)
            .where(ws_events.c.name == "Step")
            .order_by(ws_events.c.id)
        ).all()
        delivered = read(conn, "destination:1").get(("destination:1", "delivered"), 0)
    steps: dict[str, list[int]] = defaultdict(list)
    for person, data in rows:
        steps[person].append(jsonutil.loads(data)["n"])
    assert len(steps) == USERS
    for person, ns in steps.items():
        assert ns == list(range(EVENTS_PER_USER)), f"{person}: {ns}"  # once each, in order
    assert delivered == USERS * EVENTS_PER_USER  # no event routed twice
    db.dispose()
