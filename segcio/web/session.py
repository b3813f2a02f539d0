"""UI sessions in a signed cookie, login guard and CSRF protection for every form."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.auth import same
from segcio.runtime import Runtime, get_runtime
from segcio.store.tables.core import install_settings
from segcio.web import session_store
from segcio.web.security import end_sessions_if_configured_password_changed

COOKIE = "segcio_ui"
MAX_AGE = session_store.LIFETIME_SECONDS
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass
class Session:
    """What the cookie holds: the CSRF token, the id of a logged-in session (checked against `ui_sessions`), one
    pending notice."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    session_id: str = ""
    notice: str = ""
    changed: bool = False

    @property
    def admin(self) -> bool:
        return bool(self.session_id)

    def flash(self, message: str) -> None:
        self.notice = message
        self.changed = True

    def take_notice(self) -> str:
        message, self.notice = self.notice, ""
        if message:
            self.changed = True
        return message

    def as_dict(self) -> dict[str, Any]:
        return {"csrf": self.csrf, "sid": self.session_id, "notice": self.notice}


_first_use = threading.Lock()


def _serializer(request: Request, runtime: Runtime) -> URLSafeTimedSerializer:
    cached = getattr(request.app.state, "ui_serializer", None)
    if isinstance(cached, URLSafeTimedSerializer):
        return cached
    with _first_use:
        cached = getattr(request.app.state, "ui_serializer", None)
        if isinstance(cached, URLSafeTimedSerializer):
            return cached
        # Before this process trusts any session: those opened with a since-replaced configured password end.
        end_sessions_if_configured_password_changed(runtime.db, runtime.settings)
        with runtime.db.connect() as conn:
            secret = conn.execute(
                select(install_settings.c.value).where(install_settings.c.key == "secret_key")
            ).scalar()
        serializer = URLSafeTimedSerializer(secret or runtime.defaults.admin_token, salt="segcio.ui.session")
        request.app.state.ui_serializer = serializer
        return serializer


def load_session(request: Request, runtime: Runtime = Depends(get_runtime)) -> Session:
    """The visitor's session (a fresh anonymous one when the cookie is missing, expired or forged)."""
    cached = request.scope.get("segcio.ui.session")
    if isinstance(cached, Session):
        return cached
    session = Session(changed=True)
    raw = request.cookies.get(COOKIE)
    if raw:
        try:
            data = _serializer(request, runtime).loads(raw, max_age=MAX_AGE)
            session = Session(
                csrf=str(data["csrf"]), session_id=str(data.get("sid") or ""), notice=str(data.get("notice", ""))
            )
        except (BadSignature, KeyError, TypeError):
            pass
    if session.session_id and not session_store.is_open(runtime.db, session.session_id):
        session.session_id = ""  # logged out, password changed or expired: an anonymous visitor again
        session.changed = True
    request.scope["segcio.ui.session"] = session
    return session


def save_session(request: Request, response: Response, session: Session) -> None:
    if not session.changed:
        return
    runtime: Runtime = request.app.state.runtime
    value = _serializer(request, runtime).dumps(session.as_dict())
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def require_login(request: Request, session: Session = Depends(load_session)) -> Session:
    """Every UI page except the login page: redirect to the login page when not logged in."""
    if not session.admin:
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        else:  # a form posted after the session expired: come back to the page that had the form
            target = urlsplit(request.headers.get("referer", "")).path or "/ui/"
        raise HTTPException(
            status_code=303, detail="Log in first.", headers={"Location": f"/ui/login?next={quote(target)}"}
        )
    return session


def check_csrf(session: Session, token: str | None) -> None:
    if not token or not same(token, session.csrf):
        raise HTTPException(
            status_code=403,
            detail="The form's CSRF token is missing or wrong (the session may have expired): "
            "reload the page and retry.",
        )


async def posted_form(request: Request, session: Session = Depends(require_login)) -> FormData:
    """The submitted form of a logged-in admin, after its CSRF token was checked."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    check_csrf(session, token if isinstance(token, str) else None)
    return form


def csrf_header(request: Request, session: Session = Depends(require_login)) -> Session:
    """JSON endpoints called by the page's scripts carry the token in a header."""
    check_csrf(session, request.headers.get(CSRF_HEADER))
    return session
