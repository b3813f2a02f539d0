"""Delivery into a second, real segcio: its Track API v2 (actions requests) and v1 (classic requests)."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from segcio.actions.definition import PlannedRequest
from segcio.delivery import outbox
from segcio.delivery.sender import RemoteSender
from segcio.destinations.customerio_classic import ClassicRunner
from segcio.pipeline.leases import LEASE_SECONDS
from segcio.store import Database
from tests.conftest import Server, run_coroutine

DEST = 3


def _auth(server: Server) -> str:
    raw = f"{server.info['site_id']}:{server.info['api_key']}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def _attributes(server: Server, person_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{server.url}/v1/customers/{person_id}/attributes",
        headers={"Authorization": f"Bearer {server.info['app_api_key']}"},
    )
    assert response.status_code == 200, response.text
    customer: dict[str, Any] = response.json()["customer"]
    return customer


def _rebase(request: PlannedRequest, base: str) -> PlannedRequest:
    path = request.url.split("customer.io", 1)[1]
    return PlannedRequest(request.method, base + path, request.headers, request.json)


def _sender(db: Database, server: Server) -> RemoteSender:
    return RemoteSender(
        db,
        DEST,
        {"retryBaseSeconds": 0.05},
        authenticate=lambda _destination_id: {"authorization": _auth(server)},
        lease_seconds=LEASE_SECONDS,
    )


def _deliver(db: Database, person: str, requests: list[PlannedRequest]) -> None:
    with db.begin() as conn:
        outbox.enqueue(conn, DEST, person, requests, None)


def test_actions_requests_reach_a_segcio_workspace_in_batches(db: Database, server: Server) -> None:
    headers = {"authorization": _auth(server), "content-type": "application/json"}
    for n in range(50):
        person = f"p{n % 5}"
        op = {
            "type": "person",
            "action": "identify",
            "identifiers": {"id": person},
            "attributes": {"n": n, "plan": "pro"},
        }
        _deliver(db, person, [PlannedRequest("POST", f"{server.url}/api/v2/entity", headers, op)])
    sender = _sender(db, server)
    run_coroutine(sender.drain(60))
    assert outbox.backlog(db, DEST).pending == 0 and outbox.backlog(db, DEST).dead_letters == 0
    for p in range(5):
        attributes = _attributes(server, f"p{p}")["attributes"]
        # per-person order held: the last identify of each person wins
        assert str(attributes["n"]) == str(45 + p) and attributes["plan"] == "pro"


def test_classic_requests_turn_a_lead_into_a_customer_in_a_segcio_workspace(db: Database, server: Server) -> None:
    runner = ClassicRunner({"siteId": server.info["site_id"], "apiKey": server.info["api_key"]})
    events = [
        {"type": "identify", "userId": "", "traits": {"email": "lead@example.com", "first_name": "Lee"}},
        {"type": "identify", "userId": "cust-1", "traits": {"email": "lead@example.com", "plan": "pro"}},
        {"type": "track", "userId": "cust-1", "event": "Order Completed", "properties": {"total": 3}},
        {"type": "track", "anonymousId": "a1", "event": "Viewed"},
    ]
    dropped = []
    for event in events:
        result = runner.run(event)
        if result.dropped:
            dropped.append(result.dropped)
        _deliver(db, "lead@example.com", [_rebase(r, server.url) for r in result.requests])
    run_coroutine(_sender(db, server).drain(60))
    assert outbox.backlog(db, DEST).dead_letters == 0
    customer = _attributes(server, "cust-1")
    assert customer["attributes"]["email"] == "lead@example.com"
    assert customer["attributes"]["first_name"] == "Lee" and customer["attributes"]["plan"] == "pro"
    assert len(dropped) == 1 and "anonymous" in dropped[0]
