"""Workspace settings: identifier mode, anonymous merge, email updates by id, auto-merge."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.runtime import Runtime, get_runtime
from segcio.web.render import redirect, render
from segcio.web.session import posted_form, require_login
from segcio.web.workspace_choice import choose_workspace, form_workspace
from segcio.workspace.engine import Workspace
from segcio.workspace.settings import IDENTIFIER_MODES, SettingsError

router = APIRouter(dependencies=[Depends(require_login)])
SWITCHES = {
    "anonymous_merge": "Merge anonymous events into people when they are identified",
    "allow_email_update_by_id": "Allow updates to email using ID",
    "auto_merge": "Merge an id-only and an email-only profile when one call names both",
}
MODES = {
    "email_or_id": "Email or ID — people are identified by id and/or email",
    "id_only": "ID only (classic) — email is an ordinary attribute",
}


@router.get("/settings")
def settings_page(
    request: Request, workspace: int | None = None, runtime: Runtime = Depends(get_runtime), error: str = ""
) -> Response:
    workspace_id, workspaces = choose_workspace(runtime, workspace)
    current = Workspace(runtime.db, workspace_id).settings()
    return render(
        request,
        "workspace_settings.html",
        title="Workspace settings",
        workspaces=workspaces,
        workspace_id=workspace_id,
        settings=current,
        modes=MODES,
        switches=SWITCHES,
        error=error,
    )


@router.post("/settings")
def save_settings(
    request: Request, form: FormData = Depends(posted_form), runtime: Runtime = Depends(get_runtime)
) -> Response:
    workspace_id = form_workspace(runtime, form)
    mode = str(form.get("identifiers") or "")
    if mode not in IDENTIFIER_MODES:
        return settings_page(
            request, workspace_id, runtime, error=f"Identifiers: choose {' or '.join(IDENTIFIER_MODES)}."
        )
    changes: dict[str, Any] = {"identifiers": mode, **{name: form.get(name) == "on" for name in SWITCHES}}
    try:
        Workspace(runtime.db, workspace_id).update_settings(**changes)
    except SettingsError as exc:
        return settings_page(request, workspace_id, runtime, error=str(exc))
    return redirect(request, f"/ui/settings?workspace={workspace_id}", notice="Workspace settings saved.")
