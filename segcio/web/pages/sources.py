"""Sources: write keys (create, rotate, revoke), client snippets, recent rejected messages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.ingest import rejections
from segcio.runtime import Runtime, get_runtime
from segcio.web.confirm import confirmation_needed
from segcio.web.data import core
from segcio.web.params import ConfigId
from segcio.web.render import redirect, render
from segcio.web.session import posted_form, require_login

router = APIRouter(dependencies=[Depends(require_login)])
MAX_NAME = 200
EACH_LIMIT = 100  # individual rejection rows shown


@router.get("/sources")
def sources_page(
    request: Request,
    rejections_view: Annotated[str, Query(alias="rejections", pattern="^(by-reason|each)$")] = "by-reason",
    code: Annotated[str, Query(max_length=64)] = "",
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    """Rejections are added up by reason (code); `?rejections=each` lists the newest rows one by one
    (one per request and code), `&code=` of one reason."""
    with runtime.db.connect() as conn:
        sources = core.list_sources(conn)
        if rejections_view == "each":
            each, groups = rejections.recent(conn, code=code or None, limit=EACH_LIMIT), []
        else:
            each, groups = [], rejections.grouped(conn)
    names = {s.id: s.name for s in sources}
    return render(
        request,
        "sources.html",
        title="Sources",
        sources=sources,
        rejection_groups=groups,
        rejected=each,
        rejections_view=rejections_view,
        code=code,
        source_names=names,
    )


@router.post("/sources")
def create_source(
    request: Request, form: FormData = Depends(posted_form), runtime: Runtime = Depends(get_runtime)
) -> Response:
    name = str(form.get("name") or "").strip()
    if not name or len(name) > MAX_NAME:
        return redirect(request, "/ui/sources", notice=f"Source name: give 1 to {MAX_NAME} characters.")
    with runtime.db.begin() as conn:
        source_id = core.add_source(conn, name)
    return redirect(request, f"/ui/sources#source-{source_id}", notice=f"Source '{name}' created with a new write key.")


def _source_or_404(runtime: Runtime, source_id: int) -> str:
    with runtime.db.connect() as conn:
        row = core.get_source(conn, source_id)
    if row is None:
        raise HTTPException(404, f"No source with id {source_id}.")
    return str(row.name)


@router.post("/sources/{source_id}/rotate")
def rotate(
    request: Request,
    source_id: ConfigId,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    name = _source_or_404(runtime, source_id)
    asked = confirmation_needed(
        request, form, f"Rotate the write key of '{name}'? Clients using the old key will be rejected."
    )
    if asked is not None:
        return asked
    with runtime.db.begin() as conn:
        core.rotate_write_key(conn, source_id)
    return redirect(request, f"/ui/sources#source-{source_id}", notice=f"New write key for '{name}'.")


@router.post("/sources/{source_id}/revoke")
def revoke(
    request: Request,
    source_id: ConfigId,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    name = _source_or_404(runtime, source_id)
    asked = confirmation_needed(request, form, f"Revoke the write key of '{name}'? Its events will be rejected.")
    if asked is not None:
        return asked
    with runtime.db.begin() as conn:
        core.set_source_enabled(conn, source_id, False)
    return redirect(request, f"/ui/sources#source-{source_id}", notice=f"Write key of '{name}' revoked.")


@router.post("/sources/{source_id}/enable")
def enable(
    request: Request,
    source_id: ConfigId,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    name = _source_or_404(runtime, source_id)
    with runtime.db.begin() as conn:
        core.set_source_enabled(conn, source_id, True)
    return redirect(request, f"/ui/sources#source-{source_id}", notice=f"Write key of '{name}' accepted again.")
