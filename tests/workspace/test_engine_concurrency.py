"""Concurrent apply() calls on one workspace (several workers sharing a database) keep identifiers unique."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from segcio.store import Database
from segcio.workspace.engine import Workspace
from tests.workspace.engine_helpers import by_id, event, everyone, new_workspace


def test_concurrent_batches_creating_the_same_people(db: Database) -> None:
    ws = new_workspace(db)

    def worker(seed: int) -> int:
        rng = random.Random(seed)
        engine = Workspace(db, ws.workspace_id)
        applied = 0
        for _ in range(8):
            people = rng.sample(range(30), 10)
            ops = [by_id(f"u{n}", email=f"u{n}@example.com", seen=seed) for n in people]
            ops += [event({"id": f"u{n}"}, id=f"e{seed}-{applied}-{n}") for n in people]
            results = engine.apply(ops)
            assert all(r.ok for r in results), [r for r in results if not r.ok]
            applied += 1
        return applied

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(worker, range(4))) == [8, 8, 8, 8]
    people = everyone(ws)
    assert len({p.id for p in people}) == len(people)
    assert all(p.email == f"{p.id}@example.com" for p in people)
