"""How the router reads the log: the next events of each held partition, other sources' events passed over."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from segcio.bootstrap import ensure_defaults
from segcio.ingest.service import IngestService
from segcio.pipeline import router as router_module
from segcio.pipeline.router import Router
from segcio.store import Database, open_database
from segcio.store.tables.core import events, sources
from segcio.store.tables.routing import cursors
from segcio.store.tables.workspace import ws_events, ws_people
from tests.conftest import run_coroutine


def _ingest(db: Database, source_id: int, user_ids: list[str]) -> None:
    service = IngestService(db)
    service.start()
    try:
        batch = [
            {"type": "identify", "userId": user, "traits": {"plan": "pro"}, "messageId": str(uuid.uuid4())}
            for user in user_ids
        ]
        run_coroutine(
            service.write(service.prepare(source_id, {"batch": batch}, batch=True, route_type=None, peer_ip=None))
        )
    finally:
        service.stop()


def _fixed_batch(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Every routing transaction reads `size` events (the adaptive size neither grows nor shrinks)."""
    for name in ("READ_LIMIT", "MIN_READ_LIMIT", "MAX_READ_LIMIT"):
        monkeypatch.setattr(router_module, name, size)


def _route_until_idle(router: Router) -> None:
    for _ in range(1000):
        if not router.step():
            return
    raise AssertionError("the router never went idle")


def test_events_of_other_sources_are_passed_over_and_the_cursors_move_past_them(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fixed_batch(monkeypatch, 5)
    ensure_defaults(db)  # source 1 and its local destination
    with db.begin() as conn:
        other = conn.execute(
            insert(sources).values(name="other", write_key="other-key", created_at=0.0)
        ).inserted_primary_key[0]
    # Whole reads hold nothing for source 1's destination before its own events come.
    _ingest(db, other, [f"other-{i}" for i in range(23)])
    _ingest(db, 1, ["mine-1", "mine-2", "mine-3"])

    _route_until_idle(Router(db))

    with db.connect() as conn:
        people = {row.ext_id for row in conn.execute(select(ws_people.c.ext_id))}
        last_by_partition: dict[int, int] = {}
        for row in conn.execute(select(events.c.partition, events.c.seq)):
            last_by_partition[row.partition] = max(last_by_partition.get(row.partition, 0), int(row.seq))
        positions = {
            row.partition: int(row.position)
            for row in conn.execute(
                select(cursors.c.partition, cursors.c.position).where(cursors.c.destination_id == 1)
            )
        }
    assert people == {"mine-1", "mine-2", "mine-3"}
    # Every partition moves to the last seq read, events or not: they share one position afterwards.
    assert set(positions.values()) == {max(last_by_partition.values())}


def test_a_partition_with_a_long_backlog_does_not_delay_the_others_reads(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each read takes the lowest seqs past each partition's own position: a partition far behind is read from
    its position while the others continue from theirs."""
    _fixed_batch(monkeypatch, 4)
    ensure_defaults(db)
    _ingest(db, 1, [f"user-{i}" for i in range(40)])
    router = Router(db)
    router.step()  # creates the cursors and takes every partition
    with db.begin() as conn:
        seqs = sorted(int(s) for (s,) in conn.execute(select(events.c.seq)))
        # Every partition is done except the one of the very first event.
        first_partition = conn.execute(select(events.c.partition).where(events.c.seq == seqs[0])).scalar_one()
        conn.execute(cursors.update().where(cursors.c.destination_id == 1).values(position=seqs[-1]))
        conn.execute(
            cursors.update()
            .where(cursors.c.destination_id == 1, cursors.c.partition == first_partition)
            .values(position=0)
        )
        positions = {
            row.partition: int(row.position)
            for row in conn.execute(
                select(cursors.c.partition, cursors.c.position).where(cursors.c.destination_id == 1)
            )
        }
        destination = router.destinations[0]
        batch, _, read_up_to = router._read(conn, destination, positions, 4)
        expected = [
            int(s)
            for (s,) in conn.execute(
                select(events.c.seq).where(events.c.partition == first_partition).order_by(events.c.seq).limit(4)
            )
        ]
    assert [item.seq for item in batch] == expected
    # Each held partition may move up to the last seq read (the others are past it already: moving is forward only).
    assert read_up_to == dict.fromkeys(positions, expected[-1])


def test_sqlite_reads_from_the_partition_index_without_gathering_the_backlog(tmp_path: Path) -> None:
    """One "partition = p AND seq > x OR ..." condition made SQLite collect and sort the row ids of the whole
    backlog (a MULTI-INDEX OR) for every read of 250 events."""
    db = open_database(f"sqlite:///{tmp_path / 'segcio.db'}")
    try:
        ensure_defaults(db)
        _ingest(db, 1, [f"user-{i}" for i in range(10)])
        router = Router(db)
        router.step()
        with db.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            statements: list[str] = []
            raw.set_trace_callback(statements.append)
            used = {int(p) for (p,) in conn.execute(select(events.c.partition))}
            idle = next(p for p in range(64) if p not in used)
            positions = {p: 0 for p in range(64)} | {idle: 1}  # positions apart: the read per partition
            batch, _, _ = router._read(conn, router.destinations[0], positions, router_module.READ_LIMIT)
            raw.set_trace_callback(None)
            read = next(s for s in statements if "UNION ALL" in s)
            plan = [str(row[-1]) for row in raw.execute(f"EXPLAIN QUERY PLAN {read}")]
        assert len(batch) == 10
        assert not any("MULTI-INDEX OR" in step for step in plan), plan
        assert not any(step.startswith("SCAN events") for step in plan), plan
        assert sum("USING COVERING INDEX ix_events_partition_seq" in step for step in plan) == 64, plan
    finally:
        db.dispose()


def test_partitions_at_one_position_are_read_as_one_range_of_the_log(tmp_path: Path) -> None:
    """After a batch every held partition shares the last seq read, so the next read is one range of the seq
    order (the row id), not a look into each partition's index."""
    db = open_database(f"sqlite:///{tmp_path / 'segcio.db'}")
    try:
        ensure_defaults(db)
        _ingest(db, 1, [f"user-{i}" for i in range(30)])
        router = Router(db)
        router.step()
        _ingest(db, 1, [f"later-{i}" for i in range(7)])
        with db.connect() as conn:
            positions = {
                row.partition: int(row.position)
                for row in conn.execute(
                    select(cursors.c.partition, cursors.c.position).where(cursors.c.destination_id == 1)
                )
            }
            raw = conn.connection.driver_connection
            assert raw is not None
            statements: list[str] = []
            raw.set_trace_callback(statements.append)
            batch, _, _ = router._read(conn, router.destinations[0], positions, router_module.READ_LIMIT)
            raw.set_trace_callback(None)
            read = next(s for s in statements if "FROM events" in s)
            plan = [str(row[-1]) for row in raw.execute(f"EXPLAIN QUERY PLAN {read}")]
        assert len(set(positions.values())) == 1 and len(positions) == 64
        assert sorted(item.seq for item in batch) == [item.seq for item in batch] and len(batch) == 7
        assert plan == ["SEARCH events USING INTEGER PRIMARY KEY (rowid>?)"], plan
    finally:
        db.dispose()


def test_the_batch_grows_while_transactions_stay_under_the_budget_and_shrinks_past_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(router_module, "READ_LIMIT", 250)
    budget = router_module.TRANSACTION_BUDGET_SECONDS
    size = router_module.BatchSize()
    size.observe(250, budget / 4)
    assert size.limit == 500
    size.observe(100, budget / 4)  # a partial batch says nothing about a full one
    assert size.limit == 500
    for _ in range(10):
        size.observe(size.limit, budget / 4)
    assert size.limit == router_module.MAX_READ_LIMIT
    size.observe(size.limit, budget * 2)
    assert size.limit == router_module.MAX_READ_LIMIT // 2
    size.observe(size.limit, budget * 0.75)  # between half the budget and the budget: kept
    assert size.limit == router_module.MAX_READ_LIMIT // 2
    for _ in range(10):
        size.observe(size.limit, budget * 2)
    assert size.limit == router_module.MIN_READ_LIMIT


def test_batches_grown_to_the_largest_size_route_every_event_in_order(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every transaction under the budget: the batch grows to MAX_READ_LIMIT, and every event is still applied
    once, each person's in the order they were sent."""
    monkeypatch.setattr(router_module, "TRANSACTION_BUDGET_SECONDS", 3600.0)
    ensure_defaults(db)
    people, rounds = 20, 200  # 4,000 events: more than MAX_READ_LIMIT and the batches before it
    service = IngestService(db)
    service.start()
    try:
        for r in range(rounds):
            batch = [
                {
                    "type": "track",
                    "userId": f"user-{p}",
                    "event": "Step",
                    "properties": {"round": r},
                    "messageId": str(uuid.uuid4()),
                }
                for p in range(people)
            ]
            prepared = service.prepare(1, {"batch": batch}, batch=True, route_type=None, peer_ip=None)
            run_coroutine(service.write(prepared))
    finally:
        service.stop()
    router = Router(db)
    _route_until_idle(router)

    assert router.batch.limit == router_module.MAX_READ_LIMIT
    with db.connect() as conn:
        ids = {row.id: row.ext_id for row in conn.execute(select(ws_people.c.id, ws_people.c.ext_id))}
        rounds_by_person: dict[str, list[int]] = {}
        seqs_by_person: dict[str, list[int]] = {}
        for row in conn.execute(
            select(ws_events.c.person_id, ws_events.c.data, ws_events.c.event_seq).order_by(ws_events.c.id)
        ):
            person = ids[row.person_id]
            rounds_by_person.setdefault(person, []).append(json.loads(row.data)["round"])
            seqs_by_person.setdefault(person, []).append(int(row.event_seq))
    assert set(rounds_by_person) == {f"user-{p}" for p in range(people)}
    for person, seen in rounds_by_person.items():
        assert seen == list(range(rounds)), f"{person}: {seen[:10]}..."
        assert seqs_by_person[person] == sorted(seqs_by_person[person])
