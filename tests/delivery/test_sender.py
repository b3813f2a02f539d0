"""The remote sender against a misbehaving Customer.io stand-in, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client import generate_latest

from segcio.delivery import dlq
from segcio.delivery.outbox import backlog
from segcio.delivery.sender import RoundStats
from segcio.metrics import registry
from segcio.store import Database
from segcio.store.tables.delivery import dead_letters, delivery_log, outbox
from tests.conftest import run_coroutine
from tests.delivery.conftest import DEST, FAST, drain, entity, new_sender, queue, v1
from tests.delivery.invariants import check_duplicates, check_order, item_key
from tests.delivery.standin import MAX_BATCH, Fault, StandIn


def queue_events(db: Database, base: str, people: int, per_person: int, pad: int = 0) -> set[tuple[str, int]]:
    expected = set()
    for n in range(per_person):
        for p in range(people):
            person = f"user-{p}"
            queue(db, person, [entity(base, person, n, pad)], seq=n * people + p)
            expected.add((person, n))
    return expected


def test_1000_events_go_in_few_batches_of_at_most_500kb(db: Database, standin: StandIn) -> None:
    expected = queue_events(db, standin.url, people=50, per_person=20, pad=1200)
    drain(db)
    batches = [a for a in standin.arrivals if a.path == "/api/v2/batch"]
    assert len(standin.arrivals) == len(batches) <= 10  # <= 10 requests per 1,000 events
    assert max(len(a.body) for a in batches) <= MAX_BATCH
    received = [item_key(item) for _, item in standin.processed_items()]
    assert sorted(received) == sorted(expected)  # each exactly once
    assert all(a.authorization == standin.expected_auth for a in batches)
    check_order(standin)
    assert backlog(db, DEST).pending == 0
    exposed = generate_latest(registry).decode()
    assert f'segcio_delivery_items_delivered_total{{destination="{DEST}"}}' in exposed


def test_faults_lose_nothing_and_keep_each_persons_order(db: Database, standin: StandIn) -> None:
    standin.reject_ids = {"user-3"}
    standin.plan(
        Fault("500"),
        Fault("429", 0.05),
        Fault("hang", 5.0),  # longer than the client's timeout: the service keeps it, the client retries
        Fault("reset"),
        Fault("503"),
    )
    expected = queue_events(db, standin.url, people=8, per_person=30, pad=3000)
    # (a timeout generous enough that only the planned hang times out, even on a loaded machine)
    drain(db, {"requestTimeout": 2.5, "concurrency": 4, "maxBatchBytes": 60_000})
    delivered = {item_key(item) for _, item in standin.processed_items()}
    with db.connect() as conn:
        dead = conn.execute(sa.select(dead_letters.c.person_key, dead_letters.c.reason, dead_letters.c.status)).all()
    # nothing lost: delivered or dead-lettered with the reason Customer.io gave
    assert delivered == {k for k in expected if k[0] != "user-3"}
    assert len(dead) == 30 and {d.person_key for d in dead} == {"user-3"}
    assert all(d.status == 207 and "invalid identifiers: rejected id" in d.reason for d in dead)
    check_order(standin)
    check_duplicates(standin)
    faults = {a.fault for a in standin.arrivals}
    assert {"500", "429", "hang", "reset", "503"} <= faults


def test_retry_after_is_honoured(db: Database, standin: StandIn) -> None:
    standin.plan(Fault("429", 1.0))
    queue(db, "u", [entity(standin.url, "u", 0)])
    drain(db)
    first, second = standin.arrivals
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 0.95


def test_retry_after_pauses_the_whole_destination(db: Database, standin: StandIn) -> None:
    standin.plan(Fault("429", 1.0))
    queue(db, "a", [entity(standin.url, "a", 0)])
    queue(db, "b", [v1(standin.url, "POST", "/api/v1/metrics", {"b": 1})])
    drain(db, {"concurrency": 1})
    throttled, other = standin.arrivals[0], standin.arrivals[1]
    assert throttled.status == 429 and other.path != throttled.path
    assert other.at - throttled.at >= 0.95  # another person's request waited too
    assert [a.status for a in standin.arrivals] == [429, 200, 200]


def test_gives_up_after_max_attempts_into_the_dead_letter_queue(db: Database, standin: StandIn) -> None:
    standin.fail_paths["/api/v2/batch"] = Fault("500")
    queue(db, "u", [entity(standin.url, "u", 0)], seq=42)
    drain(db, {"maxAttempts": 3})
    assert len(standin.arrivals) == 3
    [letter] = dlq.list_dead(db)
    assert letter["attempts"] == 3 and letter["event_seq"] == 42 and letter["status"] == 500
    assert "gave up after 3 attempts" in letter["reason"] and "HTTP 500" in letter["reason"]
    shown = dlq.show(db, letter["id"])
    assert shown is not None and shown["body"]["id"] == "u-0" and "authorization" not in shown["headers"]


def test_gives_up_after_max_time(db: Database, standin: StandIn) -> None:
    standin.fail_paths["/api/v2/batch"] = Fault("503")
    queue(db, "u", [entity(standin.url, "u", 0)])
    drain(db, {"maxRetrySeconds": 0.1, "retryBaseSeconds": 0.05})
    [letter] = dlq.list_dead(db)
    assert "retrying would exceed 0.1 s" in letter["reason"]
    assert letter["attempts"] < 10


def test_validation_failures_are_dead_lettered_at_once(db: Database, standin: StandIn) -> None:
    queue(db, "a", [entity(standin.url, "a", 0)])
    bad = entity(standin.url, "b", 0)
    bad.json["attributes"]["note"] = "INVALID"
    queue(db, "b", [bad])
    queue(db, "c", [entity(standin.url, "c", 0)])
    queue(db, "d", [v1(standin.url, "POST", "/api/v1/nowhere", {"x": 1})])
    drain(db)
    # the 400 batch was halved until only the culprit was left; the others were delivered once
    assert {item_key(i) for _, i in standin.processed_items() if "identifiers" in i} == {("a", 0), ("c", 0)}
    letters = {d["person_key"]: d for d in dlq.list_dead(db)}
    assert set(letters) == {"b", "d"}
    assert letters["b"]["status"] == 400 and "bad" in letters["b"]["reason"]
    assert letters["d"]["status"] == 404 and letters["d"]["reason"] == "HTTP 404 Not Found: no such endpoint"


def test_a_retry_while_isolating_a_refused_operation_keeps_the_persons_order(db: Database, standin: StandIn) -> None:
    bad = entity(standin.url, "q", 0)
    bad.json["attributes"]["note"] = "INVALID"
    queue(db, "p", [entity(standin.url, "p", 0)])
    queue(db, "q", [bad])
    queue(db, "p", [entity(standin.url, "p", 1)])
    # the whole batch is refused (400); its first half [p-0] then meets a 500
    standin.plan(Fault("ok"), Fault("500"))
    drain(db)
    assert [(a.status, [item_key(i) for i in a.items]) for a in standin.arrivals] == [
        (400, [("p", 0), ("q", 0), ("p", 1)]),
        (500, [("p", 0)]),
        (400, [("q", 0)]),  # p-1 was held back behind the retrying p-0
        (200, [("p", 0), ("p", 1)]),
    ]
    assert [d["person_key"] for d in dlq.list_dead(db)] == ["q"]


def test_single_requests_keep_order_and_a_failing_person_holds_back_only_their_own(
    db: Database, standin: StandIn
) -> None:
    standin.fail_paths["/api/v1/customers/stuck"] = Fault("503")
    queue(db, "stuck", [v1(standin.url, "DELETE", "/api/v1/customers/stuck")])
    queue(db, "stuck", [entity(standin.url, "stuck", 1)])
    for n in range(5):
        queue(db, "free", [entity(standin.url, "free", n)])
        queue(db, "free", [v1(standin.url, "POST", "/api/v1/metrics", {"n": n})])
    sender = new_sender(db, {"retryBaseSeconds": 0.05, "rateLimit": 1000})

    async def rounds(count: int) -> None:
        for _ in range(count):
            await sender.run_once()
            await asyncio.sleep(0.06)

    run_coroutine(rounds(15))
    paths = [(a.path, a.status) for a in standin.arrivals]
    # "free" got everything through, in its order: entity n, then metrics n
    free = [a for a in standin.arrivals if a.path == "/api/v1/metrics" or "free" in a.body.decode()]
    assert [a.path for a in free] == ["/api/v2/batch", "/api/v1/metrics"] * 5
    assert [i["n"] for a in free if a.path == "/api/v1/metrics" for i in a.items] == list(range(5))
    # "stuck": only its failing first request was tried; its later event waits behind it
    assert all(p == "/api/v1/customers/stuck" for p, s in paths if s == 503)
    assert not any(b'"stuck"' in a.body for a in standin.arrivals if a.path == "/api/v2/batch")
    del standin.fail_paths["/api/v1/customers/stuck"]
    run_coroutine(sender.drain(30))
    stuck = [a.path for a in standin.arrivals if "stuck" in a.path or b'"stuck"' in a.body]
    assert stuck[-2:] == ["/api/v1/customers/stuck", "/api/v2/batch"]


def test_delivery_log_records_requests_and_stays_bounded(db: Database, standin: StandIn) -> None:
    standin.plan(Fault("500"))
    for p in range(12):
        queue(db, f"p{p}", [v1(standin.url, "POST", "/api/v1/metrics", {"p": p})])
    drain(db, {"deliveryLogSize": 5})
    with db.connect() as conn:
        rows = conn.execute(sa.select(delivery_log).order_by(delivery_log.c.id)).all()
    assert len(rows) == 5
    assert {r.outcome for r in rows} <= {"delivered", "retry"}
    assert all(r.method == "POST" and r.url.endswith("/api/v1/metrics") and r.items == 1 for r in rows)
    assert rows[-1].status == 200 and rows[-1].outcome == "delivered"  # the retried request, last


def test_unauthorised_goes_to_dead_letters_and_replay_uses_the_credentials_current_at_send_time(
    db: Database, standin: StandIn
) -> None:
    credentials = {"authorization": "Basic d3Jvbmc6d3Jvbmc="}
    queue(db, "u", [v1(standin.url, "POST", "/api/v1/metrics", {"a": 1})])
    sender = new_sender(db, FAST, authenticate=lambda _destination_id: credentials)
    run_coroutine(sender.drain(30))
    [letter] = dlq.list_dead(db)
    assert letter["status"] == 401 and "check the destination's siteId and apiKey" in letter["reason"]
    credentials["authorization"] = standin.expected_auth  # the destination's key fixed
    assert dlq.replay(db, destination_id=DEST) == 1
    assert backlog(db, DEST).pending == 1 and backlog(db, DEST).dead_letters == 0
    run_coroutine(sender.drain(30))
    assert standin.arrivals[-1].status == 200 and standin.arrivals[-1].authorization == standin.expected_auth


def test_only_one_sender_per_destination(db: Database, standin: StandIn) -> None:
    queue(db, "u", [entity(standin.url, "u", 0)])
    first, second = new_sender(db), new_sender(db)
    assert run_coroutine(first.run_once()).leased
    stats = run_coroutine(second.run_once())
    assert not stats.leased and stats.requests == 0


def test_started_sender_delivers_in_the_background_and_releases_its_lease(db: Database, standin: StandIn) -> None:
    from segcio.store.tables.delivery import delivery_leases

    sender = new_sender(db)
    sender.start()
    try:
        queue(db, "u", [entity(standin.url, "u", 0), v1(standin.url, "DELETE", "/api/v1/customers/u")])
        deadline = time.monotonic() + 30
        while backlog(db, DEST).pending and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sender.stop()
    assert [a.path for a in standin.arrivals] == ["/api/v2/batch", "/api/v1/customers/u"]
    with db.connect() as conn:
        assert conn.execute(sa.select(delivery_leases)).all() == []


def test_an_operation_over_32kb_is_dead_lettered_without_holding_the_person_back(
    db: Database, standin: StandIn
) -> None:
    queue(db, "u", [entity(standin.url, "u", 0, pad=40_000)])
    queue(db, "u", [entity(standin.url, "u", 1)])
    drain(db)
    [letter] = dlq.list_dead(db)
    assert letter["reason"].startswith("request body is 40") and "at most 32000 bytes" in letter["reason"]
    assert [item_key(i) for _, i in standin.processed_items()] == [("u", 1)]


def test_a_round_longer_than_the_lease_keeps_it_and_no_one_else_sends(db: Database, standin: StandIn) -> None:
    standin.plan(Fault("hang", 1.5))  # answered (200) after three lease lengths
    queue(db, "u", [entity(standin.url, "u", 0)])
    holder = new_sender(db, {"requestTimeout": 10}, lease_seconds=0.5)
    other = new_sender(db, lease_seconds=0.5)

    async def both() -> list[bool]:
        round_ = asyncio.create_task(holder.run_once())
        while not standin.arrivals:  # the holder's request is in flight
            await asyncio.sleep(0.01)
        tries = []
        while not round_.done():
            tries.append((await other.run_once()).leased)
            await asyncio.sleep(0.05)
        assert (await round_).delivered == 1
        return tries

    tries = run_coroutine(both())
    assert tries and not any(tries)
    assert len(standin.arrivals) == 1 and backlog(db, DEST).pending == 0


def test_a_sender_whose_lease_was_taken_mid_round_sends_and_records_nothing_more(
    db: Database, standin: StandIn
) -> None:
    from segcio.store.tables.delivery import delivery_leases

    standin.plan(Fault("hang", 1.5), Fault("ok"))
    queue(db, "a", [v1(standin.url, "POST", "/api/v1/metrics", {"p": "a"})])
    queue(db, "b", [v1(standin.url, "POST", "/api/v1/metrics", {"p": "b"})])
    sender = new_sender(db, {"requestTimeout": 10, "concurrency": 1}, lease_seconds=0.5)

    async def taken_over() -> RoundStats:
        round_ = asyncio.create_task(sender.run_once())
        while not standin.arrivals:
            await asyncio.sleep(0.01)
        with db.begin() as conn:  # another process took the lease over (this one looked dead)
            conn.execute(delivery_leases.update().values(owner="another", expires_at=time.time() + 60))
        return await round_

    stats = run_coroutine(taken_over())
    assert [a.items for a in standin.arrivals] == [[{"p": "a"}]]  # "b" was not sent
    assert stats.delivered == 0 and backlog(db, DEST).pending == 2  # "a"'s answer left to the new holder
    with db.connect() as conn:
        assert conn.execute(sa.select(outbox.c.attempts)).scalars().all() == [0, 0]


def test_a_sender_that_cannot_renew_its_lease_sends_nothing_once_it_may_have_run_out(
    db: Database, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from segcio.delivery import lease
    from segcio.delivery import sender as sender_module

    renewals: list[tuple[Any, ...]] = []

    def take_then_fail(*args: Any) -> bool:  # the lease is taken, then every renewal fails (database unreachable)
        renewals.append(args)
        if len(renewals) > 1:
            raise OSError("database unreachable")
        return lease.take_lease(*args)

    standin.plan(Fault("hang", 1.5), Fault("ok"))
    queue(db, "a", [v1(standin.url, "POST", "/api/v1/metrics", {"p": "a"})])
    queue(db, "b", [v1(standin.url, "POST", "/api/v1/metrics", {"p": "b"})])
    sender = new_sender(db, {"requestTimeout": 10, "concurrency": 1}, lease_seconds=0.5)
    monkeypatch.setattr(sender_module, "take_lease", take_then_fail)
    stats = run_coroutine(sender.run_once())
    assert len(renewals) > 1
    assert [a.items for a in standin.arrivals] == [[{"p": "a"}]]  # "b" would have gone after the lease ran out
    assert stats.delivered == 1 and backlog(db, DEST).pending == 1  # nobody took over: "a"'s answer counts
    with db.connect() as conn:
        assert conn.execute(sa.select(outbox.c.attempts)).scalars().all() == [0]


def test_the_answered_half_of_a_split_batch_is_recorded_before_the_next_half_goes(
    db: Database, standin: StandIn
) -> None:
    bad = entity(standin.url, "d", 0)
    bad.json["attributes"]["note"] = "INVALID"
    for person in "abc":
        queue(db, person, [entity(standin.url, person, 0)])
    queue(db, "d", [bad])
    # refused whole (400); the first half [a, b] is delivered; the second half [c, d] is answered late
    standin.plan(Fault("ok"), Fault("ok"), Fault("hang", 1.0))
    sender = new_sender(db, FAST)

    async def pending_while_the_second_half_is_in_flight() -> list[str]:
        round_ = asyncio.create_task(sender.run_once())
        while len(standin.arrivals) < 3:
            await asyncio.sleep(0.01)
        with db.connect() as conn:
            pending = conn.execute(sa.select(outbox.c.person_key).order_by(outbox.c.id)).scalars().all()
        await round_
        return list(pending)

    assert run_coroutine(pending_while_the_second_half_is_in_flight()) == ["c", "d"]
    assert [[item_key(i) for i in a.items] for a in standin.arrivals[:3]] == [
        [("a", 0), ("b", 0), ("c", 0), ("d", 0)],
        [("a", 0), ("b", 0)],
        [("c", 0), ("d", 0)],
    ]
