"""A Customer.io Track API stand-in that can misbehave on purpose, and records everything it receives."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

MAX_BATCH = 500_000
KNOWN_PATH = re.compile(r"^/api/(v2/(batch|entity)|v1/(metrics|events|customers/[^/]+(/events)?))$")


@dataclass(frozen=True)
class Fault:
    """How to answer one request: "ok" (normally), "429" (with Retry-After `seconds`), any other status ("404",
    "500", "503", ...) with an error body,
    "hang" (accept, then answer only after `seconds`), "reset" (accept, then drop the connection mid-response)."""

    kind: str
    seconds: float = 0.0


@dataclass
class Arrival:
    at: float
    method: str
    path: str
    authorization: str | None
    body: bytes
    status: int
    fault: str | None
    items: list[dict[str, Any]] = field(default_factory=list)  # batch items (or the single body)
    rejected: set[int] = field(default_factory=set)  # batch indexes answered as failed

    @property
    def processed(self) -> bool:
        """Did the service take this request in (as Customer.io would, even if the client never heard)?"""
        return self.status < 300 or self.fault in ("hang", "reset")


class _Reset(Response):
    """Starts a response and breaks the connection before finishing it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        raise ConnectionResetError("stand-in drops the connection on purpose")


class StandIn:
    def __init__(self, site_id: str = "site-1", api_key: str = "key-1") -> None:
        self.expected_auth = "Basic " + base64.b64encode(f"{site_id}:{api_key}".encode()).decode()
        self.arrivals: list[Arrival] = []
        self.faults: deque[Fault] = deque()
        self.reject_ids: set[str] = set()  # person ids whose v2 items get a 207 error
        self.fail_paths: dict[str, Fault] = {}  # path -> fault answered every time (until removed)
        self.invalid_marker = "INVALID"  # a batch item containing this makes the whole batch a 400
        self.on_request: Callable[[Arrival], None] | None = None
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST", "PUT", "DELETE"])])
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # ---- control ----
    def plan(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def start(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=port, log_level="critical", lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("stand-in did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    # ---- views ----
    def processed_items(self) -> list[tuple[Arrival, dict[str, Any]]]:
        """Every item the service took in, in arrival order (rejected 207 items excluded)."""
        out = []
        for a in sorted(self.arrivals, key=lambda a: a.at):
            if a.processed:
                out.extend((a, item) for i, item in enumerate(a.items) if i not in a.rejected)
        return out

    # ---- the service ----
    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        at = time.time()
        path = request.url.path
        with self._lock:
            fault = self.fail_paths.get(path) or (self.faults.popleft() if self.faults else None)
        auth = request.headers.get("authorization")
        arrival = Arrival(at, request.method, path, auth, body, 200, fault.kind if fault else None)
        with self._lock:
            self.arrivals.append(arrival)
        if path.startswith("/api/v2/batch"):
            arrival.items = json.loads(body)["batch"]
        elif body:
            arrival.items = [json.loads(body)]
        else:
            arrival.items = [{"path": path}]
        arrival.rejected = {
            i for i, item in enumerate(arrival.items) if str(item.get("identifiers", {}).get("id")) in self.reject_ids
        }
        if auth != self.expected_auth:
            arrival.status = 401
            return Response(status_code=401)
        if fault is not None and fault.kind != "ok":
            if fault.kind == "429":
                arrival.status = 429
                return Response(status_code=429, headers={"Retry-After": f"{fault.seconds:g}"})
            if fault.kind.isdigit():  # "400", "404", "500", "503", ...: that status with an error body
                arrival.status = int(fault.kind)
                return JSONResponse({"meta": {"error": "boom"}}, status_code=arrival.status)
            if fault.kind == "hang":
                await asyncio.sleep(fault.seconds)
                return JSONResponse({})
            if fault.kind == "reset":
                return _Reset()
        if path == "/api/v2/batch":
            if len(body) > MAX_BATCH:
                arrival.status = 413
                return Response(status_code=413)
            if self.invalid_marker.encode() in body:
                arrival.status = 400
                return JSONResponse({"errors": [{"reason": "invalid", "field": "batch", "message": "bad"}]}, 400)
            errors = [
                {"batch_index": index, "reason": "invalid", "field": "identifiers", "message": "rejected id"}
                for index in sorted(arrival.rejected)
            ]
            if errors:
                arrival.status = 207
                return JSONResponse({"errors": errors}, status_code=207)
        if not KNOWN_PATH.match(path):
            arrival.status = 404
            return JSONResponse({"meta": {"errors": ["no such endpoint"]}}, status_code=404)
        return JSONResponse({})
