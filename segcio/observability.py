"""/healthz (public) and /metrics (admin, or everyone with `metrics_public`)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from segcio import jsonutil, metrics, process_status
from segcio.pipeline import failed, failures
from segcio.runtime import get_runtime
from segcio.store import Database
from segcio.web.admin_view import admin_view

router = APIRouter()
_reported: set[int] = set()  # destinations given a failed-events gauge by this process


def _failed_counts(db: Database) -> dict[int, int]:
    with db.connect() as conn:
        return failed.counts(conn)


def _failures(db: Database) -> dict[int, failures.Failures]:
    with db.connect() as conn:
        return failures.by_destination(conn)


@router.get("/healthz")
async def healthz(request: Request) -> Response:
    """`{"status": "ok", "backlog": N, "processes": [...]}`; `"degraded"` with `"failed": M` while events wait in a
    failed state (still 200: the service runs, an operator has events to look at). `processes` lists the processes
    of this `segcio serve`: role, pid, started, restarts, alive."""
    runtime = get_runtime(request)
    backlog = await asyncio.to_thread(runtime.backlog.refresh)
    failed_events = sum((await asyncio.to_thread(_failed_counts, runtime.db)).values())
    body: dict[str, Any] = {"status": "ok", "backlog": backlog}
    if failed_events:
        body = {"status": "degraded", "backlog": backlog, "failed": failed_events}
    body["processes"] = process_status.current("serve" if runtime.routing else "http")
    return Response(jsonutil.dumpb(body), media_type="application/json")


@router.get("/metrics", dependencies=[Depends(admin_view("metrics_public"))])
async def prometheus_metrics(request: Request) -> Response:
    counts = await asyncio.to_thread(_failures, request.app.state.runtime.db)
    for destination_id in _reported - counts.keys():  # every failure resolved: 0, not a vanished series
        counts[destination_id] = failures.Failures()
    for destination_id, f in counts.items():
        label = str(destination_id)
        metrics.failed_events.labels(label).set(f.parked)
        for kind, n in (("refused", f.refused), ("parked", f.parked), ("dead_letters", f.dead_letters)):
            metrics.failures.labels(label, kind).set(n)
        metrics.failures_total.labels(label).set(f.total)
    _reported.update(counts)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
