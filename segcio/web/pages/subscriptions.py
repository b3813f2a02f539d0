"""Subscriptions of an Actions destination: list, enable/disable, editor (trigger + field mappings)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.actions.definition import ActionDefinition
from segcio.destinations.customerio import DEFINITION
from segcio.runtime import Runtime, get_runtime
from segcio.web.condition_builder import conditions_of
from segcio.web.confirm import change_and_redirect
from segcio.web.data import destinations as dest_data
from segcio.web.mapping_form import KINDS, MappingInputError, field_rows, mapping_from_form
from segcio.web.params import ConfigId
from segcio.web.render import redirect, render
from segcio.web.session import posted_form, require_login

router = APIRouter(dependencies=[Depends(require_login)])
EVENT_TYPES = ("track", "identify", "page", "screen", "group", "alias")


def _destination(runtime: Runtime, destination_id: int) -> dict[str, Any]:
    with runtime.db.connect() as conn:
        destination = dest_data.actions_destination(conn, destination_id)
    if destination is None:
        raise HTTPException(404, f"No Customer.io (Actions) destination with id {destination_id}.")
    return destination


def _action(key: str) -> ActionDefinition:
    action = DEFINITION.actions.get(key)
    if action is None:
        raise HTTPException(404, f"No action '{key}'; choose one of {', '.join(DEFINITION.actions)}.")
    return action


@router.get("/destinations/{destination_id}/subscriptions")
def subscriptions_page(request: Request, destination_id: ConfigId, runtime: Runtime = Depends(get_runtime)) -> Response:
    destination = _destination(runtime, destination_id)
    with runtime.db.connect() as conn:
        subscriptions = dest_data.subscriptions(conn, destination_id)
    titles = {key: action.title for key, action in DEFINITION.actions.items()}
    return render(
        request,
        "subscriptions.html",
        title=f"Actions · {destination['name']}",
        destination=destination,
        subscriptions=subscriptions,
        action_titles=titles,
    )


def _editor(
    request: Request,
    destination: dict[str, Any],
    action: ActionDefinition,
    subscription: dict[str, Any],
    error: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "subscription_edit.html",
        status_code=status_code,
        title=f"{subscription.get('name') or action.title} · {destination['name']}",
        destination=destination,
        action=action,
        actions=DEFINITION.actions,
        subscription=subscription,
        rows=field_rows(action, subscription.get("mapping") or {}),
        builder=conditions_of(str(subscription.get("subscribe") or "")),
        kinds=KINDS,
        event_types=EVENT_TYPES,
        error=error,
    )


@router.get("/destinations/{destination_id}/subscriptions/new")
def new_subscription(
    request: Request, destination_id: ConfigId, action: str = "", runtime: Runtime = Depends(get_runtime)
) -> Response:
    destination = _destination(runtime, destination_id)
    if not action:
        return render(
            request,
            "subscription_pick.html",
            title="Add subscription",
            destination=destination,
            actions=DEFINITION.actions,
        )
    definition = _action(action)
    with runtime.db.connect() as conn:
        taken = {s["name"] for s in dest_data.subscriptions(conn, destination_id)}
    draft = {
        "name": unused_name(definition.title, taken),
        "subscribe": definition.default_subscription,
        "partnerAction": definition.key,
        "mapping": definition.default_mapping(),
        "enabled": True,
    }
    return _editor(request, destination, definition, draft)


def unused_name(title: str, taken: set[str]) -> str:
    """`Track Page View`, or `Track Page View 2` when a subscription already has that name."""
    name, n = title, 1
    while name in taken:
        n += 1
        name = f"{title} {n}"
    return name


def _stored(runtime: Runtime, destination_id: int, subscription_id: int) -> dict[str, Any]:
    with runtime.db.connect() as conn:
        found = dest_data.get_subscription(conn, destination_id, subscription_id)
    if found is None:
        raise HTTPException(404, f"No subscription {subscription_id} on destination {destination_id}.")
    return found


@router.get("/destinations/{destination_id}/subscriptions/{subscription_id}")
def edit_subscription(
    request: Request, destination_id: ConfigId, subscription_id: ConfigId, runtime: Runtime = Depends(get_runtime)
) -> Response:
    destination = _destination(runtime, destination_id)
    subscription = _stored(runtime, destination_id, subscription_id)
    return _editor(request, destination, _action(subscription["partnerAction"]), subscription)


def subscription_from_form(action: ActionDefinition, form: FormData) -> tuple[dict[str, Any], str]:
    """The subscription the editor describes, and a problem with its field inputs ("" when none).

    The subscription itself (name, trigger, mapping) is validated when it is stored.
    """
    draft: dict[str, Any] = {
        "name": str(form.get("name") or "").strip(),
        "subscribe": str(form.get("subscribe") or "").strip(),
        "partnerAction": action.key,
        "enabled": form.get("enabled") == "on",
    }
    try:
        draft["mapping"] = mapping_from_form(action, form)
    except MappingInputError as exc:
        draft["mapping"] = {}
        return draft, str(exc)
    return draft, ""


def _save(
    request: Request,
    runtime: Runtime,
    destination_id: ConfigId,
    action_key: str,
    form: FormData,
    subscription_id: int | None,
) -> Response:
    destination = _destination(runtime, destination_id)
    action = _action(action_key)
    draft, error = subscription_from_form(action, form)
    if error:
        if subscription_id is not None:
            draft["id"] = subscription_id
        return _editor(request, destination, action, draft, error=error, status_code=400)
    try:
        with runtime.db.begin() as conn:
            saved_id = dest_data.save_subscription(conn, destination_id, draft, subscription_id)
    except dest_data.ConfigError as exc:
        if subscription_id is not None:
            draft["id"] = subscription_id
        return _editor(request, destination, action, draft, error=exc.message, status_code=400)
    return redirect(
        request, f"/ui/destinations/{destination_id}/subscriptions#sub-{saved_id}", notice=f"'{draft['name']}' saved."
    )


@router.post("/destinations/{destination_id}/subscriptions/new")
def create_subscription(
    request: Request,
    destination_id: ConfigId,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    return _save(request, runtime, destination_id, str(form.get("partnerAction") or ""), form, None)


@router.post("/destinations/{destination_id}/subscriptions/{subscription_id}")
def update_subscription(
    request: Request,
    destination_id: ConfigId,
    subscription_id: ConfigId,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    stored = _stored(runtime, destination_id, subscription_id)
    return _save(request, runtime, destination_id, stored["partnerAction"], form, subscription_id)


@router.post("/destinations/{destination_id}/subscriptions/{subscription_id}/enabled")
def toggle_subscription(
    request: Request,
    destination_id: ConfigId,
    subscription_id: ConfigId,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    name, enable = _stored(runtime, destination_id, subscription_id)["name"], form.get("enabled") == "on"
    return change_and_redirect(
        request, form, runtime.db,
        lambda conn: dest_data.set_subscription_enabled(conn, destination_id, subscription_id, enable),
        then=f"/ui/destinations/{destination_id}/subscriptions#sub-{subscription_id}",
        notice=f"'{name}' {'enabled' if enable else 'disabled'}.",
    )  # fmt: skip


@router.post("/destinations/{destination_id}/subscriptions/{subscription_id}/delete")
def delete_subscription(
    request: Request,
    destination_id: ConfigId,
    subscription_id: ConfigId,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    name = _stored(runtime, destination_id, subscription_id)["name"]
    return change_and_redirect(
        request, form, runtime.db, lambda conn: dest_data.delete_subscription(conn, destination_id, subscription_id),
        question=f"Delete the subscription '{name}'?",
        then=f"/ui/destinations/{destination_id}/subscriptions", notice=f"'{name}' deleted.",
    )  # fmt: skip
