"""/healthz (public) and /metrics (admin, or everyone with `metrics_public`)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from segcio import jsonutil
from segcio.metrics import registry
from segcio.web.admin_view import admin_view

router = APIRouter()


@router.get("/healthz")
async def healthz(request: Request) -> Response:
    backpressure = request.app.state.runtime.services["backpressure"]
    backlog = await asyncio.to_thread(backpressure.refresh)
    return Response(jsonutil.dumpb({"status": "ok", "backlog": backlog}), media_type="application/json")


@router.get("/metrics", dependencies=[Depends(admin_view("metrics_public"))])
async def prometheus_metrics() -> Response:
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
