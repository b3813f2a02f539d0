"""A read-only subset of Customer.io's App API: people, their attributes, activities and relationships, object types,
objects, and a CSV export. Authentication is `Authorization: Bearer <App API key>`; errors are
`{"errors":[{"detail","status"}]}`. All reads go through `segcio.workspace.queries`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from segcio import values
from segcio.errors import Invalid
from segcio.runtime import Runtime, get_runtime
from segcio.store import Database
from segcio.workspace import queries
from segcio.workspace.api_auth import app_workspace
from segcio.workspace.app_filters import FilterError, Predicate, compile_filter
from segcio.workspace.http_errors import BEARER_CHALLENGE, app_error, app_refusal, json_response
from segcio.workspace.http_request import REST, BodyError, parse_object, raw_segments, read_body
from segcio.workspace.people_csv import people_csv
from segcio.workspace.queries import ActivityView, ObjectView, PersonView, RelationshipView

router = APIRouter(tags=["App API"])

BODY_LIMIT = 1024 * 1024
ATTRIBUTES_IDS_MAX = 100
CUSTOMERS_LIMIT = (50, 1000)  # (default, maximum) of POST /v1/customers
ACTIVITIES_LIMIT = (10, 100)
RELATIONSHIPS_LIMIT = (50, 1000)
PERSON_ID_TYPES = ("id", "email", "cio_id")
OBJECT_ID_TYPES = ("object_id", "cio_object_id")

T = TypeVar("T")


class AppError(Invalid):
    """An App API error answer: `{"errors":[{"detail": message, "status": status}]}`."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail, status=status)
        self.detail = detail


def _run(handler: Callable[[], Any]) -> Callable[[], Response]:
    """Run a blocking read and turn AppError into the App API error shape."""

    def call() -> Response:
        try:
            result = handler()
        except AppError as exc:
            return app_refusal(exc)
        return result if isinstance(result, Response) else json_response(result)

    return call


async def _serve(request: Request, runtime: Runtime, handler: Callable[[Database, int], Any]) -> Response:
    workspace_id = await run_in_threadpool(app_workspace, runtime.db, request.headers.get("authorization"))
    if workspace_id is None:
        response = app_error("Unauthorized: send 'Authorization: Bearer <App API key>' (see `segcio info`).", 401)
        response.headers.update(BEARER_CHALLENGE)
        return response
    limit = runtime.app_api_rate
    retry_after = limit.retry_after(workspace_id)
    if retry_after:
        response = app_error(limit.message(), 429)
        response.headers["Retry-After"] = str(retry_after)
        return response
    problem = _url_problem(request)
    if problem is not None:
        return app_error(problem, 400)
    return await run_in_threadpool(_run(lambda: handler(runtime.db, workspace_id)))


def _url_problem(request: Request) -> str | None:
    """Identifiers in the path and query values are looked up in text columns: the text rule applies to them
    (percent-decoding cannot make a lone surrogate; it can make a NUL)."""
    problem = values.text_problem(request.scope["path"])
    if problem is not None:
        return f"The path {problem}."
    for key, value in request.query_params.multi_items():
        problem = values.text_problem(key) or values.text_problem(value)
        if problem is not None:
            return f"The query parameter {values.printable(key)} {problem}."
    return None


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = parse_object(await read_body(request, BODY_LIMIT), empty_ok=False)
    except BodyError as exc:
        raise AppError(400, exc.message) from exc
    problem = values.value_problem(body)
    if problem is not None:
        raise AppError(400, f"{problem.message}.")
    return body


def _limit(request: Request, bounds: tuple[int, int]) -> int:
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return bounds[0]
    if not raw.isdecimal() or not 1 <= int(raw) <= bounds[1]:
        raise AppError(400, f"limit must be a whole number from 1 to {bounds[1]} (got {raw!r}).")
    return int(raw)


def _cursor_check(start: str | None) -> str | None:
    try:
        queries.decode_cursor(start)
    except ValueError as exc:
        raise AppError(400, str(exc)) from exc
    return start


def _page(items: list[T], start: str | None, limit: int) -> tuple[list[T], str]:
    """An in-memory page of a complete list; `next` is "" on the last page."""
    offset = queries.decode_cursor(_cursor_check(start))
    page = items[offset : offset + limit]
    more = offset + limit < len(items)
    return page, queries.encode_cursor(offset + limit) if more else ""


# -- people ------------------------------------------------------------------------------------------------------


def _short_identifiers(person: PersonView) -> dict[str, Any]:
    return {"cio_id": person.cio_id, "email": person.email, "id": person.id}


def _person_for(db: Database, workspace_id: int, identifier: str, id_type: str) -> PersonView:
    if id_type not in PERSON_ID_TYPES:
        raise AppError(400, f"id_type must be one of {', '.join(PERSON_ID_TYPES)} (got {id_type!r}).")
    if id_type == "email" and not queries.settings(db, workspace_id).email_is_identifier:
        raise AppError(400, "id_type=email needs a workspace that identifies people by email; use id or cio_id.")
    person = queries.find_by_identifier(db, workspace_id, identifier, id_type)
    if person is None:
        raise AppError(404, f"No person with {id_type} {identifier!r} in this workspace.")
    return person


@router.get("/v1/customers")
async def customers_by_email(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """Every profile with this email: `{"results":[{"cio_id","email","id"}]}`."""
    email = request.query_params.get("email")

    def handler(db: Database, workspace_id: int) -> Any:
        if not email:
            raise AppError(400, "email is required: GET /v1/customers?email=<address>.")
        return {"results": [_short_identifiers(p) for p in queries.people_by_email(db, workspace_id, email)]}

    return await _serve(request, runtime, handler)


@router.post("/v1/customers")
async def customers_filter(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """People matching a filter, a page at a time: `{"identifiers":[...],"ids":[...],"next":"..."}`."""

    def page(db: Database, workspace_id: int, query: _FilterQuery) -> Any:
        people, cursor = queries.list_people(
            db, workspace_id, where=query.predicate, start=query.start, limit=query.limit
        )
        return {
            "identifiers": [_short_identifiers(p) for p in people],
            "ids": [p.id or "" for p in people],
            "next": cursor or "",
        }

    return await _filtered(request, runtime, page)


@dataclass(frozen=True)
class _FilterQuery:
    body: dict[str, Any]
    predicate: Predicate
    limit: int
    start: str | None


async def _filtered(
    request: Request,
    runtime: Runtime,
    page: Callable[[Database, int, _FilterQuery], Any],
    check: Callable[[dict[str, Any]], object] = lambda body: None,
) -> Response:
    """A filter endpoint: the body (first `check`ed), its `filter`, `limit` and `start` are read before the
    credentials are checked, and their errors answered after them (401 comes before 400)."""
    try:
        body = await _body(request)
        check(body)
        predicate = _filter_from(body)
        limit = _limit(request, CUSTOMERS_LIMIT)
        query = _FilterQuery(body, predicate, limit, _cursor_check(request.query_params.get("start")))
    except AppError as exc:
        return await _serve(request, runtime, _failing(exc))
    return await _serve(request, runtime, lambda db, workspace_id: page(db, workspace_id, query))


def _failing(exc: AppError) -> Callable[[Database, int], Any]:
    """A handler answering with `exc` once the credentials are checked (401 comes before 400)."""

    def handler(_db: Database, _workspace_id: int) -> Any:
        raise exc

    return handler


def _filter_from(body: dict[str, Any]) -> Predicate:
    if "filter" not in body:
        raise AppError(400, 'filter is required: send {"filter":{"and":[{"attribute":{...}}]}}.')
    try:
        return compile_filter(body["filter"])
    except FilterError as exc:
        raise AppError(400, exc.message) from exc


@router.post("/v1/customers/attributes")
async def customers_attributes(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """Attributes and devices of up to 100 people: `{"customers":[{"customer":{...}}]}`; unknown ids are omitted."""
    id_type = request.query_params.get("id_type", "id")
    try:
        body = await _body(request)
    except AppError as exc:
        return await _serve(request, runtime, _failing(exc))

    def handler(db: Database, workspace_id: int) -> Any:
        ids = body.get("ids")
        if not isinstance(ids, list) or not ids or len(ids) > ATTRIBUTES_IDS_MAX:
            raise AppError(400, f'ids is required: send {{"ids":[...]}} with 1 to {ATTRIBUTES_IDS_MAX} identifiers.')
        customers = []
        for identifier in ids:
            if not isinstance(identifier, str | int) or isinstance(identifier, bool):
                raise AppError(400, f"ids must hold strings; {identifier!r} is not one.")
            try:
                person = _person_for(db, workspace_id, str(identifier), id_type)
            except AppError as exc:
                if exc.status == 404:
                    continue
                raise
            customers.append({"customer": queries.customer_json(db, workspace_id, person)})
        return {"customers": customers}

    return await _serve(request, runtime, handler)


CUSTOMERS = "/v1/customers/"


@router.get(CUSTOMERS + REST)
async def customer_resource(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """/v1/customers/{id}/attributes | activities | relationships (routed on the raw path, `%2F` stays in ids)."""
    segments = raw_segments(request, CUSTOMERS) or []
    params = request.query_params
    id_type = params.get("id_type", "id")

    def handler(db: Database, workspace_id: int) -> Any:
        if len(segments) != 2 or segments[1] not in CUSTOMER_VIEWS:
            raise AppError(404, f"No App API endpoint GET /v1/customers/{'/'.join(segments)}.")
        person = _person_for(db, workspace_id, segments[0], id_type)
        return CUSTOMER_VIEWS[segments[1]](db, workspace_id, person, request)

    return await _serve(request, runtime, handler)


def _attributes(db: Database, workspace_id: int, person: PersonView, _request: Request) -> Any:
    return {"customer": queries.customer_json(db, workspace_id, person)}


def _activity_json(activity: ActivityView, person: PersonView) -> dict[str, Any]:
    is_event = activity.id.startswith("e")
    data = activity.data.get("data", {}) if is_event else activity.data
    return {
        "id": activity.id,
        "type": activity.type,
        "name": activity.name,
        "timestamp": int(activity.timestamp),
        "customer_id": person.id or "",
        "customer_identifiers": person.identifiers(),
        "delivery_id": None,
        "delivery_type": None,
        "data": data,
    }


def _activities(db: Database, workspace_id: int, person: PersonView, request: Request) -> Any:
    params = request.query_params
    found, cursor = queries.activities(
        db,
        workspace_id,
        person_pk=person.pk,
        type=params.get("type") or None,
        name=params.get("name") or None,
        start=_cursor_check(params.get("start")),
        limit=_limit(request, ACTIVITIES_LIMIT),
    )
    return {"activities": [_activity_json(a, person) for a in found], "next": cursor or ""}


def _object_identifiers(obj: ObjectView) -> dict[str, str]:
    return {"object_type_id": str(obj.type_id), "object_id": obj.object_id, "cio_object_id": obj.cio_object_id}


def _person_relationships(db: Database, workspace_id: int, person: PersonView, request: Request) -> Any:
    related = [r for r in queries.person_relationships(db, workspace_id, person.pk) if r.object is not None]
    page, cursor = _page(related, request.query_params.get("start"), _limit(request, RELATIONSHIPS_LIMIT))
    return {"cio_relationships": [_relationship_to_object(r) for r in page], "next": cursor}


def _relationship_to_object(relationship: RelationshipView) -> dict[str, Any]:
    assert relationship.object is not None
    return {
        "identifiers": _object_identifiers(relationship.object),
        "object_type_id": str(relationship.object.type_id),
        "object_type_disabled": False,
        "relationship_attributes": {k: queries.as_string(v) for k, v in relationship.attributes.items()},
    }


CUSTOMER_VIEWS: dict[str, Callable[[Database, int, PersonView, Request], Any]] = {
    "attributes": _attributes,
    "activities": _activities,
    "relationships": _person_relationships,
}


# -- objects -----------------------------------------------------------------------------------------------------


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


@router.get("/v1/object_types")
async def object_types(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """`{"types":[{"id","name","singular_name","slug","singular_slug","enabled","icon"}]}`; ids are strings."""

    def handler(db: Database, workspace_id: int) -> Any:
        # segcio keeps one name per type; it serves as plural and singular name.
        return {
            "types": [
                {
                    "id": str(t["id"]),
                    "name": t["name"],
                    "singular_name": t["name"],
                    "slug": _slug(t["name"]),
                    "singular_slug": _slug(t["name"]),
                    "enabled": True,
                    "icon": "",
                }
                for t in queries.object_types(db, workspace_id)
            ]
        }

    return await _serve(request, runtime, handler)


@router.post("/v1/objects")
async def objects_filter(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """Objects of one type matching a filter: `{"identifiers":[{"object_id","cio_object_id"}],"ids":[...],"next"}`."""

    def page(db: Database, workspace_id: int, query: _FilterQuery) -> Any:
        type_id = _type_id(query.body.get("object_type_id"))
        found, cursor = queries.list_objects(
            db, workspace_id, type_id, where=query.predicate, start=query.start, limit=query.limit
        )
        return {
            "identifiers": [{"object_id": o.object_id, "cio_object_id": o.cio_object_id} for o in found],
            "ids": [o.object_id for o in found],
            "next": cursor or "",
        }

    return await _filtered(request, runtime, page, check=lambda body: _type_id(body.get("object_type_id")))


def _type_id(value: Any) -> int:
    try:
        return values.object_type_id(value)
    except values.ValueRuleError as exc:
        raise AppError(400, f'{exc.message} (such as "1").') from None


OBJECTS = "/v1/objects/"


@router.get(OBJECTS + REST)
async def object_resource(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """/v1/objects/{object_type_id}/{object_id}/attributes | relationships (`?id_type=object_id|cio_object_id`)."""
    segments = raw_segments(request, OBJECTS) or []
    id_type = request.query_params.get("id_type", "object_id")

    def handler(db: Database, workspace_id: int) -> Any:
        if len(segments) != 3 or segments[2] not in ("attributes", "relationships"):
            raise AppError(404, f"No App API endpoint GET /v1/objects/{'/'.join(segments)}.")
        obj = _object_for(db, workspace_id, segments[0], segments[1], id_type)
        if segments[2] == "attributes":
            return {
                "object": {
                    "identifiers": {"object_id": obj.object_id, "cio_object_id": obj.cio_object_id},
                    "object_type_id": str(obj.type_id),
                    "attributes": {k: queries.as_string(v) for k, v in obj.attributes.items()},
                    "timestamps": {k: int(v) for k, v in obj.timestamps.items() if k in obj.attributes},
                }
            }
        people = [r for r in queries.object_relationships(db, workspace_id, obj.pk) if r.person is not None]
        page, cursor = _page(people, request.query_params.get("start"), _limit(request, RELATIONSHIPS_LIMIT))
        return {"cio_relationships": [_relationship_to_person(r) for r in page], "next": cursor}

    return await _serve(request, runtime, handler)


def _object_for(db: Database, workspace_id: int, type_text: str, identifier: str, id_type: str) -> ObjectView:
    type_id = _type_id(type_text)
    if id_type not in OBJECT_ID_TYPES:
        raise AppError(400, f"id_type must be one of {', '.join(OBJECT_ID_TYPES)} (got {id_type!r}).")
    if id_type == "cio_object_id":
        obj = queries.find_object(db, workspace_id, cio_object_id=identifier)
        obj = obj if obj is not None and obj.type_id == type_id else None
    else:
        obj = queries.find_object(db, workspace_id, type_id=type_id, object_id=identifier)
    if obj is None:
        raise AppError(404, f"No object with {id_type} {identifier!r} of object type {type_id} in this workspace.")
    return obj


def _relationship_to_person(relationship: RelationshipView) -> dict[str, Any]:
    assert relationship.person is not None
    return {
        "identifiers": _short_identifiers(relationship.person),
        "relationship_attributes": {k: queries.as_string(v) for k, v in relationship.attributes.items()},
    }


# -- export ------------------------------------------------------------------------------------------------------

EXPORT_PATH = "/v1/exports/customers.csv"


@router.get(EXPORT_PATH, name="export_customers_get")
@router.post(EXPORT_PATH, name="export_customers_post")
async def export_customers(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    """Every person as CSV, synchronously (segcio's simpler form of Customer.io's asynchronous exports)."""

    def handler(db: Database, workspace_id: int) -> Response:
        return StreamingResponse(
            people_csv(db, workspace_id),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="customers.csv"'},
        )

    return await _serve(request, runtime, handler)
