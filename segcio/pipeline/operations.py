"""The requests a destination would send to Customer.io, as the workspace operations they stand for.

The local destination applies what the remote one would send, through the same translation the Track API
routes use (`segcio.workspace.v1` for v1 requests; v2 bodies are operations already).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from segcio.errors import Invalid
from segcio.workspace import v1

if TYPE_CHECKING:
    from segcio.actions.definition import PlannedRequest

Op = dict[str, Any]
_CUSTOMER = re.compile(r"^/api/v1/customers/([^/]+)$")
_CUSTOMER_EVENTS = re.compile(r"^/api/v1/customers/([^/]+)/events$")


class UnsupportedRequest(Invalid, ValueError):
    """A request the local workspace has no translation for."""


def operations_for(request: PlannedRequest, *, email_identifiers: bool) -> list[Op]:
    path = urlsplit(request.url).path
    body: Any = request.json if isinstance(request.json, dict) else {}
    method = request.method.upper()
    if method == "POST" and path == "/api/v2/entity":
        return [body]
    if method == "POST" and path == "/api/v2/batch":
        return list(body.get("batch") or [])
    if method == "POST" and path == "/api/v1/metrics":
        return v1.metric(body)
    if method == "POST" and path == "/api/v1/events":
        return v1.anonymous_event(body)
    if match := _CUSTOMER.match(path):
        identifier = unquote(match.group(1))
        if method == "PUT":
            return v1.identify(identifier, body, email_identifiers=email_identifiers)
        if method == "DELETE":
            return v1.delete(identifier, email_identifiers=email_identifiers)
    if method == "POST" and (match := _CUSTOMER_EVENTS.match(path)):
        return v1.event(unquote(match.group(1)), body, email_identifiers=email_identifiers)
    raise UnsupportedRequest(f"{method} {path} has no local equivalent")
