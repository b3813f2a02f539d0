"""Pipeline benchmark: the ratios of issue 13 in one run, printed as one JSON object.

Every server is started through the command line and measured as a whole process tree, so the process layout is
whatever the arguments ask for (--ingest-args, --serve-args):
  ingest     ingestion alone: `segcio serve --no-workers` under full load, accepted events/s
  routing    `segcio serve` (routing on) under full load for --seconds: accepted events/s (ingest while routing),
             then the time until /healthz reports a backlog of 0: end to end = accepted / that time
  ceiling    the bare uvicorn app of benchmarks/bare_app.py, same load and bodies (the HTTP ceiling)
  postgres   with --postgres URL: ingestion with `serve --no-workers --processes 1` and 2; routing a backlog of
             --events with 1 and 2 `segcio worker` processes
  memory     `segcio serve` under load paced at --soak-rate events/s (default: half the end-to-end rate of the
             run, else 2,000) for --soak-seconds: the tree's RSS every 5 s; first and last window (a minute, or a
             third of a shorter soak) and the maximum; flat = last-window mean within 10% of the first
Usage: python benchmarks/pipeline.py [--seconds 10] [--load python|wrk] [--postgres URL] [--events 20000]
                                     [--soak-seconds 120] [--soak-rate N] [--only ingest,routing,...]
                                     [--ingest-args "--no-workers"] [--serve-args ""]
The load: --clients processes (or wrk threads) of --concurrency keep-alive connections each, POST /v1/batch with
100 realistic events per request and fresh messageIds (benchmarks/ingest.py).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import shlex
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest import EVENTS_PER_REQUEST, load_server, make_load, realistic_event
from benchmarks.pgschema import private_schema
from benchmarks.servers import (
    Server,
    bare_uvicorn,
    data_directory,
    segcio_serve,
    segcio_workers,
    tree_rss_mb,
)

PARTS = ("ingest", "routing", "ceiling", "postgres", "memory")
TARGETS = {
    "ingest_while_routing_vs_alone": 0.8,
    "end_to_end_vs_alone": 0.5,
    "ingest_vs_ceiling": 0.1,
    "postgres_ingest_2_vs_1_processes": 1.6,
    "postgres_routing_2_vs_1_workers": 1.6,
}
MAX_RSS_MB = 300
FLAT_WITHIN = 0.10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10, help="length of each full-load phase")
    parser.add_argument("--load", choices=("python", "wrk"), default="python", help="the load generator")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16, help="connections per client")
    parser.add_argument("--postgres", default=os.environ.get("SEGCIO_TEST_POSTGRES_URL", ""))
    parser.add_argument("--events", type=int, default=20_000, help="backlog routed by the PostgreSQL workers")
    parser.add_argument("--soak-seconds", type=float, default=120)
    parser.add_argument("--soak-rate", type=float, default=0, help="events/s during the soak (0: half end to end)")
    parser.add_argument("--drain-timeout", type=float, default=600, help="longest wait for a backlog of 0")
    parser.add_argument("--only", default="", help=f"comma-separated parts of {', '.join(PARTS)}")
    parser.add_argument("--ingest-args", default="--no-workers", help="`segcio serve` arguments: ingestion alone")
    parser.add_argument("--serve-args", default="", help="`segcio serve` arguments: routing on (the default)")
    args = parser.parse_args()
    parts = [p for p in args.only.split(",") if p] or list(PARTS)
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"--only: unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    print(json.dumps(run(args, parts)), flush=True)


def run(args: argparse.Namespace, parts: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "benchmark": "pipeline",
        "load": args.load,
        "connections": args.clients * args.concurrency,
        "seconds": args.seconds,
        "ingest_args": args.ingest_args,
        "serve_args": args.serve_args,
        "load_average_before": round(os.getloadavg()[0], 2),
    }
    figures: dict[str, Any] = {}
    measures: dict[str, Callable[[], dict[str, Any]]] = {
        "ingest": lambda: ingest_alone(args),
        "routing": lambda: ingest_while_routing(args),
        "ceiling": lambda: http_ceiling(args),
        "postgres": lambda: postgres(args) if args.postgres else {"skipped": "no --postgres URL"},
        "memory": lambda: memory(args, figures.get("routing", {}).get("end_to_end_events_per_s")),
    }
    for part in PARTS:
        if part in parts:
            try:
                figures[part] = measures[part]()
            except Exception as exc:  # the other parts' figures are still worth printing
                figures[part] = {"failed": f"{type(exc).__name__}: {exc}"}
            print(f"pipeline: {part} done", file=sys.stderr, flush=True)
    result["ratios"] = ratios(figures)
    result["targets"] = targets(result["ratios"], figures.get("memory"))
    result["load_average_after"] = round(os.getloadavg()[0], 2)
    return {**result, **figures}


def ratios(figures: dict[str, Any]) -> dict[str, float | None]:
    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 4) if a and b else None

    alone = figures.get("ingest", {}).get("events_per_s")
    routing = figures.get("routing", {})
    pg = figures.get("postgres", {})
    return {
        "ingest_while_routing_vs_alone": ratio(routing.get("accepted_events_per_s"), alone),
        "end_to_end_vs_alone": ratio(routing.get("end_to_end_events_per_s"), alone),
        "ingest_vs_ceiling": ratio(alone, figures.get("ceiling", {}).get("events_per_s")),
        "postgres_ingest_2_vs_1_processes": ratio(
            pg.get("ingest_2_processes_events_per_s"), pg.get("ingest_1_process_events_per_s")
        ),
        "postgres_routing_2_vs_1_workers": ratio(
            pg.get("routing_2_workers_events_per_s"), pg.get("routing_1_worker_events_per_s")
        ),
    }


def targets(found: dict[str, float | None], mem: dict[str, Any] | None) -> dict[str, bool | None]:
    met: dict[str, bool | None] = {
        name: (found[name] >= target if found.get(name) is not None else None)  # type: ignore[operator]
        for name, target in TARGETS.items()
    }
    if mem and "rss_mb_max" in mem:
        met["memory_rss_under_300_mb"] = mem["rss_mb_max"] <= MAX_RSS_MB
        met["memory_flat"] = mem["flat"]
    return met


def full_load(args: argparse.Namespace, server: Server) -> dict[str, Any]:
    load = make_load(args.load, server.write_key, args.clients, args.concurrency)
    return load_server(server, load, args.seconds)


def ingest_alone(args: argparse.Namespace) -> dict[str, Any]:
    with data_directory() as data_dir, segcio_serve(data_dir, "", shlex.split(args.ingest_args)) as server:
        return full_load(args, server)


def http_ceiling(args: argparse.Namespace) -> dict[str, Any]:
    with bare_uvicorn() as server:
        return full_load(args, server)


def ingest_while_routing(args: argparse.Namespace) -> dict[str, Any]:
    """Full load with routing on, then the wait until every accepted event is routed and applied."""
    with data_directory() as data_dir, segcio_serve(data_dir, "", shlex.split(args.serve_args)) as server:
        stored_before = accepted_by_server(server)
        figures = full_load(args, server)
        loaded = time.time() - figures["started_at"]
        backlog_at_end = server.backlog()
        drained, left, rss_max = until_drained(server, args.drain_timeout)
        elapsed = time.time() - figures["started_at"]
        stored_after = accepted_by_server(server)
    # Answers that came after the load's window are not in its count, but their events were stored and applied.
    answered = figures["requests"] * EVENTS_PER_REQUEST
    accepted = stored_after - stored_before if stored_before is not None and stored_after is not None else answered
    return {
        **figures,
        "accepted_events": accepted,
        "answered_in_window_events": answered,
        "accepted_events_per_s": figures["events_per_s"],
        "backlog_when_load_ended": backlog_at_end,
        "seconds_until_applied": round(elapsed, 2),
        "drained": drained,
        "backlog_left": left,
        "end_to_end_events_per_s": round((accepted - left) / elapsed) if elapsed else None,
        "drain_seconds": round(elapsed - loaded, 2),
        "rss_mb_max_while_draining": rss_max,
    }


def accepted_by_server(server: Server) -> int | None:
    """Events the server has accepted (its `segcio_ingest_messages_total{outcome="accepted"}`), None when its
    /metrics does not say."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {server.info['admin_token']}"})
    answer = conn.getresponse()
    text = answer.read().decode()
    found = re.search(r'^segcio_ingest_messages_total\{outcome="accepted"\} (\S+)$', text, re.M)
    return int(float(found.group(1))) if answer.status == 200 and found else None


def until_drained(server: Server, timeout: float, poll: float = 0.5) -> tuple[bool, int, float]:
    """Wait until /healthz reports a backlog of 0: (drained, backlog left, tree RSS max while waiting)."""
    deadline = time.monotonic() + timeout
    rss = 0.0
    while True:
        left = server.backlog()
        rss = max(rss, tree_rss_mb(server.pid))
        if left == 0 or time.monotonic() > deadline:
            return left == 0, left, round(rss, 1)
        time.sleep(poll)


def postgres(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for processes in (1, 2):
        with private_schema(args.postgres) as url, data_directory() as data_dir:
            serve_args = [*shlex.split(args.ingest_args), "--processes", str(processes)]
            with segcio_serve(data_dir, url, serve_args) as server:
                figures = full_load(args, server)
        key = f"ingest_{processes}_process{'es' if processes > 1 else ''}"
        out[f"{key}_events_per_s"] = figures["events_per_s"]
        out[key] = figures
    for workers in (1, 2):
        figures = route_backlog(args, workers)
        key = f"routing_{workers}_worker{'s' if workers > 1 else ''}"
        out[f"{key}_events_per_s"] = figures["events_per_s"]
        out[key] = figures
    out["cores"] = os.cpu_count()
    return out


def route_backlog(args: argparse.Namespace, workers: int) -> dict[str, Any]:
    """--events posted with routing off, then `workers` `segcio worker` processes started: events/s until the
    backlog is 0 (the ingest-only server stays up to answer /healthz)."""
    with (
        private_schema(args.postgres) as url,
        data_directory() as data_dir,
        segcio_serve(data_dir, url, shlex.split(args.ingest_args)) as server,
    ):
        post_events(server, args.events)
        waiting = server.backlog()
        load_before = os.getloadavg()[0]
        with segcio_workers(data_dir, url, workers) as procs:
            started = time.perf_counter()
            # Timed from the first progress, so the workers' start-up is not counted as routing time.
            first = waiting
            while first == waiting and time.perf_counter() - started < args.drain_timeout:
                time.sleep(0.1)
                first = server.backlog()
            progress_at = time.perf_counter()
            drained, left, _ = until_drained(server, args.drain_timeout, poll=0.2)
            elapsed = time.perf_counter() - progress_at
            rss = sum(tree_rss_mb(p.pid) for p in procs)
    return {
        "workers": workers,
        "backlog_at_start": waiting,
        "drained": drained,
        "backlog_left": left,
        "start_up_seconds": round(progress_at - started, 2),
        "seconds": round(elapsed, 2),
        "events_per_s": round((first - left) / elapsed) if elapsed else None,
        "workers_rss_mb_at_end": round(rss, 1),
        "load_average_before": round(load_before, 2),
    }


def post_events(server: Server, events: int, threads: int = 4) -> None:
    """Exactly `events` events (100 per request, fresh messageIds), posted by `threads` keep-alive clients."""
    requests = events // EVENTS_PER_REQUEST
    auth = "Basic " + base64.b64encode(f"{server.write_key}:".encode()).decode()

    def post(share: range) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        for r in share:
            batch = [realistic_event(r * EVENTS_PER_REQUEST + i, 0) for i in range(EVENTS_PER_REQUEST)]
            for event in batch:
                event["messageId"] = str(uuid.uuid4())
            body = json.dumps({"batch": batch})
            conn.request("POST", "/v1/batch", body, {"Authorization": auth, "Content-Type": "application/json"})
            answer = conn.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"POST /v1/batch answered {answer.status}")

    run_threads([lambda share=range(t, requests, threads): post(share) for t in range(threads)])


def run_threads(jobs: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def memory(args: argparse.Namespace, end_to_end: float | None) -> dict[str, Any]:
    """Paced load on `segcio serve` for --soak-seconds; the whole tree's RSS every 5 seconds."""
    rate = args.soak_rate or (round(end_to_end / 2) if end_to_end else 2000)
    window = min(60.0, args.soak_seconds / 3)
    samples: list[tuple[float, float]] = []
    with data_directory() as data_dir, segcio_serve(data_dir, "", shlex.split(args.serve_args)) as server:
        load = make_load("python", server.write_key, 1, 8, rate=rate)
        start_at = load.start(server.port, args.soak_seconds)
        while time.time() < start_at:
            time.sleep(0.01)
        while (elapsed := time.time() - start_at) < args.soak_seconds:
            samples.append((elapsed, tree_rss_mb(server.pid)))
            time.sleep(min(5.0, max(0.0, args.soak_seconds - elapsed)))
        figures = load.finish()
        backlog = server.backlog()
    rss = [r for _, r in samples]
    first = [r for t, r in samples if t < window]
    last = [r for t, r in samples if t >= args.soak_seconds - window]
    first_mean, last_mean = statistics.mean(first), statistics.mean(last)
    return {
        "seconds": args.soak_seconds,
        "rate_events_per_s": rate,
        "sent_events_per_s": round(figures["requests"] * EVENTS_PER_REQUEST / args.soak_seconds),
        "errors": figures["errors"],
        "backlog_at_end": backlog,
        "window_seconds": round(window),
        "rss_mb_first_window_mean": round(first_mean, 1),
        "rss_mb_last_window_mean": round(last_mean, 1),
        "rss_mb_max": round(max(rss), 1),
        "flat": abs(last_mean - first_mean) <= FLAT_WITHIN * first_mean,
        "rss_mb_max_per_minute": per_minute_max(samples),
    }


def per_minute_max(samples: list[tuple[float, float]]) -> list[float]:
    by_minute: dict[int, float] = {}
    for t, r in samples:
        by_minute[int(t // 60)] = max(by_minute.get(int(t // 60), 0.0), r)
    return [round(r, 1) for _, r in sorted(by_minute.items())]


if __name__ == "__main__":
    main()
