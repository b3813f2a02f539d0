"""The Event Tester: run one event through a destination configuration and show what would be sent.

Nothing is sent and nothing is stored. It runs the pipeline's own `DestinationRunner` (`segcio.destinations.runner`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from segcio.actions.definition import PlannedRequest
from segcio.actions.jscompat import js_ordered
from segcio.actions.runtime import SubscriptionResult
from segcio.destinations.customerio import DEFINITION
from segcio.destinations.customerio.limits import check_request
from segcio.destinations.customerio.presets import quick_setup
from segcio.destinations.customerio.settings import US
from segcio.destinations.integrations import filtered_reason
from segcio.destinations.kinds import ACTIONS_KIND
from segcio.destinations.runner import DestinationRunner
from segcio.destinations.runner import on_delete as on_delete  # offered beside test_event, test_authentication

# Used when no settings are given: the requests are shown, never sent, so placeholders will do.
DEFAULT_SETTINGS: dict[str, Any] = {"siteId": "YOUR_SITE_ID", "apiKey": "YOUR_API_KEY", "accountRegion": US}

NOTHING_SENT = "No subscription matched this event, so no request would be sent to the destination."

STATUS_TEXT = {
    "sent": "matched; the request(s) above would be sent",
    "not subscribed": "not subscribed: the event does not match the trigger",
    "invalid subscription": "the trigger is invalid",
    "invalid mapping": "the mapping is invalid",
    "invalid payload": "matched, but the mapped payload is invalid; nothing would be sent",
    "invalid settings": "matched, but the destination settings are invalid; nothing would be sent",
    "error": "matched, but the action failed; nothing would be sent",
}


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def to_json(value: Any, pretty: bool = False) -> str:
    """JSON text as `JSON.stringify` writes it: UTF-8, lone surrogates (which UTF-8 cannot carry) escaped."""
    text = json.dumps(value, ensure_ascii=False, indent=2 if pretty else None,
                      separators=None if pretty else (",", ":"))
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _request_entry(request: PlannedRequest, now: float | None) -> dict[str, Any]:
    entry: dict[str, Any] = js_ordered(request.to_dict())
    entry["warnings"] = check_request(request.method, request.url, request.json, now)
    return entry


def report(results: Sequence[SubscriptionResult], now: float | None = None) -> dict[str, Any]:
    """The Event Tester's answer: requests that would be sent (each with Customer.io's limit warnings), and each
    subscription's verdict. The one report the CLI, the admin API and the UI render."""
    requests: list[dict[str, Any]] = []
    details = []
    for r in results:
        first = len(requests)
        requests.extend(_request_entry(request, now) for request in r.requests)
        details.append({
            "name": r.name, "trigger": r.trigger, "status": r.status, "why": STATUS_TEXT.get(r.status, r.status),
            "payload": js_ordered(r.payload) if r.payload is not None else None,
            "partnerAction": r.partner_action, "matched": r.matched, "error": r.error,
            "request_indexes": list(range(first, len(requests))),
        })
    subscriptions = [
        {"name": r.name, "partnerAction": r.partner_action, "matched": r.matched, "error": r.error} for r in results
    ]
    out: dict[str, Any] = {"requests": requests, "subscriptions": subscriptions, "details": details}
    if not any(r.matched for r in results):
        checked = ", ".join(f"{r.name} ({r.trigger})" for r in results) or "none"
        out["message"] = f"{NOTHING_SENT} Subscriptions checked: {checked}."
    return out


def filtered(event: Any) -> str | None:
    """Why the event's `integrations` keep it from the Customer.io (Actions) destination, or None."""
    return filtered_reason(ACTIONS_KIND, event) if isinstance(event, Mapping) else None


def evaluate(runner: DestinationRunner, event: Any) -> dict[str, Any]:
    """The Event Tester's answer for one event: filtered by its `integrations` as the pipeline would, or run."""
    reason = filtered(event)
    if reason is not None:
        return {"requests": [], "subscriptions": [], "details": [], "filtered": reason,
                "message": f"{reason}: the pipeline would not run this destination's subscriptions on it."}
    return report(runner.run(event))


def test_event(
    event: Any, settings: Mapping[str, Any] | None = None, subscriptions: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """Run one event through the subscriptions (default: Quick Setup) and report; sends and stores nothing."""
    runner = DestinationRunner(
        DEFAULT_SETTINGS if settings is None else settings,
        quick_setup() if subscriptions is None else subscriptions,
    )
    return evaluate(runner, event)


test_event.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite its name


def test_authentication(settings: Mapping[str, Any]) -> PlannedRequest:
    """The credentials check the destination would make (`GET https://track.customer.io/auth`)."""
    assert DEFINITION.test_authentication is not None
    return DEFINITION.test_authentication(DEFINITION.request_context(DEFINITION.normalize_settings(settings)))


test_authentication.__test__ = False  # type: ignore[attr-defined]
