"""People: search, CSV export, the person page, delete/suppress/unsuppress."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response, StreamingResponse

from segcio.runtime import Runtime, get_runtime
from segcio.web.confirm import confirmation_needed
from segcio.web.data import people as people_data
from segcio.web.render import redirect, render
from segcio.web.session import posted_form, require_login
from segcio.web.workspace_choice import choose_workspace, form_workspace
from segcio.workspace import queries
from segcio.workspace.people_csv import people_csv

router = APIRouter(dependencies=[Depends(require_login)])
MAX_QUERY = 500
ACTION_WORDS = {"delete": "deleted", "suppress": "suppressed", "unsuppress": "unsuppressed"}


@router.get("/people")
def people_page(
    request: Request,
    q: str = "",
    by: str = "identifier",
    start: str | None = None,
    workspace: int | None = None,
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    workspace_id, workspaces = choose_workspace(runtime, workspace)
    mode = by if by in people_data.SEARCH_MODES else "identifier"
    query = q[:MAX_QUERY]
    try:
        page = people_data.search(runtime.db, workspace_id, query, mode, start)
    except ValueError as exc:  # a cursor we did not issue
        raise HTTPException(400, str(exc)) from None
    return render(
        request,
        "people.html",
        title="People",
        people=page.people,
        next_cursor=page.next_cursor,
        q=query,
        by=mode,
        modes=people_data.SEARCH_MODES,
        total=queries.count_people(runtime.db, workspace_id),
        suppressed=queries.suppressed(runtime.db, workspace_id),
        workspace_id=workspace_id,
        workspaces=workspaces,
        paged=start is not None,
    )


@router.get("/people/export.csv")
def export_csv(workspace: int | None = None, runtime: Runtime = Depends(get_runtime)) -> Response:
    """Export to CSV: every person, the identifiers and created_at first, then every attribute."""
    workspace_id, _ = choose_workspace(runtime, workspace)
    return StreamingResponse(
        people_csv(runtime.db, workspace_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="people-workspace-{workspace_id}.csv"'},
    )


def _person_or_404(runtime: Runtime, workspace_id: int, cio_id: str) -> queries.PersonView:
    person = people_data.person_by_cio_id(runtime.db, workspace_id, cio_id)
    if person is None:
        raise HTTPException(404, f"No person with cio_id {cio_id} (they may have been deleted).")
    return person


@router.get("/people/{cio_id}")
def person_page(
    request: Request,
    cio_id: str,
    workspace: int | None = None,
    activity: str | None = None,
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    workspace_id, _ = choose_workspace(runtime, workspace)
    person = _person_or_404(runtime, workspace_id, cio_id)
    db = runtime.db
    try:
        log, next_activity = queries.activities(db, workspace_id, person_pk=person.pk, start=activity, limit=50)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    failures, _ = queries.activities(db, workspace_id, person_pk=person.pk, failed_only=True, limit=20)
    types = {t["id"]: t["name"] for t in queries.object_types(db, workspace_id)}
    return render(
        request,
        "person.html",
        title=person.email or person.id or person.cio_id,
        person=person,
        attributes=sorted(person.attributes.items()),
        events=queries.events(db, workspace_id, person.pk, limit=100),
        devices=queries.devices(db, workspace_id, person.pk),
        relationships=queries.person_relationships(db, workspace_id, person.pk),
        object_type_names=types,
        activities=log,
        next_activity=next_activity,
        failures=failures,
        workspace_id=workspace_id,
    )


@router.post("/people/unsuppress")
def unsuppress(
    request: Request, form: FormData = Depends(posted_form), runtime: Runtime = Depends(get_runtime)
) -> Response:
    """Unsuppress an identifier (a suppressed person has no profile left, so this works on the identifier)."""
    workspace_id = form_workspace(runtime, form)
    kind, value = str(form.get("kind") or ""), str(form.get("value") or "")
    if kind not in ("id", "email", "cio_id") or not value:
        raise HTTPException(400, "kind and value: the suppressed identifier (id, email or cio_id) to unsuppress.")
    asked = confirmation_needed(request, form, f"Unsuppress {kind} {value}? It may be used again.")
    if asked is not None:
        return asked
    result = people_data.act_on(runtime.db, workspace_id, "unsuppress", {kind: value})
    notice = f"{kind} {value} unsuppressed." if result.ok else f"Not unsuppressed: {result.message}"
    return redirect(request, "/ui/people#suppressed", notice=notice)


@router.post("/people/{cio_id}/{action}")
def person_action(
    request: Request,
    cio_id: str,
    action: str,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    """Delete or suppress one person, after confirmation."""
    if action not in ("delete", "suppress"):
        raise HTTPException(404, f"Unknown action '{action}'; use delete or suppress.")
    workspace_id = form_workspace(runtime, form)
    person = _person_or_404(runtime, workspace_id, cio_id)
    label = person.email or person.id or person.cio_id
    question = {
        "delete": f"Delete {label}? Their attributes, events, devices and relationships are removed.",
        "suppress": f"Suppress {label}? The person is deleted and their identifiers cannot be added again.",
    }[action]
    asked = confirmation_needed(request, form, question)
    if asked is not None:
        return asked
    result = people_data.act_on(runtime.db, workspace_id, action, {"cio_id": person.cio_id})
    if not result.ok:
        return redirect(request, f"/ui/people/{cio_id}", notice=f"Not {ACTION_WORDS[action]}: {result.message}")
    return redirect(request, "/ui/people", notice=f"{label} {ACTION_WORDS[action]}.")
