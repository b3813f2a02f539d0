"""Which workspace a workspace page shows: `?workspace=ID`, else the default one."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from starlette.datastructures import FormData

from segcio.runtime import Runtime
from segcio.web.data import core


def choose_workspace(runtime: Runtime, requested: int | None) -> tuple[int, list[Any]]:
    with runtime.db.connect() as conn:
        workspaces = core.list_workspaces(conn)
    workspace_id = requested if requested is not None else runtime.defaults.workspace_id
    if workspace_id not in {w.id for w in workspaces}:
        raise HTTPException(404, f"No workspace with id {workspace_id}.")
    return workspace_id, workspaces


def form_workspace(runtime: Runtime, form: FormData) -> int:
    """The workspace a posted form names (field `workspace`), else the default one."""
    try:
        requested = int(str(form.get("workspace") or runtime.defaults.workspace_id))
    except ValueError:
        raise HTTPException(400, "workspace: a workspace number.") from None
    return choose_workspace(runtime, requested)[0]
