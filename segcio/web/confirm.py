"""Destructive actions ask for confirmation: in the browser (script) and again on the server without it."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.web.render import render


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
