"""The HTTP ceiling for `benchmarks/ingest.py --ceiling`: a bare ASGI app under uvicorn that reads the whole body
and answers 200 with Segment's `{"success": true}`, and does nothing else.

Run as `python -m uvicorn benchmarks.bare_app:app --port P --no-access-log` (uvicorn's defaults pick uvloop and
httptools, as they do for `segcio serve`).
"""

from __future__ import annotations

from typing import Any

SUCCESS = b'{"success":true}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(SUCCESS)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":  # lifespan: nothing to start
        message = await receive()
        while message["type"] != "lifespan.shutdown":
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            message = await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] == "/healthz":
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        await send({"type": "http.response.body", "body": SUCCESS})
        return
    parts = []
    more = True
    while more:
        message = await receive()
        parts.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(parts)
    del body
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": SUCCESS})
