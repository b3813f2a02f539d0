"""The admin API of event traces: find events (`GET /admin/api/events?q=`) and trace one
(`GET /admin/api/events/{seq}/trace`), behind the admin token."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Query, Response

from segcio import jsonutil
from segcio.auth import require_admin
from segcio.pipeline.event_search import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY, search
from segcio.pipeline.trace import trace
from segcio.runtime import Runtime, get_runtime

router = APIRouter(prefix="/admin/api", dependencies=[Depends(require_admin)])


def _json(body: object, status: int = 200) -> Response:
    return Response(jsonutil.dumpb(body), status_code=status, media_type="application/json")


@router.get("/events")
async def find_events(
    q: str = Query("", max_length=MAX_QUERY, description="seq, messageId, userId, anonymousId or email"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    """Events of the log matching `q`, newest first: `{"query", "events": [...], "notes": [...]}`."""
    if not q.strip():
        message = "q: give a seq, messageId, userId, anonymousId or email, e.g. /admin/api/events?q=user-42"
        return _json({"error": {"message": message, "field": "q"}}, 422)
    return _json(await asyncio.to_thread(search, runtime.db, q, limit))


@router.get("/events/{seq}/trace")
async def trace_event(seq: int, runtime: Runtime = Depends(get_runtime)) -> Response:
    """Everything segcio knows about one event of the log (see docs/ui.md, "The trace of an event")."""
    found = await asyncio.to_thread(trace, runtime.db, seq) if 0 < seq < 2**63 else None
    if found is None:
        message = f"No event {seq} in the log (it may have been removed by retention or a regulation)."
        return _json({"error": {"message": message, "field": "seq"}}, 404)
    return _json(found)
