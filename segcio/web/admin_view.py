"""Read-only admin pages outside the UI (API docs, /metrics): the admin token, a logged-in UI session, or a setting
that opens them to everyone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from segcio.auth import parse_bearer, same
from segcio.runtime import Runtime, get_runtime
from segcio.web.session import load_session


def admin_view(opened_by: Literal["api_docs_public", "metrics_public"]) -> Callable[[Request, Runtime], None]:
    """A dependency: let through the admin, or everyone when the boolean setting `opened_by` is true."""

    def check(request: Request, runtime: Runtime = Depends(get_runtime)) -> None:
        if getattr(runtime.settings, opened_by):
            return
        token = parse_bearer(request.headers.get("authorization"))
        if token is not None and same(token, runtime.defaults.admin_token):
            return
        if load_session(request, runtime).admin:
            return
        raise HTTPException(
            status_code=401,
            detail=f"Admin credentials needed: send 'Authorization: Bearer <admin token>' (see `segcio info --json`), "
            f"log in to the UI at /ui/login, or set {opened_by} = true to open {request.url.path} to everyone.",
            headers={"WWW-Authenticate": "Bearer"},
        )

    return check


router = APIRouter(include_in_schema=False, dependencies=[Depends(admin_view("api_docs_public"))])


@router.get("/openapi.json")
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/admin/docs")
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="segcio API")
