"""CPU cost of normalising and checking messages: `IngestService.prepare()` of a 100-event batch of the ingest
benchmark's events, in CPU time of the thread (steady on a busy machine, where wall time is not). Prints JSON.
Usage: python benchmarks/ingest_prepare.py [--rounds 15] [--batches 100]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest import realistic_event
from segcio.ingest.service import IngestService
from segcio.store import open_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batches", type=int, default=100, help="batches per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        db = open_database(f"sqlite:///{Path(directory) / 'segcio.db'}")
        service = IngestService(db)
        body = {"batch": [realistic_event(i, 0) for i in range(100)], "sentAt": "2026-11-24T10:00:01.000Z"}
        per_event = []
        for _ in range(args.rounds):
            started = time.thread_time()
            for _ in range(args.batches):
                service.prepare(1, body, batch=True, route_type=None, peer_ip="127.0.0.1")
            per_event.append((time.thread_time() - started) / args.batches / 100 * 1e6)
        db.dispose()
    print(json.dumps({"benchmark": "ingest_prepare", "us_per_event_min": round(min(per_event), 2)}))


if __name__ == "__main__":
    main()
