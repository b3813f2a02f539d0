"""Ingestion answers 429 while the undelivered backlog is over `max_backlog`, and stores nothing of that request."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Connection

from segcio.pipeline import backlog as backlog_module
from segcio.pipeline.backlog import Backpressure
from segcio.store import open_database
from tests.conftest import run_coroutine
from tests.ingest.conftest import make_ingest
from tests.ingest.test_tracking_api import identify


def test_a_backlog_over_its_bound_gets_429_with_retry_after(tmp_path: Path) -> None:
    for ingest in make_ingest(f"sqlite:///{tmp_path / 'segcio.db'}", tmp_path, max_backlog=2):
        assert ingest.post("/v1/batch", {"batch": [identify("a"), identify("b"), identify("c")]}).status_code == 200
        assert ingest.runtime.backlog.refresh() == 3  # no destination has routed them yet
        response = ingest.post("/v1/batch", {"batch": [identify("d")]})
        assert response.status_code == 429
        assert response.json()["code"] == "too_many_requests"
        assert int(response.headers["Retry-After"]) > 0
        assert [m["userId"] for m in ingest.stored()] == ["a", "b", "c"]


def test_stop_waits_for_the_count_in_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A count cancelled mid-way would go on in its thread and return its connection to a pool already closed
    (on PostgreSQL that connection then stays open)."""
    db = open_database(f"sqlite:///{tmp_path / 'segcio.db'}")
    counting = threading.Event()
    finished: list[float] = []

    def slow_backlog(conn: Connection) -> int:
        counting.set()
        time.sleep(0.3)
        finished.append(time.monotonic())
        return 0

    monkeypatch.setattr(backlog_module, "event_backlog", slow_backlog)

    async def run() -> float:
        backpressure = Backpressure(db, max_backlog=10)
        backpressure.start()
        await asyncio.to_thread(counting.wait, 5)
        await backpressure.stop()
        return time.monotonic()

    try:
        stopped_at = run_coroutine(run())
        assert finished and finished[0] <= stopped_at
    finally:
        db.dispose()
