"""Partition leases: fair shares, renewal, takeover after a worker stops, fencing."""

from __future__ import annotations

from sqlalchemy import select

from segcio.bootstrap import ensure_defaults
from segcio.eventlog.partitions import PARTITIONS
from segcio.pipeline import leases
from segcio.pipeline.destination_config import set_enabled
from segcio.store import Database
from segcio.store.tables.routing import cursors

DESTS = [1, 2]
TOTAL = len(DESTS) * PARTITIONS


def owners(db: Database) -> dict[str | None, int]:
    with db.connect() as conn:
        rows = conn.execute(select(cursors.c.owner)).scalars().all()
    out: dict[str | None, int] = {}
    for owner in rows:
        out[owner] = out.get(owner, 0) + 1
    return out


def test_a_lone_worker_takes_every_partition(db: Database) -> None:
    with db.begin() as conn:
        leases.ensure_cursors(conn, DESTS)
        held = leases.rebalance(conn, "w1", DESTS, now=100.0)
    assert len(held) == TOTAL
    assert owners(db) == {"w1": TOTAL}


def test_three_workers_converge_to_fair_shares(db: Database) -> None:
    with db.begin() as conn:
        leases.ensure_cursors(conn, DESTS)
    now = 100.0
    for _ in range(3):  # a few rounds, as the workers' periodic rebalancing would do
        for worker in ("w1", "w2", "w3"):
            with db.begin() as conn:
                leases.rebalance(conn, worker, DESTS, now=now)
        now += 1
    counts = owners(db)
    assert sum(counts.values()) == TOTAL
    assert set(counts) == {"w1", "w2", "w3"}
    assert max(counts.values()) - min(counts.values()) <= 2


def test_partitions_of_a_dead_worker_are_taken_over_after_the_lease(db: Database) -> None:
    with db.begin() as conn:
        leases.ensure_cursors(conn, DESTS)
        leases.rebalance(conn, "dead", DESTS, now=100.0)
        # Before the lease runs out nothing can be taken.
        assert leases.rebalance(conn, "alive", DESTS, now=100.0 + leases.LEASE_SECONDS - 1) == set()
        taken = leases.rebalance(conn, "alive", DESTS, now=100.0 + leases.LEASE_SECONDS + 1)
    assert len(taken) == TOTAL


def test_fence_refuses_a_worker_whose_lease_was_taken(db: Database) -> None:
    ensure_defaults(db)  # destination 1, on
    with db.begin() as conn:
        leases.ensure_cursors(conn, [1])
        leases.rebalance(conn, "old", [1], now=100.0)
        assert len(leases.fence(conn, "old", 1, now=101.0)) == PARTITIONS
        leases.rebalance(conn, "new", [1], now=200.0)  # the old worker stalled past its lease
        assert leases.fence(conn, "old", 1, now=200.5) == {}
        assert len(leases.fence(conn, "new", 1, now=200.5)) == PARTITIONS


def test_advance_moves_only_the_given_partitions(db: Database) -> None:
    ensure_defaults(db)
    with db.begin() as conn:
        leases.ensure_cursors(conn, [1])
        leases.rebalance(conn, "w", [1], now=100.0)
        leases.advance(conn, 1, {3: 42, 7: 9})
        positions = leases.fence(conn, "w", 1, now=101.0)
    assert positions[3] == 42 and positions[7] == 9 and positions[0] == 0


def test_fence_refuses_a_destination_turned_off_and_advance_never_moves_back(db: Database) -> None:
    ensure_defaults(db)
    with db.begin() as conn:
        leases.rebalance(conn, "w", [1], now=100.0)
        leases.advance(conn, 1, {0: 50})
        leases.advance(conn, 1, {0: 40})  # a batch read before the destination was moved to the end
        assert leases.fence(conn, "w", 1, now=101.0)[0] == 50
        set_enabled(conn, 1, False)
        assert leases.fence(conn, "w", 1, now=101.5) == {}
