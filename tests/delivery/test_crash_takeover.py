"""kill -9 of a `segcio serve` in the middle of a delivery round to a remote target: another process takes the
dead sender's work over within the routing lease time, every person's events still arrive in order, and the
only request sent again is the one left without an answer."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from segcio import jsonutil
from segcio.bootstrap import ensure_defaults
from segcio.delivery.outbox import backlog
from segcio.pipeline.destination_config import set_target
from segcio.pipeline.leases import LEASE_SECONDS
from segcio.store import Database, open_database
from segcio.store.tables.core import destinations
from segcio.store.tables.delivery import delivery_leases
from tests.conftest import Server, start_server, start_worker
from tests.delivery.conftest import KEY, SITE
from tests.delivery.invariants import check_duplicates, check_order, item_key
from tests.delivery.standin import Fault, StandIn

PEOPLE = 40
PER_PERSON = 6
# Small batches make rounds of several requests (each person's items go into one request per round). After the
# first few requests every request hangs (answered long after the client's timeout), so the round that meets
# them is in flight at the kill, with some of its requests answered and the others not.
DELIVERY = {"maxBatchBytes": 2_500, "concurrency": 4, "requestTimeout": 300, "rateLimit": 1000}
ANSWERED = 4


def _point_at(db: Database, standin: StandIn) -> None:
    defaults = ensure_defaults(db)
    with db.begin() as conn:
        [target] = set_target(conn, defaults, "remote", site_id=SITE, api_key=KEY, base_url=standin.url)
        raw = conn.execute(sa.select(destinations.c.settings).where(destinations.c.id == target["id"])).scalar_one()
        settings = {**jsonutil.loads(raw), **DELIVERY}
        conn.execute(
            destinations.update().where(destinations.c.id == target["id"]).values(settings=jsonutil.dumps(settings))
        )


def _step(person: str, n: int) -> dict[str, object]:
    # The message id is the event id Customer.io drops repeats by (and `check_duplicates` expects).
    return {"type": "track", "userId": person, "event": "Step", "properties": {"n": n}, "messageId": f"{person}-{n}"}


def _post_events(server: Server) -> set[tuple[str, int]]:
    expected: set[tuple[str, int]] = set()
    with httpx.Client(base_url=server.url, auth=(server.write_key, ""), timeout=30) as client:
        for n in range(PER_PERSON):
            batch = [_step(f"user-{p}", n) for p in range(PEOPLE)]
            assert client.post("/v1/batch", json={"batch": batch}).status_code == 200
            expected.update((f"user-{p}", n) for p in range(PEOPLE))
    return expected


def _lease(db: Database) -> tuple[str, float] | None:
    with db.connect() as conn:
        row = conn.execute(sa.select(delivery_leases.c.owner, delivery_leases.c.expires_at)).first()
    return None if row is None else (str(row.owner), float(row.expires_at))


def _wait(what: str, check: object, until: float) -> None:
    while not check():  # type: ignore[operator]
        assert time.time() < until, f"{what} did not happen in time"
        time.sleep(0.1)


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    worker.wait(30)


def _kill_mid_round_and_take_over(database_url: str, tmp_path: Path, standin: StandIn, standby: bool) -> None:
    """Kill the `segcio serve` delivering to `standin` while a round is in flight; another process takes over:
    a `segcio worker` already running beside it (`standby`), else the server started again after the kill."""
    standin.plan(*[Fault("ok")] * ANSWERED, *[Fault("hang", 600)] * 100)
    db = open_database(database_url)
    _point_at(db, standin)
    first = start_server(tmp_path / "data", database_url)
    stops = [first.stop]
    try:
        expected = _post_events(first)
        _wait("a hanging request", lambda: any(a.fault == "hang" for a in standin.arrivals), time.time() + 60)
        if standby:
            log = tmp_path / "standby.log"
            worker = start_worker(database_url, "standby", log)
            stops.append(lambda: _stop_worker(worker))
            _wait("the standby worker", lambda: "running" in log.read_text(), time.time() + 60)
        time.sleep(1)  # the round's other requests hang too, or are answered and settled
        first.kill_9_all()  # the sender dies mid-round, its leases held
        killed_at = time.time()
        standin.faults.clear()  # the service answers again
        held = _lease(db)
        assert held is not None
        dead_owner, expires_at = held
        # The dead sender's lease runs out within the routing lease time of its last renewal.
        assert expires_at <= killed_at + LEASE_SECONDS, f"lease runs {expires_at - killed_at:.0f} s past the kill"

        if not standby:
            stops.append(start_server(tmp_path / "data2", database_url).stop)
        taken_over = lambda: (lease := _lease(db)) is not None and lease[0] != dead_owner  # noqa: E731
        _wait("the takeover", taken_over, max(expires_at, time.time()) + LEASE_SECONDS)
        _wait("delivery", lambda: backlog(db).pending == 0, time.time() + 120)
        assert backlog(db).dead_letters == 0
    finally:
        for stop in stops:
            stop()
        db.dispose()
    assert {item_key(item) for _, item in standin.processed_items()} == expected
    check_order(standin)
    check_duplicates(standin)  # answered requests, recorded or not yet, are never sent again


def test_kill_9_mid_round_then_restart_takes_over_within_the_lease_time_in_order(
    database_url: str, tmp_path: Path, standin: StandIn
) -> None:
    _kill_mid_round_and_take_over(database_url, tmp_path, standin, standby=False)


def test_kill_9_mid_round_a_running_worker_takes_over_within_the_lease_time_in_order(
    postgres_url: str, tmp_path: Path, standin: StandIn
) -> None:
    _kill_mid_round_and_take_over(postgres_url, tmp_path, standin, standby=True)
