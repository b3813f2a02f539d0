"""Duplicates: people sharing an email; keep the oldest, delete the rest after confirmation."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.runtime import Runtime, get_runtime
from segcio.web.confirm import confirmation_needed
from segcio.web.data import duplicates
from segcio.web.render import redirect, render
from segcio.web.session import posted_form, require_login
from segcio.web.workspace_choice import choose_workspace, form_workspace

router = APIRouter(dependencies=[Depends(require_login)])


@router.get("/duplicates")
def duplicates_page(
    request: Request, workspace: int | None = None, runtime: Runtime = Depends(get_runtime)
) -> Response:
    workspace_id, workspaces = choose_workspace(runtime, workspace)
    return render(
        request,
        "duplicates.html",
        title="Duplicates",
        groups=duplicates.find_duplicates(runtime.db, workspace_id),
        workspace_id=workspace_id,
        workspaces=workspaces,
    )


@router.post("/duplicates/resolve")
def resolve(
    request: Request, form: FormData = Depends(posted_form), runtime: Runtime = Depends(get_runtime)
) -> Response:
    workspace_id = form_workspace(runtime, form)
    email = str(form.get("email") or "") or None
    what = f"the duplicates of {email}" if email else "every duplicate"
    asked = confirmation_needed(request, form, f"Delete {what}, keeping the oldest profile of each email?")
    if asked is not None:
        return asked
    deleted, problems = duplicates.resolve(runtime.db, workspace_id, email)
    notice = f"{deleted} duplicate(s) deleted." + (f" Not deleted: {'; '.join(problems)}" if problems else "")
    return redirect(request, f"/ui/duplicates?workspace={workspace_id}", notice=notice)
