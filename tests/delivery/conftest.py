"""Fixtures for delivery tests: the misbehaving Customer.io stand-in and request builders."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from typing import Any

import pytest

from segcio.actions.definition import PlannedRequest
from segcio.delivery import outbox
from segcio.delivery.sender import RemoteSender
from segcio.pipeline.leases import LEASE_SECONDS
from segcio.store import Database
from tests.delivery.standin import StandIn

SITE, KEY = "site-1", "key-1"
AUTH = "Basic " + base64.b64encode(f"{SITE}:{KEY}".encode()).decode()
DEST = 7
FAST = {"retryBaseSeconds": 0.02, "retryMaxDelaySeconds": 0.2, "requestTimeout": 2.0, "rateLimit": 1000}


@pytest.fixture
def standin() -> Iterator[StandIn]:
    s = StandIn(SITE, KEY)
    s.start()
    try:
        yield s
    finally:
        s.stop()


def headers() -> dict[str, str]:
    """As the destination plans them (with its credentials, which the outbox does not keep)."""
    return {"authorization": AUTH, "content-type": "application/json", "user-agent": "Segment (Actions)"}


def authenticate(_destination_id: int) -> dict[str, str]:
    return {"authorization": AUTH}


def new_sender(db: Database, settings: dict[str, Any] | None = None, **options: Any) -> RemoteSender:
    """A sender of DEST authenticating as the stand-in expects, with the pipeline's lease length."""
    options = {"authenticate": authenticate, "lease_seconds": LEASE_SECONDS, **options}
    return RemoteSender(db, DEST, settings, **options)


def entity(base: str, person: str, n: int, pad: int = 0) -> PlannedRequest:
    """A v2 person event carrying its per-person sequence number `n` and a stable event id."""
    body: dict[str, Any] = {
        "type": "person",
        "action": "event",
        "identifiers": {"id": person},
        "name": "Order Completed",
        "id": f"{person}-{n}",
        "timestamp": 1700000000 + n,
        "attributes": {"n": n, "pad": "x" * pad},
    }
    return PlannedRequest("POST", f"{base}/api/v2/entity", headers(), body)


def v1(base: str, method: str, path: str, body: Any = None) -> PlannedRequest:
    return PlannedRequest(method, f"{base}{path}", headers(), body)


def queue(db: Database, person: str, requests: list[PlannedRequest], seq: int | None = None) -> None:
    with db.begin() as conn:
        outbox.enqueue(conn, DEST, person, requests, seq)


def drain(db: Database, settings: dict[str, Any] | None = None, timeout: float = 60) -> RemoteSender:
    sender = new_sender(db, {**FAST, **(settings or {})})
    asyncio.run(sender.drain(timeout))
    return sender
