"""Destructive actions ask for confirmation: in the browser (script) and again on the server without it."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy import Connection
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.store import Database
from segcio.web.render import redirect, render


def confirmation_needed(request: Request, form: FormData, question: str) -> Response | None:
    """None when the form says `confirm=yes`; otherwise a page that asks and re-posts the same form."""
    if form.get("confirm") == "yes":
        return None
    fields = [(k, v) for k, v in form.multi_items() if k not in {"csrf_token", "confirm"} and isinstance(v, str)]
    back = urlsplit(request.headers.get("referer", "")).path
    return render(
        request,
        "confirm.html",
        title="Confirm",
        question=question,
        action=request.url.path,
        fields=fields,
        back=back if back.startswith("/ui/") else "/ui/",
    )


def change_and_redirect(
    request: Request,
    form: FormData,
    db: Database,
    change: Callable[[Connection], object],
    *,
    then: str,
    notice: str,
    question: str | None = None,
) -> Response:
    """The shape of a UI action: ask first when there is a `question` (a destructive change), make the change in
    one transaction, then go to `then` with a one-time `notice`."""
    if question is not None:
        asked = confirmation_needed(request, form, question)
        if asked is not None:
            return asked
    with db.begin() as conn:
        change(conn)
    return redirect(request, then, notice=notice)
