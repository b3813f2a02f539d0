"""Event log retention: old events go once every enabled destination has routed them; old rejections go."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text, update

from segcio.app import create_app
from segcio.bootstrap import ensure_defaults
from segcio.config import Settings, load_config
from segcio.eventlog import writes as eventlog
from segcio.pipeline import retention
from segcio.pipeline.leases import advance, ensure_cursors
from segcio.pipeline.retention import Pruner, prune
from segcio.store import Database, open_database
from segcio.store.tables.core import destinations, rejected_events
from segcio.store.tables.workspace import ws_events
from tests.pipeline.log_helpers import append_events, logged_seqs

NOW = 1_800_000_000.0
DAY = 86400.0
WEEK = 7 * DAY


def test_old_routed_events_go_old_unrouted_and_recent_ones_stay(db: Database) -> None:
    ensure_defaults(db)
    old, recent = NOW - 10 * DAY, NOW - DAY
    seqs = append_events(db, [(0, old), (1, old), (0, old), (1, old), (0, recent), (1, recent)])
    with db.begin() as conn:
        ensure_cursors(conn, [1])
        # Partition 0 is routed to its end; partition 1 only up to its first event.
        advance(conn, 1, {0: seqs[4], 1: seqs[1]})

    result = prune(db, WEEK, now=NOW)

    assert result.events == 3  # seqs[0], seqs[2] (partition 0) and seqs[1] (routed in partition 1)
    assert logged_seqs(db) == [seqs[3], seqs[4], seqs[5]]
    assert result.resume_after is None


def test_with_no_destination_enabled_age_alone_decides(db: Database) -> None:
    ensure_defaults(db)
    with db.begin() as conn:
        conn.execute(update(destinations).values(enabled=False))
    seqs = append_events(db, [(3, NOW - 9 * DAY), (4, NOW - 8 * DAY), (3, NOW - 2 * DAY)])
    assert prune(db, WEEK, now=NOW).events == 2
    assert logged_seqs(db) == [seqs[2]]


def test_a_long_sweep_is_split_into_passes_that_resume(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention, "CHUNK", 2)
    monkeypatch.setattr(retention, "CHUNKS_PER_PASS", 2)
    ensure_defaults(db)
    with db.begin() as conn:
        conn.execute(update(destinations).values(enabled=False))
    seqs = append_events(db, [(0, NOW - 30 * DAY)] * 9 + [(0, NOW)])

    first = prune(db, WEEK, now=NOW)
    assert first.events == 4 and first.resume_after == seqs[3]
    second = prune(db, WEEK, now=NOW, start_after=first.resume_after)
    assert second.events == 4 and second.resume_after == seqs[7]
    third = prune(db, WEEK, now=NOW, start_after=second.resume_after)
    assert third.events == 1 and third.resume_after is None
    assert logged_seqs(db) == [seqs[9]]


def test_old_rejections_go(db: Database) -> None:
    ensure_defaults(db)
    with eventlog.transaction(db) as conn:
        conn.execute(
            insert(rejected_events),
            [
                {"source_id": 1, "received_at": at, "code": "missing_event", "reason": "r", "body": "{}"}
                for at in (NOW - 8 * DAY, NOW - 9 * DAY, NOW - 3 * DAY)
            ],
        )
    assert prune(db, WEEK, now=NOW).rejected == 2
    with db.connect() as conn:
        assert conn.execute(select(rejected_events.c.received_at)).scalars().all() == [NOW - 3 * DAY]


def test_the_pruner_runs_a_pass_per_interval_and_sooner_while_chunks_are_full(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "CHUNK", 2)
    monkeypatch.setattr(retention, "CHUNKS_PER_PASS", 1)
    ensure_defaults(db)
    with db.begin() as conn:
        conn.execute(update(destinations).values(enabled=False))
    append_events(db, [(0, 1.0)] * 5)  # received long ago: older than any retention
    pruner = Pruner(db, WEEK)

    first = pruner.maybe_prune(now=100.0)
    assert first is not None and first.events == 2
    assert pruner.maybe_prune(now=100.5) is None  # the next pass is due SOON (1 s) after a full chunk
    second = pruner.maybe_prune(now=101.0)
    assert second is not None and second.events == 2
    pruner.maybe_prune(now=102.0)
    assert logged_seqs(db) == []
    assert pruner.maybe_prune(now=103.0) is None  # nothing more: the next pass comes an INTERVAL later
    assert pruner.maybe_prune(now=102.0 + Pruner.INTERVAL) is not None


def test_retention_is_never_shorter_than_the_dedupe_window() -> None:
    def keep(hours: int, window: int) -> float | None:
        return Settings(event_log_retention_hours=hours, dedupe_window_seconds=window).event_log_keep_seconds

    assert keep(0, 86400) is None
    assert keep(1, 86400) == 86400
    assert keep(48, 86400) == 48 * 3600


def test_on_postgresql_one_worker_prunes_at_a_time(postgres_url: str) -> None:
    db = open_database(postgres_url)
    try:
        ensure_defaults(db)
        with db.begin() as conn:
            conn.execute(update(destinations).values(enabled=False))
        append_events(db, [(0, NOW - 30 * DAY)] * 3)
        with db.begin() as other:  # another worker in the middle of a pass
            other.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": retention.PRUNE_LOCK_KEY})
            assert prune(db, WEEK, now=NOW).events == 0
        assert prune(db, WEEK, now=NOW).events == 3
    finally:
        db.dispose()


def test_the_pruner_expires_anonymous_events_hourly_even_without_log_retention(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "CHUNK", 2)  # several transactions for one workspace
    defaults = ensure_defaults(db)
    with db.begin() as conn:
        conn.execute(
            insert(ws_events),
            [
                {
                    "workspace_id": defaults.workspace_id,
                    "person_id": None,
                    "anonymous_id": "a1",
                    "event_id": f"e{i}",
                    "type": "event",
                    "name": "old",
                    "timestamp": 1.0,
                    "received_at": 1.0,  # far past any anonymous_retention_days
                    "data": "{}",
                    "bucket": 0,
                }
                for i in range(5)
            ],
        )
    pruner = Pruner(db, None)  # event log kept forever
    assert pruner.maybe_prune(now=10.0) is None
    with db.connect() as conn:
        assert conn.execute(select(ws_events.c.id)).all() == []
    with db.begin() as conn:
        conn.execute(
            insert(ws_events).values(
                workspace_id=defaults.workspace_id,
                anonymous_id="a2",
                event_id="x",
                type="event",
                name="old",
                timestamp=1.0,
                received_at=1.0,
                data="{}",
            )
        )
    pruner.maybe_prune(now=20.0)  # within the hour: not yet
    with db.connect() as conn:
        assert len(conn.execute(select(ws_events.c.id)).all()) == 1
    pruner.maybe_prune(now=10.0 + Pruner.ANONYMOUS_INTERVAL)
    with db.connect() as conn:
        assert conn.execute(select(ws_events.c.id)).all() == []


@pytest.mark.parametrize(("hours", "kept"), [("48", 48 * 3600.0), ("0", None)])
def test_serve_prunes_with_the_configured_retention(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hours: str, kept: float | None
) -> None:
    monkeypatch.setenv("SEGCIO_EVENT_LOG_RETENTION_HOURS", hours)
    app = create_app(load_config(None, data_dir=tmp_path))
    with TestClient(app):
        assert app.state.services.router.pruner.keep_seconds == kept
