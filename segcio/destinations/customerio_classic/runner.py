"""Customer.io (Classic): the fixed behaviour of Customer.io's classic Segment destination, over Track API v1.

identify            -> PUT  {base}/api/v1/customers/{userId}          body: the traits as attributes
identify, no userId -> PUT  {base}/api/v1/customers/{traits.email}    (a lead, identified by email)
track               -> POST {base}/api/v1/customers/{userId}/events   {"name": event, "type": "event", ...}
page                -> POST {base}/api/v1/customers/{userId}/events   {"name": url, "type": "page", ...}
screen              -> POST {base}/api/v1/customers/{userId}/events   {"name": name, "type": "screen", ...}
anonymous calls, alias, group -> nothing sent; dropped with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from segcio.actions.definition import PlannedRequest, RequestContext
from segcio.customerio.timestamps import convert_valid_timestamp, created_at_seconds
from segcio.destinations.customerio.settings import basic_auth, normalize_settings, track_api_endpoint

# Guess: the classic destination's user agent is Segment's generic server-side one (as its other classic
# destinations send); Customer.io does not look at it.
USER_AGENT = "Segment.io/1.0"

DROP_ANONYMOUS = (
    "Customer.io (Classic) does not accept anonymous calls (no userId{email}); identify the person first, or use "
    "Customer.io (Actions), which sends anonymous events."
)
DROP_ALIAS = "Customer.io (Classic) does not support alias calls; identify people by email, then give them an id."
DROP_GROUP = (
    "Customer.io (Classic) does not support group calls; use Customer.io (Actions) and its Create or Update "
    "Object action."
)
DROP_UNNAMED = "Customer.io (Classic) needs an event name: this {type} call has no {field}."
DROP_UNKNOWN = "Customer.io (Classic) does not handle {type!r} calls."


@dataclass
class ClassicResult:
    requests: list[PlannedRequest] = field(default_factory=list)
    dropped: str | None = None  # why nothing was sent (None when requests were planned)


def _dropped(reason: str) -> ClassicResult:
    return ClassicResult(dropped=reason)


def _path_id(value: str) -> str:
    # Every character but the unreserved ones escaped (as Customer.io's own clients do): `a@b.c` -> `a%40b.c`,
    # `/` -> `%2F`, so an id can never change the URL's path.
    return quote(value, safe="")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _object(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


class ClassicRunner:
    """Turns one Segment event into the classic destination's Track API v1 requests. Build once per settings."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        normalised = normalize_settings(settings)
        self.base_url = track_api_endpoint(normalised)
        self.ctx = RequestContext(
            settings=normalised,
            base_url=self.base_url,
            headers={"authorization": basic_auth(normalised), "user-agent": USER_AGENT},
        )
        self._handlers: dict[str, Callable[[Mapping[str, Any]], ClassicResult]] = {
            "identify": self._identify,
            "track": self._track,
            "page": self._page,
            "screen": self._screen,
            "alias": lambda _event: _dropped(DROP_ALIAS),
            "group": lambda _event: _dropped(DROP_GROUP),
        }

    def run(self, event: Mapping[str, Any]) -> ClassicResult:
        kind = _text(event.get("type"))
        handler = self._handlers.get(kind)
        if handler is None:
            return _dropped(DROP_UNKNOWN.format(type=kind))
        return handler(event)

    # identify ---------------------------------------------------------------------------------------------------

    def _identify(self, event: Mapping[str, Any]) -> ClassicResult:
        traits = _object(event.get("traits"))
        user_id = _text(event.get("userId"))
        # A lead: empty userId and an email trait -> identified by email (Email-or-ID workspaces resolve the email
        # in the path to the person with that email, or create them without an id).
        identifier = user_id or _text(traits.get("email"))
        if not identifier:
            return _dropped(DROP_ANONYMOUS.format(email=" and no email trait"))
        attributes = self._attributes(traits)
        return ClassicResult([self.ctx.request("PUT", self._customer_url(identifier), attributes)])

    @staticmethod
    def _attributes(traits: dict[str, Any]) -> dict[str, Any]:
        """Traits as attributes, unchanged, except Segment's `createdAt` trait, which becomes Customer.io's
        `created_at` in Unix seconds (guess: what the classic destination did with the spec'd trait)."""
        created = traits.pop("createdAt", None)
        if created is not None and "created_at" not in traits:
            seconds = created_at_seconds(created) if isinstance(created, str) else created
            traits["created_at"] = seconds if seconds is not None else created
        return traits

    # events -----------------------------------------------------------------------------------------------------

    def _track(self, event: Mapping[str, Any]) -> ClassicResult:
        return self._event(event, _text(event.get("event")).strip(), "event", "event name")

    def _page(self, event: Mapping[str, Any]) -> ClassicResult:
        # The page's URL names the page event (as Customer.io's own page tracking does); its name when no URL.
        properties = _object(event.get("properties"))
        name = _text(properties.get("url")).strip() or _text(event.get("name")).strip()
        return self._event(event, name, "page", "properties.url or name")

    def _screen(self, event: Mapping[str, Any]) -> ClassicResult:
        return self._event(event, _text(event.get("name")).strip(), "screen", "name")

    def _event(self, event: Mapping[str, Any], name: str, kind: str, name_field: str) -> ClassicResult:
        user_id = _text(event.get("userId"))
        if not user_id:
            return _dropped(DROP_ANONYMOUS.format(email=""))
        if not name:
            return _dropped(DROP_UNNAMED.format(type=event.get("type"), field=name_field))
        body: dict[str, Any] = {"name": name, "type": kind, "data": _object(event.get("properties"))}
        timestamp = convert_valid_timestamp(event.get("timestamp"))
        if isinstance(timestamp, int | float) and not isinstance(timestamp, bool):
            body["timestamp"] = int(timestamp)
        return ClassicResult([self.ctx.request("POST", self._customer_url(user_id) + "/events", body)])

    def _customer_url(self, identifier: str) -> str:
        return f"{self.base_url}/api/v1/customers/{_path_id(identifier)}"
