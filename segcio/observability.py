"""/healthz and /metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from segcio import jsonutil
from segcio.metrics import registry

router = APIRouter()


@router.get("/healthz")
async def healthz(request: Request) -> Response:
    backpressure = request.app.state.runtime.services["backpressure"]
    backlog = await asyncio.to_thread(backpressure.refresh)
    return Response(jsonutil.dumpb({"status": "ok", "backlog": backlog}), media_type="application/json")


@router.get("/metrics")
async def prometheus_metrics() -> Response:
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
