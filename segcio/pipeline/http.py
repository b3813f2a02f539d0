"""The regulations API, shaped like Segment's Public API (`/regulations`), and the failed events of the
destinations (`/admin/api/failed-events`), behind the admin token."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from segcio import jsonutil
from segcio.auth import require_admin
from segcio.pipeline import failed, regulations
from segcio.pipeline.replay_failed import replay_failed
from segcio.runtime import Runtime, get_runtime

router = APIRouter(dependencies=[Depends(require_admin)])


def _json(body: Any, status: int = 200) -> Response:
    return Response(jsonutil.dumpb(body), status_code=status, media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"errors": [{"type": "validation" if status == 422 else "not-found", "message": message}]}, status)


async def _create(request: Request, runtime: Runtime, source_id: int | None) -> Response:
    try:
        body = jsonutil.loads(await request.body())
    except ValueError:
        return _error(422, "The body is not valid JSON.")
    try:
        regulation = regulations.create(runtime.db, body, source_id)
    except regulations.RegulationError as exc:
        return _error(422, str(exc))
    runtime.suppressions.refresh()
    return _json({"data": {"regulateId": str(regulation.id)}})


@router.post("/regulations")
async def create_regulation(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    return await _create(request, runtime, None)


@router.post("/regulations/sources/{source_id}")
async def create_source_regulation(
    source_id: int, request: Request, runtime: Runtime = Depends(get_runtime)
) -> Response:
    return await _create(request, runtime, source_id)


@router.get("/regulations")
async def list_regulations(runtime: Runtime = Depends(get_runtime)) -> Response:
    return _json({"data": {"regulations": [r.to_json() for r in regulations.list_all(runtime.db)]}})


@router.get("/regulations/{regulation_id}")
async def get_regulation(regulation_id: int, runtime: Runtime = Depends(get_runtime)) -> Response:
    try:
        return _json({"data": {"regulation": regulations.get(runtime.db, regulation_id).to_json()}})
    except regulations.RegulationError as exc:
        return _error(404, str(exc))


@router.get("/suppressions")
async def list_suppressions(runtime: Runtime = Depends(get_runtime)) -> Response:
    return _json({"data": {"suppressions": regulations.suppressed(runtime.db)}})


@router.get("/admin/api/failed-events")
async def list_failed_events(destination: int | None = None, runtime: Runtime = Depends(get_runtime)) -> Response:
    """Events in a destination's failed state, oldest first, with their reason (no bodies)."""

    def listing() -> list[dict[str, Any]]:
        with runtime.db.connect() as conn:
            return [event.as_dict() for event in failed.list_failed(conn, destination)]

    return _json({"failed_events": await asyncio.to_thread(listing)})


@router.post("/admin/api/failed-events/replay")
async def replay_failed_events(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """`{"id": N}` or `{"all": true, "destination": D?}`: run failed events again through their destination."""
    try:
        body = jsonutil.loads(await request.body() or b"{}")
    except ValueError:
        body = None
    failed_id = body.get("id") if isinstance(body, dict) else None
    every = isinstance(body, dict) and body.get("all") is True
    destination = body.get("destination") if isinstance(body, dict) else None
    if (
        not isinstance(body, dict)
        or (failed_id is None) == (not every)
        or not isinstance(failed_id, int | None)
        or not isinstance(destination, int | None)
        or isinstance(failed_id, bool)
        or isinstance(destination, bool)
    ):
        message = 'The body must be {"id": N} (one failed event) or {"all": true, "destination": D} (D optional).'
        return _json({"error": {"message": message, "field": "id"}}, 422)
    outcome = await asyncio.to_thread(replay_failed, runtime.db, destination_id=destination, failed_id=failed_id)
    return _json(outcome.as_dict())
