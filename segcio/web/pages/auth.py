"""Login, logout and changing the admin password."""

from __future__ import annotations

import asyncio
import functools
import secrets

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.client_address import client_address
from segcio.runtime import Runtime, get_runtime
from segcio.web import session_store
from segcio.web.render import redirect, render
from segcio.web.security import PasswordNotChanged, change_admin_password, check_admin_password
from segcio.web.session import CSRF_FIELD, Session, check_csrf, load_session, posted_form, require_login
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
    client = client_address(request) or "unknown"
    wait = throttle.wait_seconds(client)
    if wait:
        message = f"Too many wrong passwords: try again in {wait} seconds."
        return render(request, "login.html", status_code=429, next=target, error=message)
    if not isinstance(password, str) or not check_admin_password(runtime.db, runtime.settings, password):
        throttle.failed(client)
        return render(request, "login.html", status_code=401, next=target, error="Wrong password.")
    throttle.succeeded(client)
    # A new CSRF token and session id at login, so nothing seen before login is worth anything afterwards.
    session.csrf = secrets.token_urlsafe(24)
    session.session_id = session_store.open_session(runtime.db)
    session.changed = True
    return redirect(request, target)


@router.post("/logout")
async def logout(
    request: Request,
    session: Session = Depends(require_login),
    _form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    # Ended on the server: a copy of the cookie taken before logout no longer opens the UI.
    session_store.close_session(runtime.db, session.session_id)
    session.session_id = ""
    session.csrf = secrets.token_urlsafe(24)
    session.changed = True
    return redirect(request, "/ui/login", notice="Logged out.")


@router.get("/password")
def password_page(
    request: Request, runtime: Runtime = Depends(get_runtime), _: Session = Depends(require_login)
) -> Response:
    return render(request, "password.html", configured=bool(runtime.settings.admin_password), error="")


@router.post("/password")
async def change_password(
    request: Request,
    session: Session = Depends(require_login),
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    fields = [str(form.get(name) or "") for name in ("current", "new", "confirm")]
    try:
        change = functools.partial(change_admin_password, runtime.db, runtime.settings, *fields)
        await asyncio.to_thread(change, keep_session=session.session_id)
    except PasswordNotChanged as exc:
        configured = bool(runtime.settings.admin_password)
        return render(request, "password.html", status_code=400, configured=configured, error=str(exc))
    return redirect(request, "/ui/", notice="Password changed; every other session was logged out.")
