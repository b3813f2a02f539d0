"""Dedupe of (source, messageId): across restarts, within the window and its memory bound, one appender per
SQLite database."""

from __future__ import annotations

import subprocess
import sys
from array import array
from pathlib import Path

import pytest

from segcio.eventlog.dedupe import GENERATIONS, RecentMessageIds, message_key
from segcio.ingest.service import IngestService
from segcio.store import open_database
from tests.ingest.conftest import make_ingest
from tests.ingest.test_tracking_api import identify


def keys(*ids: str) -> array[int]:
    return array("q", [message_key(1, i) for i in ids])


def test_an_id_is_remembered_for_the_window_then_forgotten() -> None:
    recent = RecentMessageIds(window_seconds=60, capacity=100)
    recent.remember(keys("a"), stored_at=1000.0)
    recent.remember(keys("b"), stored_at=1030.0)
    assert message_key(1, "a") in recent and message_key(1, "b") in recent
    assert message_key(2, "a") not in recent  # another source's id is another message
    recent.remember(array("q"), stored_at=1061.0)
    assert message_key(1, "a") not in recent and message_key(1, "b") in recent
    assert recent.forgotten_at is None  # expired by age, not for lack of room


def test_the_memory_bound_forgets_the_oldest_first_and_says_so() -> None:
    recent = RecentMessageIds(window_seconds=3600, capacity=3)
    recent.remember(keys("a", "b"), stored_at=10.0)
    recent.remember(keys("c", "d"), stored_at=20.0)
    assert len(recent) == 2
    assert message_key(1, "a") not in recent and message_key(1, "d") in recent
    assert recent.forgotten_at == 10.0
    assert recent.effective_window(now=25.0) == 15.0  # what /metrics reports as the window actually kept


def test_under_steady_ingestion_the_memory_holds_at_most_its_capacity_in_a_few_sets() -> None:
    recent = RecentMessageIds(window_seconds=3600, capacity=800)
    for commit in range(100):  # 10,000 ids, 100 per commit
        recent.remember(array("q", range(commit * 100, commit * 100 + 100)), stored_at=float(commit))
        assert len(recent) <= 800
        assert len(recent.generations) <= GENERATIONS + 1
    assert all(key in recent for key in (9_200, 9_999))  # the newest 800 are kept
    assert not any(key in recent for key in (0, 9_199))  # the oldest went, a whole set at a time
    assert recent.forgotten_at is not None and recent.effective_window(now=100.0) < 3600


def test_an_id_is_forgotten_at_most_an_eighth_of_the_window_late() -> None:
    recent = RecentMessageIds(window_seconds=80, capacity=1000)
    recent.remember(keys("a"), stored_at=0.0)
    recent.remember(keys("b"), stored_at=9.0)  # within an eighth of the window: the set of "a"
    recent.expire(now=85.0)
    assert message_key(1, "a") in recent  # 85 s old, kept with "b"
    recent.expire(now=89.5)
    assert message_key(1, "a") not in recent and message_key(1, "b") not in recent


def test_a_message_resent_after_a_restart_is_still_stored_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'segcio.db'}"
    for _ in range(2):  # the second server rebuilds its memory from the log
        for ingest in make_ingest(url, tmp_path):
            assert ingest.post("/v1/batch", {"batch": [identify("a", messageId="m-1")]}).status_code == 200
            stored = ingest.stored()
            counters = ingest.counters()
    assert [m["messageId"] for m in stored] == ["m-1"]
    assert counters["source:1/accepted"] == 1 and counters["source:1/deduplicated"] == 1


def test_an_id_older_than_the_window_is_accepted_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'segcio.db'}"
    for ingest in make_ingest(url, tmp_path, dedupe_window_seconds=0):
        ingest.post("/v1/batch", {"batch": [identify("a", messageId="m-1")]})
        ingest.post("/v1/batch", {"batch": [identify("a", messageId="m-1")]})
        assert [m["messageId"] for m in ingest.stored()] == ["m-1", "m-1"]


def test_a_second_appender_on_one_sqlite_database_is_refused(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'segcio.db'}")
    first, second = IngestService(db), IngestService(db)
    first.start()
    try:
        with pytest.raises(RuntimeError, match="Another segcio process is already ingesting"):
            second.start()
    finally:
        first.stop()
    second.start()  # free again once the first one stopped
    second.stop()


def test_serve_refuses_several_processes_on_sqlite(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "segcio", "serve", "--processes", "2", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "several server processes need PostgreSQL" in result.stderr
