"""The Event Tester: run one event through a destination configuration and show what would be sent.

Nothing is sent and nothing is stored. It runs the pipeline's own `DestinationRunner` (`segcio.destinations.runner`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import orjson

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
    """JSON text as `JSON.stringify` writes it: UTF-8, lone surrogates (which UTF-8 cannot carry) escaped,
    numbers that are not finite written as null."""
    options: dict[str, Any] = {"ensure_ascii": False, "indent": 2 if pretty else None,
                               "separators": None if pretty else (",", ":")}
    try:
        text = json.dumps(value, allow_nan=False, **options)
    except ValueError:
        text = json.dumps(_finite(value), **options)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _plain(text: bytes) -> bool:
    """Whether orjson's `text` is what `to_json` writes for the same value after `js_ordered`. They may differ
    on floats that are integral (`js_ordered` makes them ints), below 1e-4 or in exponent form (the standard
    library and orjson write those differently) and on keys that are array indexes (`js_ordered` lists them
    first). Checked on the text, with substring tests (fast); a match inside a string only costs the slower way."""
    if b".0," in text or b".0}" in text or b".0]" in text or b"0.0000" in text:
        return False
    digits = text.translate(_DIGITS)
    return b"0e" not in digits and (b'0":' not in digits or _INDEX_KEY.search(text) is None)


_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_INDEX_KEY = re.compile(rb'"[0-9]+":')


def _orjson(value: Any) -> bytes:
    """orjson's text, or where it refuses (lone surrogates, integers beyond 64 bits) a text `_plain` rejects."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError
        return b".0]"


def json_line(value: Any) -> bytes:
    """`to_json(value)` as UTF-8, taking orjson's text when it is the same (both write numbers that are not
    finite as null)."""
    text = _orjson(value)
    return text if _plain(text) else to_json(value).encode()


def _request_entry(request: PlannedRequest, now: float | None, order: Callable[[Any], Any]) -> dict[str, Any]:
    entry: dict[str, Any] = order(request.to_dict())
    entry["warnings"] = check_request(request.method, request.url, request.json, now)
    return entry


def _as_is(value: Any) -> Any:
    return value


def _subscription(r: SubscriptionResult) -> dict[str, Any]:
    return {"name": r.name, "partnerAction": r.partner_action, "matched": r.matched, "error": r.error}


def _detail(r: SubscriptionResult, first: int, end: int, order: Callable[[Any], Any]) -> dict[str, Any]:
    return {
        "name": r.name, "trigger": r.trigger, "status": r.status, "why": STATUS_TEXT.get(r.status, r.status),
        "payload": order(r.payload) if r.payload is not None else None,
        "partnerAction": r.partner_action, "matched": r.matched, "error": r.error,
        "request_indexes": list(range(first, end)),
    }


def _nothing_sent(results: Sequence[SubscriptionResult]) -> str:
    checked = ", ".join(f"{r.name} ({r.trigger})" for r in results) or "none"
    return f"{NOTHING_SENT} Subscriptions checked: {checked}."


def report(results: Sequence[SubscriptionResult], now: float | None = None) -> dict[str, Any]:
    """The Event Tester's answer: requests that would be sent (each with Customer.io's limit warnings), and each
    subscription's verdict. The one report the CLI, the admin API and the UI render."""
    requests: list[dict[str, Any]] = []
    details = []
    for r in results:
        first = len(requests)
        requests.extend(_request_entry(request, now, js_ordered) for request in r.requests)
        details.append(_detail(r, first, len(requests), js_ordered))
    out: dict[str, Any] = {"requests": requests, "subscriptions": [_subscription(r) for r in results],
                           "details": details}
    if not any(r.matched for r in results):
        out["message"] = _nothing_sent(results)
    return out


# The text of a subscription's entries by the fields they are made of: its `subscriptions` entry, and its
# `details` entry when it made no payload and no request (most subscriptions, for most events).
_ENTRY_TEXTS: dict[tuple[str, str, str, str, bool, str | None], tuple[bytes, bytes]] = {}
_MAX_ENTRY_TEXTS = 4096


def _entry_texts(r: SubscriptionResult, key: tuple[str, str, str, str, bool, str | None]) -> tuple[bytes, bytes]:
    if len(_ENTRY_TEXTS) >= _MAX_ENTRY_TEXTS:
        _ENTRY_TEXTS.clear()
    texts = _ENTRY_TEXTS[key] = (to_json(_subscription(r)).encode(), to_json(_detail(r, 0, 0, _as_is)).encode())
    return texts


def report_line(results: Sequence[SubscriptionResult], now: float | None = None) -> bytes:
    """`to_json(report(results, now))` as UTF-8 (a JSON Lines line), put together from the text of its parts:
    the entries of a subscription that did nothing are kept, the others written by orjson when that gives the
    same text (without `js_ordered`'s copies)."""
    requests: list[bytes] = []
    subscriptions: list[bytes] = []
    details: list[bytes] = []
    made: list[tuple[list[bytes], int, Callable[[], Any]]] = []  # where orjson's text went, and the exact way
    matched = False
    for r in results:
        key = (r.name, r.trigger, r.status, r.partner_action, r.matched, r.error)
        texts = _ENTRY_TEXTS.get(key) or _entry_texts(r, key)
        subscriptions.append(texts[0])
        matched = matched or r.matched
        if r.payload is None and not r.requests:
            details.append(texts[1])
            continue
        first = len(requests)
        for request in r.requests:
            made.append((requests, len(requests), partial(_request_entry, request, now, js_ordered)))
            requests.append(_orjson(_request_entry(request, now, _as_is)))
        end = len(requests)
        made.append((details, len(details), partial(_detail, r, first, end, js_ordered)))
        details.append(_orjson(_detail(r, first, end, _as_is)))
    if made and not _plain(b"\n".join(part[index] for part, index, _ in made)):
        for part, index, exact in made:
            part[index] = to_json(exact()).encode()
    line = b'{"requests":[%s],"subscriptions":[%s],"details":[%s]' % (
        b",".join(requests), b",".join(subscriptions), b",".join(details))
    if not matched:
        line += b',"message":' + json_line(_nothing_sent(results))
    return line + b"}"


def filtered(event: Any) -> str | None:
    """Why the event's `integrations` keep it from the Customer.io (Actions) destination, or None."""
    return filtered_reason(ACTIONS_KIND, event) if isinstance(event, Mapping) else None


def evaluate(runner: DestinationRunner, event: Any) -> dict[str, Any]:
    """The Event Tester's answer for one event: filtered by its `integrations` as the pipeline would, or run."""
    reason = filtered(event)
    if reason is not None:
        return _filtered_report(reason)
    return report(runner.run(event))


def evaluate_line(runner: DestinationRunner, event: Any) -> bytes:
    """`to_json(evaluate(runner, event))` as UTF-8."""
    reason = filtered(event)
    if reason is not None:
        return json_line(_filtered_report(reason))
    return report_line(runner.run(event))


def _filtered_report(reason: str) -> dict[str, Any]:
    return {"requests": [], "subscriptions": [], "details": [], "filtered": reason,
            "message": f"{reason}: the pipeline would not run this destination's subscriptions on it."}


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
