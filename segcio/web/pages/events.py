"""Events: find events of the log (`/ui/events?q=`) and the trace of one (`/ui/events/{seq}`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from segcio.pipeline.event_search import MAX_QUERY, search
from segcio.pipeline.trace import trace
from segcio.runtime import Runtime, get_runtime
from segcio.web.params import LogId
from segcio.web.render import render
from segcio.web.session import require_login

router = APIRouter(dependencies=[Depends(require_login)])


@router.get("/events")
def events_page(request: Request, q: str = "", runtime: Runtime = Depends(get_runtime)) -> Response:
    query = q.strip()[:MAX_QUERY]
    found = search(runtime.db, query) if query else None
    return render(request, "events.html", title="Events", q=query, found=found)


@router.get("/events/{seq}")
def trace_page(request: Request, seq: LogId, runtime: Runtime = Depends(get_runtime)) -> Response:
    traced = trace(runtime.db, seq)
    if traced is None:
        raise HTTPException(404, f"No event {seq} in the log (it may have been removed by retention or a regulation).")
    return render(request, "event_trace.html", title=f"Event {seq}", t=traced)
