"""The group-commit writer: the WAL checkpointed beside it and kept bounded, and its work visible in /metrics."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

from segcio.store.checkpoint import WalCheckpointer
from tests.ingest.conftest import Ingest
from tests.ingest.test_tracking_api import identify

PAGE = 4096


def test_a_writer_that_never_pauses_keeps_its_wal_bounded(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # as the event log's connection: only the checkpointer copies
    writer.execute("CREATE TABLE log (body TEXT)")
    checkpointer = WalCheckpointer(str(path), catch_up_pages=64)
    checkpointer.start()
    try:
        for _ in range(300):  # about 3,300 pages in all, a commit every few milliseconds
            writer.execute("BEGIN IMMEDIATE")
            writer.executemany("INSERT INTO log VALUES (?)", [("x" * 2000,)] * 20)
            writer.execute("COMMIT")
            checkpointer.committed(writer)
    finally:
        checkpointer.stop()
    # The file keeps the largest extent the WAL reached; without the writer's catch-up it would hold every
    # commit (about 3,300 pages). The bound is passed by what the writer commits before the thread reports.
    wal_pages = (path.parent / "log.db-wal").stat().st_size // (PAGE + 24)
    assert wal_pages < 400
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT count(*) FROM log").fetchone() == (6000,)


def test_ingested_events_reach_the_database_file_through_the_checkpoint_thread(
    ingest_sqlite: Ingest, tmp_path: Path
) -> None:
    batch = [identify(f"user-{i}", traits={"bio": "x" * 1000}) for i in range(100)]
    for _ in range(20):
        assert ingest_sqlite.post("/v1/batch", {"batch": batch}).status_code == 200
    database = Path(str(ingest_sqlite.runtime.db.eventlog_path))
    # The writer's connection never checkpoints; only the thread moves the 2 MB of events out of the WAL.
    deadline = time.monotonic() + 10
    while database.stat().st_size < 2_000_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert database.stat().st_size >= 2_000_000
    assert len(ingest_sqlite.stored()) == 2000


def metric_sums(text: str) -> dict[str, float]:
    pattern = r'^(segcio_ingest_(?:writer_seconds|group_events)_(?:sum|count))(?:\{phase="(\w+)"\})? (\S+)$'
    return {f"{name}:{phase}": float(value) for name, phase, value in re.findall(pattern, text, re.M)}


def test_metrics_show_each_group_commit_and_where_the_writer_spent_it(ingest: Ingest) -> None:
    admin = {"Authorization": f"Bearer {ingest.runtime.defaults.admin_token}"}
    before = metric_sums(ingest.client.get("/metrics", headers=admin).text)
    assert ingest.post("/v1/batch", {"batch": [identify("a"), identify("b"), identify("c")]}).status_code == 200
    after = metric_sums(ingest.client.get("/metrics", headers=admin).text)
    delta = {key: after[key] - before.get(key, 0.0) for key in after}
    assert delta["segcio_ingest_group_events_count:"] == 1
    assert delta["segcio_ingest_group_events_sum:"] == 3
    for phase in ("insert", "commit", "checkpoint"):
        assert delta[f"segcio_ingest_writer_seconds_count:{phase}"] == 1
    assert delta["segcio_ingest_writer_seconds_sum:commit"] > 0
