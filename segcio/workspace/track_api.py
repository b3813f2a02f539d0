"""Customer.io-compatible Track API: v1 under /api/v1/..., v2 /api/v2/entity and /api/v2/batch, /push/events, /auth.

Every request becomes Track API v2 operations applied through `Workspace.apply` (v1 requests are reshaped by
`segcio.workspace.v1`). Authentication is HTTP Basic `site_id:api_key`; success is exactly `200 {}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from segcio import jsonutil, values
from segcio.customerio.limits import MAX_BATCH_BYTES, MAX_ENTITY_BYTES
from segcio.runtime import Runtime, get_runtime
from segcio.workspace import v1
from segcio.workspace.api_auth import track_workspace
from segcio.workspace.engine import Workspace
from segcio.workspace.http_errors import (
    BASIC_CHALLENGE,
    json_response,
    ok,
    v1_errors,
    v1_refusal,
    v2_error_item,
    v2_errors,
    v2_refusal,
)
from segcio.workspace.http_request import REST, BodyError, parse_object, raw_segments, read_body
from segcio.workspace.results import OpResult

router = APIRouter(tags=["Track API"])

# v1 has no documented request limit; a person's 300 attributes of 1000 bytes fit well inside this bound.
V1_LIMIT = MAX_BATCH_BYTES
SOURCE = "track_api"

V1Builder = Callable[[bool], list[v1.Op]]


UNAUTHORIZED = "Unauthorized: send HTTP Basic auth with your site id as user and Track API key as password."


def _unauthorized_v1() -> Response:
    return json_response({"meta": {"error": UNAUTHORIZED}}, 401, BASIC_CHALLENGE)


def _unauthorized_v2() -> Response:
    return v2_errors([v2_error_item("unauthorized", "authorization", UNAUTHORIZED)], 401)


async def _authenticate(request: Request, runtime: Runtime) -> int | None:
    """The workspace of the request's Basic credentials, or None."""
    return await run_in_threadpool(track_workspace, runtime.db, request.headers.get("authorization"))


def _apply_v1(runtime: Runtime, workspace_id: int, build: V1Builder) -> list[OpResult]:
    """Build the operations (they depend on the workspace's identifier mode) and apply them in one go."""
    workspace = Workspace(runtime.db, workspace_id)
    return workspace.apply(build(workspace.settings().email_is_identifier), source=SOURCE)


def _rejected(results: list[OpResult]) -> list[OpResult]:
    """Malformed operations: the request is answered with an error. Identity conflicts, unknown or suppressed
    people are `200` at Customer.io: the engine records the failure in the activity log, the request succeeds."""
    return [r for r in results if r.is_invalid]


async def _run_v1(
    request: Request,
    runtime: Runtime,
    workspace_id: int | None,
    build: Callable[[dict[str, Any], bool], list[v1.Op]],
    *,
    success: Callable[[], Response] = ok,
) -> Response:
    """Read the body, translate, apply; answer `200 {}` or the v1 error shape."""
    if workspace_id is None:
        return _unauthorized_v1()
    try:
        body = parse_object(await read_body(request, V1_LIMIT))
        results = await run_in_threadpool(_apply_v1, runtime, workspace_id, lambda email_ids: build(body, email_ids))
    except BodyError as exc:
        return v1_refusal(exc)
    except v1.V1Error as exc:
        return v1_refusal(exc, singular=exc.singular)
    rejected = _rejected(results)
    if rejected:
        return v1_errors([r.message or f"{r.field or 'request'} is invalid" for r in rejected])
    return success()


# -- credentials check ----------------------------------------------------------------------------------------


@router.get("/auth")
async def auth_check(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """What Segment's Customer.io destination calls to test credentials: 200 when valid, 401 otherwise."""
    if await _authenticate(request, runtime) is None:
        return _unauthorized_v1()
    return ok()


@router.get("/api/v1/accounts/region")
async def account_region(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    workspace_id = await _authenticate(request, runtime)
    if workspace_id is None:
        return _unauthorized_v1()
    url = str(request.base_url).rstrip("/")
    return json_response({"url": url, "region": "us", "environment_id": workspace_id})


# -- v1 people ------------------------------------------------------------------------------------------------

CUSTOMERS = "/api/v1/customers/"


@router.put(CUSTOMERS + REST, name="customers_put")
@router.post(CUSTOMERS + REST, name="customers_post")
@router.delete(CUSTOMERS + REST, name="customers_delete")
async def customers(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """identify, delete, events, suppress, unsuppress, devices: routed on the raw path so `%2F` stays in an id."""
    segments = raw_segments(request, CUSTOMERS) or []
    method = request.method
    build = _customer_builder(method, segments)
    if build is None:
        return v1_errors([f"No Track API v1 endpoint {method} /api/v1/customers/{'/'.join(segments)}."], 404)
    workspace_id = await _authenticate(request, runtime)
    return await _run_v1(request, runtime, workspace_id, build)


def _customer_builder(method: str, segments: list[str]) -> Callable[[dict[str, Any], bool], list[v1.Op]] | None:
    person, rest = segments[0], segments[1:]
    match method, rest:
        case "PUT", []:
            return lambda body, em: v1.identify(person, body, email_identifiers=em)
        case "DELETE", []:
            return lambda body, em: v1.delete(person, email_identifiers=em)
        case "POST", ["events"]:
            return lambda body, em: v1.event(person, body, email_identifiers=em)
        case "POST", ["suppress"]:
            return lambda body, em: v1.suppress(person, email_identifiers=em)
        case "POST", ["unsuppress"]:
            return lambda body, em: v1.unsuppress(person, email_identifiers=em)
        case "PUT", ["devices"]:
            return lambda body, em: v1.add_device(person, body, email_identifiers=em)
        case "DELETE", ["devices", token]:
            return lambda body, em: v1.delete_device(person, token, email_identifiers=em)
    return None


@router.post("/api/v1/events")
async def anonymous_event(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    workspace_id = await _authenticate(request, runtime)
    return await _run_v1(request, runtime, workspace_id, lambda body, _em: v1.anonymous_event(body))


@router.post("/api/v1/merge_customers")
async def merge_customers(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    workspace_id = await _authenticate(request, runtime)
    return await _run_v1(request, runtime, workspace_id, lambda body, _em: v1.merge(body))


FORMS = "/api/v1/forms/"


@router.post(FORMS + REST)
async def form_submit(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """POST /api/v1/forms/{form_id}/submit: 204 with no body on success."""
    segments = raw_segments(request, FORMS) or []
    if len(segments) != 2 or segments[1] != "submit":
        return v1_errors([f"No Track API v1 endpoint POST /api/v1/forms/{'/'.join(segments)}."], 404)
    form_id = segments[0]
    workspace_id = await _authenticate(request, runtime)
    return await _run_v1(
        request,
        runtime,
        workspace_id,
        lambda body, em: v1.form_submit(form_id, body, email_identifiers=em),
        success=lambda: Response(status_code=204),
    )


# -- v1 delivery metrics (no authentication at Customer.io) ----------------------------------------------------


async def _metrics_workspace(request: Request, runtime: Runtime) -> int:
    """Metrics need no credentials; valid Basic credentials pick their workspace, otherwise the default one."""
    workspace_id = await _authenticate(request, runtime)
    return runtime.defaults.workspace_id if workspace_id is None else workspace_id


@router.post("/unsubscribe/" + REST)
async def unsubscribe(request: Request) -> Response:
    """Customer.io unsubscribes the recipient of a delivery; segcio sends no messages, so no delivery id is known
    and the answer is Customer.io's 400 for a bad delivery id."""
    segments = raw_segments(request, "/unsubscribe/") or [""]
    return v1_errors(
        [
            f"delivery_id {segments[0]!r} is not a delivery of this workspace: segcio sends no messages; "
            "unsubscribe a person with an identify carrying unsubscribed: true."
        ]
    )


@router.post("/api/v1/metrics")
async def delivery_metric(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    workspace_id = await _metrics_workspace(request, runtime)
    return await _run_v1(request, runtime, workspace_id, lambda body, _em: v1.metric(body))


@router.post("/api/v1/push/events")
@router.post("/push/events")
async def push_event(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    workspace_id = await _metrics_workspace(request, runtime)
    return await _run_v1(request, runtime, workspace_id, lambda body, _em: v1.push_event(body))


# -- v2 ---------------------------------------------------------------------------------------------------------


def _apply_v2(runtime: Runtime, workspace_id: int, ops: list[dict[str, Any]]) -> list[OpResult]:
    return Workspace(runtime.db, workspace_id).apply(ops, source=SOURCE)


def _error_item(result: OpResult, batch_index: int | None = None) -> dict[str, Any]:
    return v2_error_item(result.reason or "invalid", result.field or "", result.message or "invalid", batch_index)


@router.post("/api/v2/entity")
async def entity(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """One operation (≤ 32 KB): `200 {}` or `400 {"errors":[{reason, field, message}]}`."""
    workspace_id = await _authenticate(request, runtime)
    if workspace_id is None:
        return _unauthorized_v2()
    try:
        op = parse_object(await read_body(request, MAX_ENTITY_BYTES), empty_ok=False)
    except BodyError as exc:
        return v2_refusal(exc, "body")
    results = await run_in_threadpool(_apply_v2, runtime, workspace_id, [op])
    rejected = _rejected(results)
    if rejected:
        return v2_errors([_error_item(r) for r in rejected])
    return ok()


def _batch_items(body: dict[str, Any], raw_size: int) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """((index, op) to apply, error entries for items refused before applying: not objects, or over 32 KB)."""
    batch = body.get("batch")
    if not isinstance(batch, list):
        raise BodyError('batch is required: send {"batch":[operation, ...]}.')
    accepted: list[tuple[int, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    # A body under the item limit cannot hold an item over it; only larger bodies are measured item by item.
    measure = raw_size > MAX_ENTITY_BYTES
    for index, item in enumerate(batch):
        if not isinstance(item, dict):
            errors.append(
                v2_error_item("invalid", "batch", f"Item {index} must be a JSON object (an operation).", index)
            )
        elif measure and (problem := values.value_problem(item)) is not None:
            # Refused here because it cannot be measured as JSON; the engine refuses it likewise in smaller bodies.
            errors.append(v2_error_item("invalid", problem.field, problem.message, index))
        elif measure and len(size := jsonutil.dumpb(item)) > MAX_ENTITY_BYTES:
            message = (
                f"Item {index} is {len(size)} bytes; each operation in a batch is limited to {MAX_ENTITY_BYTES} bytes."
            )
            errors.append(v2_error_item("invalid", "batch", message, index))
        else:
            accepted.append((index, item))
    return accepted, errors


@router.post("/api/v2/batch")
async def batch(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """Many operations (≤ 500 KB, each ≤ 32 KB): `200 {}`, or `207` listing the failed items by `batch_index`."""
    workspace_id = await _authenticate(request, runtime)
    if workspace_id is None:
        return _unauthorized_v2()
    try:
        raw = await read_body(request, MAX_BATCH_BYTES)
        accepted, errors = _batch_items(parse_object(raw, empty_ok=False), len(raw))
    except BodyError as exc:
        return v2_refusal(exc, "body" if exc.too_large else "batch")
    if accepted:
        results = await run_in_threadpool(_apply_v2, runtime, workspace_id, [op for _i, op in accepted])
        errors += [
            _error_item(result, index)
            for (index, _op), result in zip(accepted, results, strict=True)
            if result.is_invalid
        ]
    if errors:
        errors.sort(key=lambda e: int(e["batch_index"]))
        return v2_errors(errors, 207)
    return ok()
