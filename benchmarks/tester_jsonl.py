"""Event Tester bulk checking: `segcio test-event --jsonl` as a CI job runs it, one process over many lines.

Plain event lines (the command's configuration: Quick Setup, no database) and configuration lines
`{"event", "subscriptions"}` cycling through 20 distinct subscription lists (each compiled once). Wall time of
the whole process, start-up included. Prints JSON:
{"lines": N, "plain": {"seconds", "lines_per_s"}, "configurations": {"seconds", "lines_per_s", "distinct": 20}}

    python benchmarks/tester_jsonl.py [--lines N] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.actions import make_events

DISTINCT = 20


def configurations() -> list[list[dict[str, Any]]]:
    """DISTINCT subscription lists: Quick Setup slices with Convert Timestamps on or off."""
    from segcio.destinations.customerio.presets import quick_setup

    presets = quick_setup()
    return [[{**p, "mapping": {**p["mapping"], "convert_timestamp": bool(i % 2)}} for p in presets[i % 8:i % 8 + 8]]
            for i in range(DISTINCT)]


def measure(text: str, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "segcio", "test-event", "--jsonl", "--data-dir", str(Path(tmp) / "none")]
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            done = subprocess.run(command, input=text.encode(), capture_output=True, check=True)
            best = min(best, time.perf_counter() - started)
    lines = text.count("\n")
    assert done.stdout.count(b"\n") == lines
    return {"seconds": round(best, 3), "lines_per_s": round(lines / best)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each; the best one counts")
    args = parser.parse_args()
    events = make_events(args.lines)
    subscriptions = configurations()
    plain = "".join(json.dumps(e) + "\n" for e in events)
    configured = "".join(json.dumps({"event": e, "subscriptions": subscriptions[i % DISTINCT]}) + "\n"
                         for i, e in enumerate(events))
    print(json.dumps({"lines": args.lines, "plain": measure(plain, args.rounds),
                      "configurations": {**measure(configured, args.rounds), "distinct": DISTINCT}}))


if __name__ == "__main__":
    main()
