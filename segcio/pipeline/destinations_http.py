"""Admin JSON API for Actions destinations: configuration (subscriptions, Quick Setup, switches) and the Event
Tester. Every route needs the admin credentials; every change is validated before it is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Connection, select

from segcio import jsonutil, values
from segcio.auth import require_admin
from segcio.errors import Invalid
from segcio.runtime import Runtime, get_runtime

MAX_BODY_BYTES = 1024 * 1024


def limit_body(request: Request) -> None:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise HTTPException(413, detail=f"The request body is larger than {MAX_BODY_BYTES} bytes.")


router = APIRouter(prefix="/admin/api", dependencies=[Depends(require_admin), Depends(limit_body)])
T = TypeVar("T")


class _Problem(Invalid):
    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message, field=field, status=status)


def _refusal(exc: Invalid) -> JSONResponse:
    """The admin API's error shape, `{"error": {"message", "field", "position"?}}`."""
    error: dict[str, Any] = {"message": exc.message, "field": exc.field}
    position = getattr(exc, "position", None)
    if position is not None:
        error["position"] = position
    return JSONResponse({"error": error}, status_code=exc.status)


def _config(runtime: Runtime, work: Callable[[Connection], T], *, write: bool = False) -> T | JSONResponse:
    """Run `work` in a transaction; configuration errors become `{"error": {"message", "field", ...}}`."""
    from segcio.destinations.subscriptions import ConfigError

    try:
        if write:
            with runtime.db.begin() as conn:
                return work(conn)
        with runtime.db.connect() as conn:
            return work(conn)
    except (ConfigError, _Problem) as exc:
        return _refusal(exc)


def _object_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _Problem(400, "body", "expected a JSON object")
    return body


def _stored_body(body: Any) -> dict[str, Any]:
    """A body whose values are stored: the value rules apply (text without NUL or lone surrogates, depth)."""
    problem = values.value_problem(_object_body(body))
    if problem is not None:
        raise _Problem(400, problem.field, problem.message)
    return dict(body)


@router.get("/destinations/actions")
def actions_catalog() -> list[dict[str, Any]]:
    """The Customer.io actions with their fields and default mappings (for building subscriptions)."""
    from segcio.destinations.customerio.actions import ACTIONS

    return [
        {"key": key, "title": action.title, "description": action.description,
         "defaultSubscription": action.default_subscription,
         "fields": [{"key": name, "label": f.label, "type": f.type, "required": f.required, "default": f.default,
                     "choices": list(f.choices) if f.choices else None, "description": f.description}
                    for name, f in action.fields.items()]}
        for key, action in ACTIONS.items()
    ]


@router.get("/destinations", response_model=None)
def list_destinations(runtime: Runtime = Depends(get_runtime)) -> Any:
    from segcio.destinations import subscriptions

    return _config(runtime, subscriptions.list_destinations)


@router.get("/destinations/{destination_id}", response_model=None)
def get_destination(destination_id: int, runtime: Runtime = Depends(get_runtime)) -> Any:
    from segcio.destinations import subscriptions

    return _config(runtime, lambda conn: subscriptions.get_destination(conn, destination_id))


@router.patch("/destinations/{destination_id}", response_model=None)
def patch_destination(destination_id: int, body: Any = Body(...), runtime: Runtime = Depends(get_runtime)) -> Any:
    """`{"enabled": true|false}` turns the whole destination on or off; turned on, it starts at the end of the
    log (events logged before reach it only by a replay)."""
    from segcio.destinations import subscriptions
    from segcio.pipeline.destination_config import set_enabled

    def work(conn: Connection) -> dict[str, Any]:
        changes = _object_body(body)
        if set(changes) != {"enabled"} or not isinstance(changes["enabled"], bool):
            raise _Problem(400, "enabled", 'expected {"enabled": true} or {"enabled": false}')
        subscriptions.destination_summary(conn, destination_id)  # 404 when it does not exist
        set_enabled(conn, destination_id, changes["enabled"])
        return subscriptions.destination_summary(conn, destination_id)

    return _config(runtime, work, write=True)


@router.post("/destinations/{destination_id}/replay", response_model=None)
def replay(destination_id: int, body: Any = Body(...), runtime: Runtime = Depends(get_runtime)) -> Any:
    """Replay a range of the log to the destination, synchronously: `{"since", "until"?, "user"?, "dry_run"?}`
    (times as ISO-8601 or 90m/6h/2d ago); answers with the counts, the actions run and notes."""
    import time

    from segcio.pipeline.replay import Replay, ReplayError, parse_time, run

    if not isinstance(body, dict):
        return _refusal(_Problem(400, "body", "expected a JSON object"))
    asked = body
    try:
        for key in ("since", "until", "user"):
            if asked.get(key) is not None and not isinstance(asked[key], str):
                raise ReplayError(f"{key}: expected a string")
        if not asked.get("since"):
            raise ReplayError('since: required, e.g. {"since": "2h"} or an ISO-8601 time')
        now = time.time()
        until = asked.get("until")
        replay = Replay(destination_id, parse_time(asked["since"], "since", now),
                        parse_time(until, "until", now) if until else None, asked.get("user"))
        return run(runtime.db, replay, dry_run=bool(asked.get("dry_run"))).as_dict()
    except ReplayError as exc:
        field, _, message = str(exc).partition(": ")
        return _refusal(_Problem(400, field.lstrip("-"), message))


@router.get("/destinations/{destination_id}/subscriptions", response_model=None)
def list_subscriptions(destination_id: int, runtime: Runtime = Depends(get_runtime)) -> Any:
    from segcio.destinations import subscriptions

    def work(conn: Connection) -> list[dict[str, Any]]:
        subscriptions.actions_destination(conn, destination_id)
        return subscriptions.load_subscriptions(conn, destination_id)

    return _config(runtime, work)


@router.post("/destinations/{destination_id}/subscriptions", status_code=201, response_model=None)
def add_subscription(destination_id: int, body: Any = Body(...), runtime: Runtime = Depends(get_runtime)) -> Any:
    """Add a subscription `{"name", "partnerAction", "subscribe"?, "mapping"?, "enabled"?}` (defaults: the
    action's trigger and default mapping)."""
    from segcio.destinations import subscriptions

    return _config(runtime, lambda conn: subscriptions.add_subscription(conn, destination_id, _stored_body(body)),
                   write=True)


@router.get("/destinations/{destination_id}/subscriptions/{ref}", response_model=None)
def get_subscription(destination_id: int, ref: str, runtime: Runtime = Depends(get_runtime)) -> Any:
    from segcio.destinations import subscriptions

    return _config(runtime, lambda conn: subscriptions.get_subscription(conn, destination_id, ref))


@router.patch("/destinations/{destination_id}/subscriptions/{ref}", response_model=None)
def patch_subscription(destination_id: int, ref: str, body: Any = Body(...),
                       runtime: Runtime = Depends(get_runtime)) -> Any:
    """Change name, subscribe, partnerAction, mapping, enabled, or re-map fields with `{"remap": {field: mapping
    or null}}`."""
    from segcio.destinations import subscriptions

    return _config(runtime,
                   lambda conn: subscriptions.update_subscription(conn, destination_id, ref, _stored_body(body)),
                   write=True)


@router.delete("/destinations/{destination_id}/subscriptions/{ref}", response_model=None)
def delete_subscription(destination_id: int, ref: str, runtime: Runtime = Depends(get_runtime)) -> Any:
    from segcio.destinations import subscriptions

    return _config(runtime, lambda conn: subscriptions.delete_subscription(conn, destination_id, ref), write=True)


@router.post("/destinations/{destination_id}/quick-setup", response_model=None)
def quick_setup(destination_id: int, body: Any = Body(default=None), runtime: Runtime = Depends(get_runtime)) -> Any:
    """Install the Quick Setup subscriptions the destination lacks; `{"specific_events": true}` adds the presets
    for Segment-generated events too. Returns those added."""
    from segcio.destinations import subscriptions

    def work(conn: Connection) -> list[dict[str, Any]]:
        options = {} if body is None else _object_body(body)
        subscriptions.actions_destination(conn, destination_id)
        return subscriptions.install_presets(conn, destination_id,
                                             include_specific=bool(options.get("specific_events")))

    return _config(runtime, work, write=True)


@router.post("/event-tester", response_model=None)
def event_tester(body: Any = Body(...), runtime: Runtime = Depends(get_runtime)) -> Any:
    """The Event Tester: `{"event", "settings"?, "subscriptions"?, "destination_id"?}`. With a destination id its
    stored settings and subscriptions are used unless given; otherwise placeholder settings and Quick Setup.
    Nothing is sent and nothing is stored."""
    from segcio.destinations import subscriptions, tester
    from segcio.store.tables.core import destinations

    def work(conn: Connection) -> dict[str, Any]:
        request = _object_body(body)
        unknown = set(request) - {"event", "settings", "subscriptions", "destination_id"}
        if unknown:
            raise _Problem(400, sorted(unknown)[0], "unknown key; expected event, settings, subscriptions, "
                                                    "destination_id")
        if "event" not in request:
            raise _Problem(400, "event", "the Segment event to test is required")
        settings = request.get("settings")
        subs = request.get("subscriptions")
        if settings is not None and not isinstance(settings, dict):
            raise _Problem(400, "settings", 'expected {"siteId", "apiKey", "accountRegion"}')
        if subs is not None and not (isinstance(subs, list) and all(isinstance(s, dict) for s in subs)):
            raise _Problem(400, "subscriptions", 'expected a list of {"name","subscribe","partnerAction","mapping"}')
        destination_id = request.get("destination_id")
        if destination_id is not None:
            if not isinstance(destination_id, int):
                raise _Problem(400, "destination_id", "expected a destination id (integer)")
            subscriptions.actions_destination(conn, destination_id)
            if settings is None:
                row = conn.execute(select(destinations.c.settings).where(destinations.c.id == destination_id))
                settings = jsonutil.loads(row.scalar_one())
            if subs is None:
                subs = subscriptions.load_subscriptions(conn, destination_id)
        return tester.test_event(request["event"], settings, subs)

    result = _config(runtime, work)
    if isinstance(result, JSONResponse):
        return result
    # Serialised here so that any string an event carries (even a lone surrogate) comes back as JSON.
    return Response(tester.to_json(result).encode(), media_type="application/json")
