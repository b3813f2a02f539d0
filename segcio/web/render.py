"""Jinja2 rendering (autoescape always on) and redirects that carry the session cookie."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse, RedirectResponse, Response

from segcio import jsonutil
from segcio.web.nav import NAV
from segcio.web.session import Session, load_session, save_session

TEMPLATES = Path(__file__).parent / "templates"


def format_time(value: Any) -> str:
    """Unix seconds -> `2026-01-02 03:04:05 UTC`; anything else unchanged."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    try:
        return dt.datetime.fromtimestamp(float(value), dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return str(value)


def pretty_json(value: Any) -> str:
    if isinstance(value, str | bytes):
        try:
            value = jsonutil.loads(value)
        except ValueError:
            return value if isinstance(value, str) else value.decode(errors="replace")
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


def compact_json(value: Any) -> str:
    return jsonutil.dumps(value)


_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", ord("'"): "\\u0027"}


def script_json(value: Any) -> Markup:
    """JSON for a `<script type="application/json">` block, key order kept (Jinja's `tojson` sorts keys)."""
    return Markup(jsonutil.dumps(value).translate(_SCRIPT_ESCAPES))


env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters["time"] = format_time
env.filters["pretty"] = pretty_json
env.filters["compact"] = compact_json
env.filters["script_json"] = script_json


# Defence in depth on top of escaping: only our own scripts and styles run, and no other site may frame the UI.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    session: Session = request.scope.get("segcio.ui.session") or load_session(request, request.app.state.runtime)
    html = env.get_template(template).render(
        request=request,
        csrf_token=session.csrf,
        logged_in=session.admin,
        notice=session.take_notice(),
        nav=NAV,
        path=request.url.path,
        base_url=str(request.base_url).rstrip("/"),
        **context,
    )
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    save_session(request, response, session)
    return response


def redirect(request: Request, url: str, notice: str = "") -> Response:
    """303 to `url` (a path inside the UI), with an optional one-time notice shown on the next page."""
    session: Session = request.scope.get("segcio.ui.session") or load_session(request, request.app.state.runtime)
    if notice:
        session.flash(notice)
    response = RedirectResponse(url, status_code=303)
    save_session(request, response, session)
    return response
