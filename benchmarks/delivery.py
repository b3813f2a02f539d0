"""Remote delivery benchmark: outbox -> sender -> a local Customer.io stand-in (tests/delivery/standin.py).

Prints JSON: requests per 1,000 events, items delivered per second, the largest batch, and the most requests
the stand-in saw in any one-second window (must not exceed the rate limit).

    python benchmarks/delivery.py [--events 20000] [--people 2000] [--rate-limit 100] [--classic 300]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from segcio.actions.definition import PlannedRequest
from segcio.delivery import outbox
from segcio.delivery.sender import RemoteSender
from segcio.destinations.customerio_classic import ClassicRunner
from segcio.pipeline.leases import LEASE_SECONDS
from segcio.store import open_database
from tests.delivery.standin import StandIn

SITE, KEY = "bench-site", "bench-key"
HEADERS = {
    "authorization": "Basic " + base64.b64encode(f"{SITE}:{KEY}".encode()).decode(),
    "content-type": "application/json",
    "user-agent": "Segment (Actions)",
}


def operation(n: int, person: str) -> dict[str, Any]:
    """A realistic mix: 1 identify for every 4 track events (about 350-450 bytes each)."""
    if n % 5 == 0:
        return {
            "type": "person",
            "action": "identify",
            "identifiers": {"id": person},
            "timestamp": 1700000000 + n,
            "attributes": {
                "email": f"{person}@example.com",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "plan": "premium",
                "created_at": 1690000000,
                "company": "Analytical Engines Ltd",
                "city": "London",
            },
        }
    return {
        "type": "person", "action": "event", "identifiers": {"id": person}, "name": "Order Completed",
        "id": f"ajs-next-1700000000000-{n:08d}-5f1c8a7e", "timestamp": 1700000000 + n,
        "attributes": {"order_id": f"o-{n}", "total": 29.99, "currency": "USD", "coupon": "SPRING",
                       "products": [{"sku": "W-1", "name": "Widget", "price": 29.99, "quantity": 1}]},
    }  # fmt: skip


def most_in_window(times: list[float], window: float = 1.0) -> int:
    times, best, start = sorted(times), 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def run(events: int, people: int, rate: float, standin: StandIn, classic: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{tmp}/bench.db")
        standin.arrivals.clear()
        runner = ClassicRunner({"siteId": SITE, "apiKey": KEY})
        started = time.perf_counter()
        with db.begin() as conn:
            planned = []
            for n in range(events):
                person = f"user-{n % people}"
                if classic:
                    event = {"type": "track", "userId": person, "event": "Order Completed",
                             "properties": {"total": 29.99, "n": n}, "timestamp": "2024-01-01T00:00:00Z"}  # fmt: skip
                    requests = [
                        PlannedRequest(r.method, standin.url + r.url.split("customer.io", 1)[1], r.headers, r.json)
                        for r in runner.run(event).requests
                    ]
                else:
                    requests = [PlannedRequest("POST", f"{standin.url}/api/v2/entity", HEADERS, operation(n, person))]
                planned.append(outbox.Planned(1, person, requests, n))
            outbox.enqueue_many(conn, planned)
        enqueue_seconds = time.perf_counter() - started
        sender = RemoteSender(
            db,
            1,
            {"rateLimit": rate},
            authenticate=lambda _destination_id: {"authorization": HEADERS["authorization"]},
            lease_seconds=LEASE_SECONDS,
        )
        started = time.perf_counter()
        asyncio.run(sender.drain(timeout=3600))
        seconds = time.perf_counter() - started
        db.dispose()
    arrivals = standin.arrivals
    items = sum(len(a.items) for a in arrivals)
    return {
        "scenario": "classic (Track API v1, one request per event)" if classic else "actions (Track API v2 batches)",
        "events": events,
        "people": people,
        "rate_limit": rate,
        "requests": len(arrivals),
        "requests_per_1000_events": round(1000 * len(arrivals) / events, 2),
        "items_delivered": items,
        "items_per_second": round(items / seconds, 1),
        "largest_request_bytes": max(len(a.body) for a in arrivals),
        "most_requests_in_any_second": most_in_window([a.at for a in arrivals]),
        "enqueue_events_per_second": round(events / enqueue_seconds, 1),
        "seconds": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--rate-limit", type=float, default=100)
    parser.add_argument("--classic", type=int, default=300, help="events for the classic scenario (0: skip)")
    args = parser.parse_args()
    standin = StandIn(SITE, KEY)
    standin.start()
    try:
        results = [run(args.events, args.people, args.rate_limit, standin, classic=False)]
        if args.classic:
            results.append(run(args.classic, min(args.people, args.classic), args.rate_limit, standin, classic=True))
    finally:
        standin.stop()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
