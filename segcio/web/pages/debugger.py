"""Live debugger: the events being accepted, newest first, through server-sent events (see segcio.web.live)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from segcio import jsonutil
from segcio.ingest.tail import EVENT_TYPES, EventFilter
from segcio.runtime import Runtime, get_runtime
from segcio.store import Database
from segcio.web import live, session_store
from segcio.web.render import render
from segcio.web.session import Session, require_login

router = APIRouter(dependencies=[Depends(require_login)])

# A stream ends this soon after its login does (logout, password change, expiry).
SESSION_CHECK_SECONDS = 5


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


def stream_router(hub: live.LiveTail) -> APIRouter:
    """The stream of the page: every stream of this process reads the event log through one `hub`."""
    stream = APIRouter(dependencies=[Depends(require_login)])

    @stream.get("/debugger/stream")
    async def debugger_stream(
        request: Request,
        event_type: str = Query("", alias="type"),
        event: str = "",
        user: str = "",
        text: str = "",
        after: int | None = None,
        runtime: Runtime = Depends(get_runtime),
        session: Session = Depends(require_login),
    ) -> Response:
        """`text/event-stream`: `row` messages (id = the event's seq, so a reconnect resumes after it) and `stats`."""
        try:
            flt = EventFilter(type=event_type, event=event, user=user, text=text)
        except ValueError as error:
            return PlainTextResponse(str(error), status_code=400)
        last_id = request.headers.get("last-event-id", "")
        if last_id.isdigit():
            after = int(last_id)
        viewer = await hub.join(flt, after)
        if viewer is None:
            return PlainTextResponse(
                f"{live.MAX_STREAMS} debugger streams are open in this server process already: close one and retry.",
                status_code=429,
                headers={"Retry-After": "10"},
            )
        return StreamingResponse(
            _messages(hub, viewer, runtime.db, session.session_id),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return stream


async def _messages(hub: live.LiveTail, viewer: live.Viewer, db: Database, session_id: str) -> AsyncIterator[str]:
    try:
        yield "retry: 3000\n\n"
        checked = time.monotonic()
        while True:
            try:
                kind, data = await asyncio.wait_for(viewer.queue.get(), SESSION_CHECK_SECONDS)
            except TimeoutError:
                kind, data = "keep-alive", {}
            if time.monotonic() - checked >= SESSION_CHECK_SECONDS:
                if not await asyncio.to_thread(session_store.is_open, db, session_id):
                    return
                checked = time.monotonic()
            if kind == "end":
                return
            if kind == "keep-alive":
                yield ": keep-alive\n\n"
                continue
            seq = f"id: {data['seq']}\n" if kind == "row" else ""
            yield f"{seq}event: {kind}\ndata: {jsonutil.dumps(data)}\n\n"
    finally:
        hub.leave(viewer)
