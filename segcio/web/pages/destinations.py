"""Destinations: add Customer.io (Actions) or (Classic), settings, on/off, and the classic -> actions migration."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.destinations.kinds import ACTIONS_KIND, CLASSIC_KIND
from segcio.pipeline import destination_config
from segcio.pipeline.destination_config import STARTS_AT_END, create_destination
from segcio.runtime import Runtime, get_runtime
from segcio.web.confirm import confirmation_needed
from segcio.web.data import core
from segcio.web.data import destinations as dest_data
from segcio.web.destination_form import REGIONS, TARGETS, SettingsInputError, region_of, settings_from_form
from segcio.web.params import ConfigId
from segcio.web.render import redirect, render
from segcio.web.session import posted_form, require_login

router = APIRouter(dependencies=[Depends(require_login)])
KINDS = {ACTIONS_KIND: "Customer.io (Actions)", CLASSIC_KIND: "Customer.io (Classic)"}


def _form_context(conn: Any) -> dict[str, Any]:
    return {
        "kinds": KINDS,
        "regions": REGIONS,
        "targets": TARGETS,
        "workspaces": core.list_workspaces(conn),
        "sources": core.list_sources(conn),
    }


def migration_states(conn: Any, destinations: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Per source with a classic destination: where its migration to Actions stands."""
    sources = sorted({d["source_id"] for d in destinations if d["kind"] == CLASSIC_KIND})
    return {source_id: destination_config.switch_state(conn, source_id) for source_id in sources}


@router.get("/destinations")
def destinations_page(request: Request, runtime: Runtime = Depends(get_runtime), error: str = "") -> Response:
    with runtime.db.connect() as conn:
        destinations = core.list_destinations(conn)
        migrations = migration_states(conn, destinations)
        context = _form_context(conn)
    names = {s.id: s.name for s in context["sources"]}
    return render(
        request,
        "destinations.html",
        title="Destinations",
        destinations=destinations,
        source_names=names,
        migrations=migrations,
        region_of=region_of,
        error=error,
        **context,
    )


@router.post("/destinations")
def add_destination(
    request: Request, form: FormData = Depends(posted_form), runtime: Runtime = Depends(get_runtime)
) -> Response:
    kind = str(form.get("kind") or "")
    if kind not in KINDS:
        return destinations_page(request, runtime, error="Destination: choose Customer.io (Actions) or (Classic).")
    name = str(form.get("name") or "").strip()[:200] or KINDS[kind]
    setup = str(form.get("setup") or "quick")
    try:
        source_id = int(str(form.get("source_id") or "0"))
    except ValueError:
        source_id = 0
    try:
        with runtime.db.begin() as conn:
            if core.get_source(conn, source_id) is None:
                raise SettingsInputError("Source: choose the source whose events go there.")
            settings = settings_from_form(conn, form)
            destination_id = create_destination(conn, source_id, kind, settings, name=name)
            if kind == ACTIONS_KIND and setup == "custom":
                dest_data.start_customized(conn, destination_id)
    except SettingsInputError as exc:
        return destinations_page(request, runtime, error=str(exc))
    if kind == ACTIONS_KIND and setup == "custom":
        return redirect(
            request,
            f"/ui/destinations/{destination_id}/subscriptions",
            notice=f"'{name}' created with Customized Setup: every action starts disabled; enable and edit the ones "
            "you want.",
        )
    return redirect(request, f"/ui/destinations/{destination_id}", notice=f"'{name}' created.")


def _destination_or_404(conn: Any, destination_id: int) -> dict[str, Any]:
    destination = core.get_destination(conn, destination_id)
    if destination is None:
        raise HTTPException(404, f"No destination with id {destination_id}.")
    return destination


@router.get("/destinations/{destination_id}")
def destination_page(
    request: Request, destination_id: ConfigId, runtime: Runtime = Depends(get_runtime), error: str = ""
) -> Response:
    with runtime.db.connect() as conn:
        destination = _destination_or_404(conn, destination_id)
        context = _form_context(conn)
    return render(
        request,
        "destination.html",
        title=destination["name"],
        destination=destination,
        region=region_of(destination["settings"]),
        error=error,
        **context,
    )


@router.post("/destinations/{destination_id}/settings")
def save_settings(
    request: Request,
    destination_id: ConfigId,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    try:
        with runtime.db.begin() as conn:
            destination = _destination_or_404(conn, destination_id)
            settings = settings_from_form(conn, form, destination["settings"])
            name = str(form.get("name") or "").strip()[:200] or destination["name"]
            destination_config.update_destination(conn, destination_id, name=name, settings=settings)
    except SettingsInputError as exc:
        return destination_page(request, destination_id, runtime, error=str(exc))
    return redirect(request, f"/ui/destinations/{destination_id}", notice="Settings saved.")


@router.post("/destinations/{destination_id}/enabled")
def set_enabled(
    request: Request,
    destination_id: ConfigId,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    enable = form.get("enabled") == "on"
    with runtime.db.connect() as conn:
        destination = _destination_or_404(conn, destination_id)
    if not enable:
        asked = confirmation_needed(
            request,
            form,
            f"Turn off '{destination['name']}'? Events stop flowing to it until it is turned on again, and those "
            "logged while it is off are not sent to it later.",
        )
        if asked is not None:
            return asked
    with runtime.db.begin() as conn:
        destination_config.update_destination(conn, destination_id, enabled=enable)
    back = str(form.get("back") or "")
    target = back if back in ("/ui/destinations",) else f"/ui/destinations/{destination_id}"
    return redirect(
        request,
        target,
        notice=f"'{destination['name']}' turned on: it {STARTS_AT_END}."
        if enable
        else f"'{destination['name']}' turned off.",
    )


@router.post("/destinations/{destination_id}/replay")
def replay(
    request: Request,
    destination_id: int,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    """A replay of a time range: the dry run is shown as the confirmation, then the replay runs."""
    import time

    from segcio.pipeline.replay import Replay, ReplayError, parse_time, run

    with runtime.db.connect() as conn:
        destination = _destination_or_404(conn, destination_id)
    since, until, user = (str(form.get(key) or "").strip() for key in ("since", "until", "user"))
    try:
        now = time.time()
        asked = Replay(destination_id, parse_time(since, "Since", now), None, user or None)
        if until:
            asked.until = parse_time(until, "Until", now)
        preview = run(runtime.db, asked, dry_run=True)
        actions = ", ".join(f"{name} x{n}" for name, n in sorted(preview.actions.items())) or "none"
        question = (
            f"Replay {preview.to_send} of the {preview.events} event(s) in this range to '{destination['name']}'? "
            f"Actions that would run: {actions}. Skipped as already applied: {preview.skipped_already_applied}. "
            + " ".join(preview.notes)
        )
        asked_confirmation = confirmation_needed(request, form, question.strip())
        if asked_confirmation is not None:
            return asked_confirmation
        done = run(runtime.db, asked, dry_run=False)
    except ReplayError as exc:
        return destination_page(request, destination_id, runtime, error=str(exc))
    notice = (
        f"Replayed {done.to_send} event(s) to '{destination['name']}' ({done.skipped_already_applied} skipped as "
        f"already applied, {done.failed} failed). " + " ".join(done.notes)
    )
    return redirect(request, f"/ui/destinations/{destination_id}", notice=notice.strip())


@router.post("/destinations/migration/{source_id}")
def migrate(
    request: Request,
    source_id: ConfigId,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    """Classic -> Actions for one source: `both` (duplicates expected), then `actions` (classic removed)."""
    mode = str(form.get("mode") or "")
    if mode not in destination_config.MODES:
        raise HTTPException(400, f"mode: choose one of {', '.join(destination_config.MODES)}.")
    if mode == "actions":
        asked = confirmation_needed(
            request, form, "Switch to Customer.io (Actions) only? The classic destination is turned off and removed."
        )
        if asked is not None:
            return asked
    with runtime.db.begin() as conn:
        if core.get_source(conn, source_id) is None:
            raise HTTPException(404, f"No source with id {source_id}.")
        result = destination_config.switch(conn, source_id, mode)
    notice = " ".join([MIGRATION_NOTICES[mode], result["start"], result.get("note") or ""]).strip()
    return redirect(request, "/ui/destinations#migration", notice=notice)


MIGRATION_NOTICES = {
    "both": "Customer.io (Actions) and (Classic) both run now.",
    "actions": "Only Customer.io (Actions) runs now; the classic destination was turned off and removed.",
    "classic": "Back to Customer.io (Classic); Customer.io (Actions) is turned off.",
}
