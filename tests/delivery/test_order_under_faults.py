"""Mixed batched and single requests under random faults: nothing lost, order kept, duplicates only when
unavoidable (and then identical)."""

from __future__ import annotations

import random

import pytest

from segcio.delivery.outbox import backlog
from segcio.store import Database
from tests.delivery.conftest import DEST, drain, entity, queue, v1
from tests.delivery.invariants import check_duplicates, check_order, item_key
from tests.delivery.standin import Fault, StandIn

# Hangs outlast the client's timeout; they are rarer because each costs a timeout of waiting.
FAULTS = [Fault("500"), Fault("503"), Fault("429", 0.01), Fault("reset")] * 2 + [Fault("hang", 5.0)]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_faults_over_mixed_requests(db: Database, standin: StandIn, seed: int) -> None:
    rng = random.Random(seed)
    standin.plan(*(rng.choice(FAULTS) if rng.random() < 0.3 else Fault("ok") for _ in range(400)))
    expected = set()
    for n in range(20):
        for p in range(6):
            person = f"u{p}"
            if rng.random() < 0.3:
                # a single (non-batched) request of the same person, in the same sequence
                body = {"identifiers": {"id": person}, "attributes": {"n": n}, "id": f"{person}-{n}"}
                queue(db, person, [v1(standin.url, "POST", "/api/v1/metrics", body)])
            else:
                queue(db, person, [entity(standin.url, person, n, pad=200)])
            expected.add((person, n))
    # (a timeout generous enough that only the planned hangs time out, even on a loaded machine)
    drain(db, {"requestTimeout": 2.5, "maxBatchBytes": 4_000, "concurrency": 4}, timeout=300)
    assert {item_key(item) for _, item in standin.processed_items()} == expected
    assert backlog(db, DEST).pending == 0 and backlog(db, DEST).dead_letters == 0
    check_order(standin)
    check_duplicates(standin)
