"""Login and logout."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from segcio.runtime import Runtime, get_runtime
from segcio.web.render import redirect, render
from segcio.web.security import check_admin_password
from segcio.web.session import CSRF_FIELD, Session, check_csrf, load_session, require_login
from segcio.web.throttle import throttle

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only paths inside the UI: never redirect to another site after login."""
    if target and target.startswith("/ui/") and not target.startswith("//"):
        return target
    return "/ui/"


@router.get("/login")
def login_page(request: Request, next: str | None = None, session: Session = Depends(load_session)) -> Response:
    if session.admin:
        return redirect(request, _safe_next(next))
    return render(request, "login.html", next=_safe_next(next), error="")


@router.post("/login")
async def login(
    request: Request, session: Session = Depends(load_session), runtime: Runtime = Depends(get_runtime)
) -> Response:
    form = await request.form()
    token = form.get(CSRF_FIELD)
    check_csrf(session, token if isinstance(token, str) else None)
    password = form.get("password")
    target = _safe_next(str(form.get("next") or ""))
    client = request.client.host if request.client else "unknown"
    wait = throttle.wait_seconds(client)
    if wait:
        message = f"Too many wrong passwords: try again in {wait} seconds."
        return render(request, "login.html", status_code=429, next=target, error=message)
    if not isinstance(password, str) or not check_admin_password(runtime.db, runtime.settings, password):
        throttle.failed(client)
        return render(request, "login.html", status_code=401, next=target, error="Wrong password.")
    throttle.succeeded(client)
    # A new CSRF token at login, so a token seen before login is worthless afterwards.
    session.csrf = secrets.token_urlsafe(24)
    session.admin = True
    session.changed = True
    return redirect(request, target)


@router.post("/logout")
async def logout(request: Request, session: Session = Depends(require_login)) -> Response:
    form = await request.form()
    token = form.get(CSRF_FIELD)
    check_csrf(session, token if isinstance(token, str) else None)
    session.admin = False
    session.csrf = secrets.token_urlsafe(24)
    session.changed = True
    return redirect(request, "/ui/login", notice="Logged out.")
