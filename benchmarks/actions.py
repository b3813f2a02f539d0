"""Actions runtime benchmark: mixed Segment events through the Quick Setup subscriptions to request bodies.

Trigger + mapping + validation + payload building, one core, nothing sent. Also runs the same events through
the reference implementation (conformance/run.js, Node) in the same run, on the same core. Prints JSON:
{"core": C, "segcio": {"events", "requests", "seconds", "events_per_s"}, "reference": {...}, "ratio": R}
(only segcio's figures with --no-reference).

    python benchmarks/actions.py [--events N] [--rounds R] [--reference-events M] [--no-reference]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

SETTINGS = {"siteId": "site_123", "apiKey": "key_abc", "accountRegion": "US 🇺🇸"}
BASE_UNIX_MS = 1_714_979_289_123  # 2024-05-06T07:08:09.123Z
CONTEXT = {"ip": "8.8.8.8", "library": {"name": "analytics.js", "version": "2.11.1"},
           "page": {"path": "/pricing", "url": "https://example.com/pricing"}}


def make_events(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """A realistic mix: mostly track and page, then identify, screen, group and alias."""
    rng = random.Random(seed)
    kinds = ["track"] * 40 + ["page"] * 25 + ["identify"] * 20 + ["screen"] * 8 + ["group"] * 5 + ["alias"] * 2
    events = []
    for i in range(count):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((BASE_UNIX_MS + i * 137) // 1000))
        timestamp = f"{stamp}.{(BASE_UNIX_MS + i * 137) % 1000:03d}Z"
        kind = rng.choice(kinds)
        user = f"user-{rng.randrange(100_000)}"
        base: dict[str, Any] = {"type": kind, "messageId": f"msg-{i}", "timestamp": timestamp, "sentAt": timestamp,
                                "receivedAt": timestamp, "anonymousId": f"anon-{i}", "userId": user,
                                "context": CONTEXT}
        if kind == "track":
            base |= {"event": rng.choice(["Order Completed", "Product Viewed", "Signed Up"]),
                     "properties": {"order_id": f"o-{i}", "total": 19.99, "currency": "USD",
                                    "placed_at": "2024-05-06T07:00:00Z", "items": [{"sku": "a"}]}}
        elif kind == "page":
            base |= {"name": "Pricing", "properties": {"url": "https://example.com/pricing", "title": "Pricing",
                                                       "path": "/pricing"}}
        elif kind == "identify":
            base |= {"traits": {"email": f"{user}@example.com", "name": "Test User", "plan": "pro",
                                "created_at": "2023-01-02T03:04:05Z", "logins": 12}}
        elif kind == "screen":
            base |= {"name": "Home", "properties": {"screen": "Home", "seen_at": "2024-05-06T07:00:00Z"}}
        elif kind == "group":
            base |= {"groupId": f"g-{rng.randrange(1000)}",
                     "traits": {"objectAttributes": {"name": "Acme", "industry": "Tech"}}}
        else:
            base |= {"previousId": f"anon-{i}"}
        events.append(base)
    return events


def measure_segcio(events: list[dict[str, Any]], rounds: int = 3) -> dict[str, Any]:
    """segcio's actions runtime over `events` (Quick Setup presets, compiled once); the best of `rounds` passes,
    so that other load on the machine disturbs the figure less."""
    from segcio.destinations.customerio.presets import quick_setup
    from segcio.destinations.runner import DestinationRunner

    runner = DestinationRunner(SETTINGS, quick_setup())
    for event in events[:500]:  # warm-up
        runner.run(event)
    best = best_cpu = float("inf")
    requests = 0
    for _ in range(rounds):
        requests = 0
        started, started_cpu = time.perf_counter(), time.process_time()
        for event in events:
            for result in runner.run(event):
                requests += len(result.requests)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    # CPU time as well as wall time: on a busy machine the process waits for the core, which wall time counts.
    return {"events": len(events), "requests": requests, "seconds": round(best, 3),
            "events_per_s": round(len(events) / best), "cpu_seconds": round(best_cpu, 3),
            "events_per_cpu_s": round(len(events) / best_cpu)}


REFERENCE_RUNNER = Path(__file__).resolve().parent.parent / "conformance" / "run.js"


def measure_reference(events: list[dict[str, Any]], rounds: int = 3, concurrency: int = 64) -> dict[str, Any]:
    """The reference implementation (Segment's own Customer.io destination on its actions-core runtime, Node)
    over the same events and the same Quick Setup subscriptions; HTTP is replaced in-process by a stub fetch
    that answers 200 (no sockets); timed inside Node, best of `rounds` passes, `concurrency` events in flight
    (its request path waits on a timer tick per request; overlapping events keeps the CPU busy, which is the
    reference's best case). Needs `bash conformance/install.sh`."""
    from segcio.destinations.customerio.presets import quick_setup

    if shutil.which("node") is None:
        raise RuntimeError("node is not installed: the reference runs on Node.js")
    case = {"mode": "bench", "events": events, "settings": SETTINGS, "subscriptions": quick_setup(),
            "rounds": rounds, "concurrency": concurrency}
    done = subprocess.run(["node", str(REFERENCE_RUNNER), "--http=fetch"], input=json.dumps(case).encode(),
                          capture_output=True, check=True, cwd=REFERENCE_RUNNER.parent, env={**os.environ, "TZ": "UTC"})
    answer = json.loads(done.stdout)
    if "fatal" in answer:
        raise RuntimeError(f"reference runner: {answer['fatal']}")
    return {"events": answer["events"], "requests": answer["requests"], "seconds": round(answer["seconds"], 3),
            "events_per_s": round(answer["events_per_second"]), "cpu_seconds": round(answer["cpu_seconds"], 3),
            "events_per_cpu_s": round(answer["events_per_cpu_second"]), "concurrency": concurrency}


def pin_to_one_core() -> int | None:
    """Run on one core (children, such as the reference's Node process, inherit it)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the events; the best one counts")
    parser.add_argument("--reference-events", type=int, default=20_000,
                        help="events for the (slower) reference; the first N of the same list")
    parser.add_argument("--no-reference", action="store_true", help="measure segcio only")
    args = parser.parse_args()
    core = pin_to_one_core()
    events = make_events(args.events)
    segcio = measure_segcio(events, args.rounds)
    if args.no_reference:
        print(json.dumps(segcio))
        return
    reference = measure_reference(events[: args.reference_events], args.rounds)
    print(json.dumps({"core": core, "load_average": [round(x, 1) for x in os.getloadavg()],
                      "segcio": segcio, "reference": reference,
                      "ratio": round(segcio["events_per_s"] / reference["events_per_s"], 1),
                      "cpu_ratio": round(segcio["events_per_cpu_s"] / reference["events_per_cpu_s"], 1)}))


if __name__ == "__main__":
    main()
