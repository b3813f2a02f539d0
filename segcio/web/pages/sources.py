"""Sources: write keys (create, rotate, revoke), client snippets, recent rejected messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import Connection
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.ingest import rejections
from segcio.runtime import Runtime, get_runtime
from segcio.web.confirm import change_and_redirect
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


# What each button of a source does: the change, the question asked first (None: none), the notice after.
SOURCE_ACTIONS: dict[str, tuple[Callable[[Connection, int], object], str | None, str]] = {
    "rotate": (
        core.rotate_write_key,
        "Rotate the write key of '{name}'? Clients using the old key will be rejected.",
        "New write key for '{name}'.",
    ),
    "revoke": (
        lambda conn, source_id: core.set_source_enabled(conn, source_id, False),
        "Revoke the write key of '{name}'? Its events will be rejected.",
        "Write key of '{name}' revoked.",
    ),
    "enable": (
        lambda conn, source_id: core.set_source_enabled(conn, source_id, True),
        None,
        "Write key of '{name}' accepted again.",
    ),
}


@router.post("/sources/{source_id}/{action}")
def source_action(
    request: Request,
    source_id: ConfigId,
    action: str,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    if action not in SOURCE_ACTIONS:
        raise HTTPException(404, "Not Found")
    change, question, notice = SOURCE_ACTIONS[action]
    name = _source_or_404(runtime, source_id)
    return change_and_redirect(
        request, form, runtime.db, lambda conn: change(conn, source_id),
        question=None if question is None else question.format(name=name),
        then=f"/ui/sources#source-{source_id}", notice=notice.format(name=name),
    )  # fmt: skip
