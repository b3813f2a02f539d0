"""`segcio serve` in one process against supervised HTTP + worker processes, alternating in one run: events/s from
POST to applied in the local workspace (posting while routing), and the RSS of the whole process tree.

Usage: python benchmarks/serve_processes.py [--events 30000] [--rounds 2]
Prints one JSON line per run, then the ratio supervised / single-process of the medians.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest import rss_mb, tree_rss_mb
from benchmarks.pipeline import Serve, end_to_end

LAYOUTS = {"single-process": ("--single-process",), "supervised": ()}


def run(name: str, events: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp())
    serve = Serve(data_dir, serve_args=LAYOUTS[name])
    peak = {"tree": 0.0, "top": 0.0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak["tree"] = max(peak["tree"], tree_rss_mb(serve.process.pid))
            peak["top"] = max(peak["top"], rss_mb(serve.process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        out = end_to_end(name, events, serve)
    finally:
        done.set()
        sampler.join()
        serve.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    out["tree_rss_mb_max"] = round(peak["tree"], 1)
    out["top_process_rss_mb_max"] = round(peak["top"], 1)  # the supervisor, or the one process
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rates: dict[str, list[int]] = {name: [] for name in LAYOUTS}
    for _ in range(args.rounds):
        for name in LAYOUTS:
            result = run(name, args.events)
            rates[name].append(result["events_per_s_to_applied"])
            print(json.dumps(result), flush=True)
    ratio = statistics.median(rates["supervised"]) / statistics.median(rates["single-process"])
    print(json.dumps({"supervised_over_single_process": round(ratio, 2)}))


if __name__ == "__main__":
    main()
