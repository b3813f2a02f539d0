"""The Segment Tracking HTTP API: /v1/batch and friends, single calls, analytics.js paths, pixel, metrics."""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from segcio import metrics
from segcio.client_address import client_address
from segcio.errors import Invalid
from segcio.ingest.body import MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, BadRequest, decode, parse_json, read_capped
from segcio.ingest.service import IngestService
from segcio.ingest.writekey import UnknownWriteKey
from segcio.runtime import Backlog

SINGLE_ROUTES = {
    "identify": "identify",
    "track": "track",
    "page": "page",
    "screen": "screen",
    "group": "group",
    "alias": "alias",
    "i": "identify",
    "t": "track",
    "p": "page",
    "s": "screen",
    "g": "group",
    "a": "alias",
}
BATCH_ROUTES = ("batch", "import", "b")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization, Content-Encoding, X-Retry-Count",
    "Access-Control-Max-Age": "86400",
}
SUCCESS = b'{"success":true}'
# A transparent 1x1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _json(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    metrics.ingest_requests.labels(str(status)).inc()
    return Response(
        body, status_code=status, media_type="application/json", headers={**CORS_HEADERS, **(headers or {})}
    )


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """The Segment Tracking API's error shape, `{"code","message"}`."""
    return _json(status, orjson.dumps({"code": code, "message": message}), headers)


def _refusal(exc: Invalid) -> Response:
    return _error(exc.status, exc.code, exc.message)


@dataclass(frozen=True)
class Tracking:
    """What the Tracking API's routes use: the ingestion service, and the backlog that can make them answer 429."""

    service: IngestService
    backlog: Backlog


async def ingest(request: Request, tracking: Tracking, *, batch: bool, route_type: str | None) -> Response:
    started = time.perf_counter()
    svc = tracking.service
    limit = MAX_BATCH_BYTES if batch else MAX_MESSAGE_BYTES
    headers = request.headers
    try:
        # What costs nothing to check comes first: the credentials of the header, then the declared length;
        # the body is read only up to the limit.
        source_id = svc.sources.resolve_header(headers.get("authorization"))
        raw = await read_capped(request.stream(), headers.get("content-length"), limit)
        body = parse_json(decode(raw, headers.get("content-encoding"), limit))
        del raw
        if source_id is None:
            source_id = svc.sources.resolve_body(body)
            if source_id is None:
                raise UnknownWriteKey()
        retry_after = tracking.backlog.retry_after()
        if retry_after:
            return _error(
                429,
                "too_many_requests",
                "The event log is over its bound while destinations catch up; retry later.",
                {"Retry-After": str(retry_after)},
            )
        prepared = svc.prepare(source_id, body, batch=batch, route_type=route_type, peer_ip=client_address(request))
        del body  # the rows are all that waits for the commit, not the parsed request
        await svc.write(prepared)
    except UnknownWriteKey:
        await svc.record_invalid_key()
        return _error(
            401,
            "invalid_write_key",
            "Unknown or missing write key: send it as the Basic auth user "
            "('Authorization: Basic base64(<writeKey>:)') or as 'writeKey' in the body.",
        )
    except BadRequest as exc:
        metrics.ingest_rejected.labels(exc.code).inc()
        return _refusal(exc)
    except ClientDisconnect:  # nobody is left to read the answer, and nothing was stored
        return _error(400, "invalid_request", "The connection closed before the body ended.")
    except Exception:  # the database did not commit: nothing was acknowledged, the client retries
        return _error(
            503, "unavailable", "The event could not be stored durably; retry the request.", {"Retry-After": "1"}
        )
    finally:
        metrics.ingest_latency.observe(time.perf_counter() - started)
    return _json(200, SUCCESS)


class BatchFastPath:
    """ASGI middleware: `POST /v1/batch` (nearly all Tracking API traffic) goes straight to ingestion, skipping
    the framework's route matching and dependency resolution, which cost about as much as normalising a few
    messages. The answer is the same as through the router."""

    PATHS = frozenset(f"/v1/{name}" for name in BATCH_ROUTES)

    def __init__(self, app: ASGIApp, tracking: Tracking) -> None:
        self.app = app
        self.tracking = tracking

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.PATHS:
            response = await ingest(Request(scope, receive), self.tracking, batch=True, route_type=None)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def router(api: Tracking) -> APIRouter:
    """The Tracking API's routes (`BatchFastPath` answers most `/v1/batch` requests before them)."""
    router = APIRouter()

    @router.post("/v1/{name}")
    async def tracking(name: str, request: Request) -> Response:
        if name in BATCH_ROUTES:
            return await ingest(request, api, batch=True, route_type=None)
        if name in SINGLE_ROUTES:
            return await ingest(request, api, batch=False, route_type=SINGLE_ROUTES[name])
        if name == "m":  # analytics.js / mobile telemetry: accepted and ignored
            return _json(200, SUCCESS)
        return _error(
            404,
            "not_found",
            f"Unknown Tracking API path '/v1/{name}'. Use /v1/batch, /v1/identify, /v1/track, "
            "/v1/page, /v1/screen, /v1/group or /v1/alias.",
        )

    @router.options("/v1/{path:path}")
    async def preflight(path: str) -> Response:
        return Response(status_code=204, headers=CORS_HEADERS)

    @router.api_route("/v1/pixel/{call}", methods=["GET", "POST"])
    async def pixel(call: str, request: Request) -> Response:
        """The Pixel API: always 200 and a GIF, even on error; accepted messages are stored as usual."""
        svc = api.service
        try:
            message = _pixel_message(dict(request.query_params))
            source_id = svc.sources.resolve_body(message)
            if source_id is not None and call in SINGLE_ROUTES:
                message.pop("writeKey", None)
                prepared = svc.prepare(
                    source_id, message, batch=False, route_type=SINGLE_ROUTES[call], peer_ip=client_address(request)
                )
                await svc.write(prepared)
            elif source_id is None:
                await svc.record_invalid_key()
        except Exception:  # by contract the pixel never fails
            metrics.ingest_rejected.labels("pixel_invalid").inc()
        return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})

    return router


def _pixel_message(params: dict[str, str]) -> dict[str, Any]:
    if "data" in params:
        raw = params["data"]
        try:
            decoded = orjson.loads(base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_"))
        except (binascii.Error, orjson.JSONDecodeError, ValueError):
            decoded = orjson.loads(base64.b64decode(raw + "=" * (-len(raw) % 4)))
        return decoded if isinstance(decoded, dict) else {}
    message: dict[str, Any] = {}
    for key, value in params.items():  # flat parameters: properties.subject=... become nested
        target = message
        *parents, last = key.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
    return message
