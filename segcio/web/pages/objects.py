"""Objects: types (renamable), the objects of a type, one object with its attributes and related people."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.runtime import Runtime, get_runtime
from segcio.web.data.people import attribute_predicate
from segcio.web.params import ConfigId
from segcio.web.render import redirect, render
from segcio.web.session import posted_form, require_login
from segcio.web.workspace_choice import choose_workspace, form_workspace
from segcio.workspace import queries
from segcio.workspace.engine import Workspace

router = APIRouter(dependencies=[Depends(require_login)])


def _type_or_404(runtime: Runtime, workspace_id: int, type_id: int) -> dict[str, Any]:
    found = next((t for t in queries.object_types(runtime.db, workspace_id) if t["id"] == type_id), None)
    if found is None:
        raise HTTPException(404, f"No object type {type_id}.")
    return found


@router.get("/objects")
def types_page(request: Request, workspace: int | None = None, runtime: Runtime = Depends(get_runtime)) -> Response:
    workspace_id, workspaces = choose_workspace(runtime, workspace)
    return render(
        request,
        "object_types.html",
        title="Objects",
        types=queries.object_types(runtime.db, workspace_id),
        workspace_id=workspace_id,
        workspaces=workspaces,
    )


@router.post("/objects/{type_id}/rename")
def rename(
    request: Request, type_id: ConfigId, form: FormData = Depends(posted_form), runtime: Runtime = Depends(get_runtime)
) -> Response:
    workspace_id = form_workspace(runtime, form)
    try:
        renamed = Workspace(runtime.db, workspace_id).rename_object_type(type_id, str(form.get("name") or ""))
    except ValueError as exc:
        return redirect(request, f"/ui/objects?workspace={workspace_id}", notice=str(exc))
    if not renamed:
        raise HTTPException(404, f"No object type {type_id}.")
    return redirect(request, f"/ui/objects?workspace={workspace_id}", notice=f"Object type {type_id} renamed.")


@router.get("/objects/{type_id}")
def objects_page(
    request: Request,
    type_id: ConfigId,
    q: str = "",
    start: str | None = None,
    workspace: int | None = None,
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    workspace_id, _ = choose_workspace(runtime, workspace)
    object_type = _type_or_404(runtime, workspace_id, type_id)
    where = attribute_predicate(q[:500]) if q.strip() else None
    try:
        found, next_cursor = queries.list_objects(runtime.db, workspace_id, type_id, where=where, start=start, limit=50)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    return render(
        request,
        "objects.html",
        title=object_type["name"],
        object_type=object_type,
        objects=found,
        next_cursor=next_cursor,
        q=q,
        workspace_id=workspace_id,
    )


@router.get("/objects/{type_id}/{cio_object_id}")
def object_page(
    request: Request,
    type_id: ConfigId,
    cio_object_id: str,
    workspace: int | None = None,
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    workspace_id, _ = choose_workspace(runtime, workspace)
    object_type = _type_or_404(runtime, workspace_id, type_id)
    found = queries.find_object(runtime.db, workspace_id, cio_object_id=cio_object_id)
    if found is None or found.type_id != type_id:
        raise HTTPException(404, f"No object {cio_object_id} of type {type_id}.")
    return render(
        request,
        "object.html",
        title=f"{object_type['name']} {found.object_id}",
        object_type=object_type,
        obj=found,
        attributes=sorted(found.attributes.items()),
        relationships=queries.object_relationships(runtime.db, workspace_id, found.pk),
        workspace_id=workspace_id,
    )
