"""Event Tester bulk checking: `segcio test-event --jsonl` as a CI job runs it, one command over many lines.

Plain event lines (the command's configuration: Quick Setup, no database) and configuration lines
`{"event", "subscriptions"}` cycling through 20 distinct subscription lists (each compiled once). Wall time of
the whole process, start-up included, and its CPU time (with its worker processes'); segcio as it runs by default
(one process) and with `--jobs 2`. Then the reference implementation (conformance/run.js, Node) over the
same events and subscriptions as a whole process too, one `single` case per line (unless --no-reference). Prints
JSON: {"lines", "load_average", "plain": {"segcio", "segcio_two_jobs", "reference", "ratio"}, "configurations": ...},
each figure {"seconds", "lines_per_s", "cpu_seconds"}.

    python benchmarks/tester_jsonl.py [--lines N] [--rounds R] [--no-reference]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.actions import REFERENCE_RUNNER, make_events

DISTINCT = 20


def configurations_list() -> list[list[dict[str, Any]]]:
    """DISTINCT subscription lists: Quick Setup slices with Convert Timestamps on or off."""
    from segcio.destinations.customerio.presets import quick_setup

    presets = quick_setup()
    return [[{**p, "mapping": {**p["mapping"], "convert_timestamp": bool(i % 2)}} for p in presets[i % 8:i % 8 + 8]]
            for i in range(DISTINCT)]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], text: str, rounds: int, **options: Any) -> tuple[dict[str, Any], bytes]:
    """The best of `rounds` runs of `command` with `text` on stdin."""
    best = best_cpu = float("inf")
    out = b""
    for _ in range(rounds):
        started, cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run(command, input=text.encode(), capture_output=True, check=True, **options)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, _children_cpu() - cpu)
        out = done.stdout
    lines = text.count("\n")
    assert out.count(b"\n") == lines, out[-500:]
    return {"seconds": round(best, 3), "lines_per_s": round(lines / best), "cpu_seconds": round(best_cpu, 3)}, out


def measure(text: str, rounds: int, *options: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "segcio", "test-event", "--jsonl", "--data-dir", str(Path(tmp) / "none"),
                   *options]
        return _timed(command, text, rounds)[0]


def measure_reference(cases: str, rounds: int) -> dict[str, Any]:
    """conformance/run.js over one `single` case per line (its cheaper stubbed fetch); needs
    `bash conformance/install.sh`."""
    if shutil.which("node") is None:
        raise RuntimeError("node is not installed: the reference runs on Node.js")
    figures, out = _timed(["node", str(REFERENCE_RUNNER), "--http=fetch"], cases, rounds,
                          cwd=REFERENCE_RUNNER.parent, env={**os.environ, "TZ": "UTC"})
    assert b'"fatal"' not in out[:2000]
    return figures


def compare(events: list[dict[str, Any]], subscriptions: list[list[dict[str, Any]]] | None, rounds: int,
            reference: bool) -> dict[str, Any]:
    """segcio (one process, then two) and the reference over the same events; with `subscriptions`, each
    line carries the i-th list (cycling)."""
    def configured(i: int) -> list[dict[str, Any]] | None:
        return None if subscriptions is None else subscriptions[i % DISTINCT]

    text = "".join(json.dumps(e if subscriptions is None else {"event": e, "subscriptions": configured(i)}) + "\n"
                   for i, e in enumerate(events))
    out: dict[str, Any] = {"segcio": measure(text, rounds), "segcio_two_jobs": measure(text, rounds, "--jobs", "2")}
    if reference:
        from segcio.destinations.tester import DEFAULT_SETTINGS

        settings = {**DEFAULT_SETTINGS, "accountRegion": "US"}
        cases = "".join(json.dumps({"mode": "single", "event": e, "settings": settings,
                                    "subscriptions": configured(i)}) + "\n" for i, e in enumerate(events))
        out["reference"] = measure_reference(cases, 1)
        out["ratio"] = round(out["segcio"]["lines_per_s"] / out["reference"]["lines_per_s"], 1)
        out["ratio_two_jobs"] = round(out["segcio_two_jobs"]["lines_per_s"] / out["reference"]["lines_per_s"], 1)
        out["cpu_ratio"] = round(out["reference"]["cpu_seconds"] / out["segcio"]["cpu_seconds"], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each segcio command; the best one counts")
    parser.add_argument("--no-reference", action="store_true", help="measure segcio only")
    args = parser.parse_args()
    events = make_events(args.lines)
    load = [round(x, 1) for x in os.getloadavg()]
    plain = compare(events, None, args.rounds, not args.no_reference)
    configurations = {**compare(events, configurations_list(), args.rounds, not args.no_reference),
                      "distinct": DISTINCT}
    print(json.dumps({"lines": args.lines, "load_average": [load, [round(x, 1) for x in os.getloadavg()]],
                      "plain": plain, "configurations": configurations}))


if __name__ == "__main__":
    main()
