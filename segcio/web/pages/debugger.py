"""Live debugger: the events being accepted, newest first, through server-sent events (see segcio.web.live)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from segcio import jsonutil
from segcio.ingest.tail import EVENT_TYPES, EventFilter
from segcio.runtime import Runtime, get_runtime
from segcio.web import live
from segcio.web.render import render
from segcio.web.session import require_login

router = APIRouter(dependencies=[Depends(require_login)])

# A comment line now and then when nothing else is sent, so proxies keep the connection open.
KEEPALIVE_SECONDS = 15


def live_tail(runtime: Runtime) -> live.LiveTail:
    hub = runtime.services.get("live_tail")
    if not isinstance(hub, live.LiveTail):
        hub = runtime.services["live_tail"] = live.LiveTail(runtime.db)
    return hub


@router.get("/debugger")
def debugger_page(request: Request) -> Response:
    return render(
        request,
        "debugger.html",
        title="Debugger",
        types=EVENT_TYPES,
        rows_per_second=live.ROWS_PER_SECOND,
        rows_per_tick=live.ROWS_PER_TICK,
        tick_seconds=live.TICK_SECONDS,
    )


@router.get("/debugger/stream")
async def debugger_stream(
    request: Request,
    event_type: str = Query("", alias="type"),
    event: str = "",
    user: str = "",
    text: str = "",
    after: int | None = None,
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    """`text/event-stream`: `row` messages (id = the event's seq, so a reconnect resumes after it) and `stats`."""
    try:
        flt = EventFilter(type=event_type, event=event, user=user, text=text)
    except ValueError as error:
        return PlainTextResponse(str(error), status_code=400)
    last_id = request.headers.get("last-event-id", "")
    if last_id.isdigit():
        after = int(last_id)
    hub = live_tail(runtime)
    viewer = await hub.join(flt, after)
    if viewer is None:
        return PlainTextResponse(
            f"{live.MAX_STREAMS} debugger streams are open in this server process already: close one and retry.",
            status_code=429,
            headers={"Retry-After": "10"},
        )
    return StreamingResponse(
        _messages(hub, viewer),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _messages(hub: live.LiveTail, viewer: live.Viewer) -> AsyncIterator[str]:
    try:
        yield "retry: 3000\n\n"
        while True:
            try:
                kind, data = await asyncio.wait_for(viewer.queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if kind == "end":
                return
            seq = f"id: {data['seq']}\n" if kind == "row" else ""
            yield f"{seq}event: {kind}\ndata: {jsonutil.dumps(data)}\n\n"
    finally:
        hub.leave(viewer)
