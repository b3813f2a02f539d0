"""Runs the same cases through segcio and through the reference, and states what segcio must produce.

segcio must send exactly what the reference sends (method, URL, the headers that matter, JSON body) and
report the same per-subscription outcome, except for the three documented divergences, which are applied
to the reference's answer to obtain segcio's expected answer:

1. ISO-8601 strings with more than 3 fractional digits are not converted: such strings are replaced by
   inert placeholders before the event goes to the reference, and put back in its requests afterwards.
2. `created_at` (the person's `created_at` attribute and an object's root `created_at`) also converts any
   string JavaScript's `Date.parse` accepts (judged by Node's own `Date.parse`, TZ=UTC), except ISO-shaped
   and numeric-looking strings.
3. Quick Setup has an extra subscription (an identify carrying `context.device.token` adds the device):
   the reference is given segcio's own Quick Setup list, so the extra request is computed by the reference's
   engine from that subscription's trigger and mapping; `test_presets.py` pins the difference itself.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.conformance.reference import ReferenceRunner

DEFAULT_SETTINGS: dict[str, Any] = {"siteId": "site_123", "apiKey": "key_abc", "accountRegion": "US"}
REPORTED_HEADERS = ("authorization", "content-type", "user-agent")
NOT_SUBSCRIBED_IN_BATCH = "Payload is either invalid or does not match the subscription"

# The reference's ISO gate accepts 1-9 fractional digits; segcio converts only 1-3 (divergence 1).
_LONG_FRACTION_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?\.\d{4,9}(Z|[+-]\d{2}:?\d{2})?$", re.ASCII
)
# ISO-shaped strings (any fraction length) never take the JavaScript-Date path for created_at.
_ISO_SHAPED = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$", re.ASCII)
# Digit-only strings (phone numbers, ids) are never converted; sign, dots and spaces included.
_NUMERIC_LOOKING = re.compile(r"^[+-]?[\d.\s]+$", re.ASCII)
_MASKED_PARTS = ("properties", "traits", "context")
_CONVERTING_PERSON_ACTIONS = {"identify"}
_OBJECT_IDENTIFY_ACTIONS = {"identify", "identify_anonymous"}


@dataclass
class Case:
    """One conformance case: an event (single) or events (batch) with settings and subscriptions."""

    name: str
    mode: str = "single"
    event: dict[str, Any] | None = None
    events: list[dict[str, Any]] | None = None
    settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    subscriptions: list[dict[str, Any]] | None = None  # None: Quick Setup
    divergence: str | None = None
    reference_expect: dict[str, Any] | None = None  # optional hand-written facts about the reference
    # Root keys whose long-fraction ISO value must also be masked (e.g. `timestamp` when it feeds a
    # deep-converted field such as a device's last_used).
    mask_root: tuple[str, ...] = ()


def request_view(request: Mapping[str, Any]) -> dict[str, Any]:
    headers = {str(k).lower(): str(v) for k, v in (request.get("headers") or {}).items()}
    return {
        "method": str(request["method"]).upper(),
        "url": request["url"],
        "headers": {k: headers[k] for k in REPORTED_HEADERS if k in headers},
        "json": request.get("json"),
    }


# --- divergence 1: placeholders for long-fraction ISO strings -------------------------------------------

def _mask(value: Any, table: dict[str, str]) -> Any:
    if isinstance(value, str) and _LONG_FRACTION_ISO.match(value):
        placeholder = f"zzsentinel{len(table)}zz"
        table[placeholder] = value
        return placeholder
    if isinstance(value, dict):
        return {k: _mask(v, table) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, table) for v in value]
    return value


def mask_event(event: Any, table: dict[str, str], mask_root: Sequence[str] = ()) -> Any:
    """The event with long-fraction ISO strings under properties/traits/context (and the named root keys)
    replaced by placeholders."""
    if not isinstance(event, dict):
        return event
    masked = dict(event)
    for part in (*_MASKED_PARTS, *mask_root):
        if part in masked:
            masked[part] = _mask(masked[part], table)
    return masked


def unmask(value: Any, table: Mapping[str, str]) -> Any:
    if not table:
        return value
    if isinstance(value, str):
        return table.get(value, value)
    if isinstance(value, dict):
        return {k: unmask(v, table) for k, v in value.items()}
    if isinstance(value, list):
        return [unmask(v, table) for v in value]
    return value


# --- divergence 2: created_at through JavaScript's Date.parse ---------------------------------------------

def created_at_candidate(value: Any) -> bool:
    return (isinstance(value, str) and not _ISO_SHAPED.match(value) and not _NUMERIC_LOOKING.match(value)
            and value.strip() != "")


def _entities(request: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    body = request.get("json")
    if not isinstance(body, dict):
        return
    if request["url"].endswith("/api/v2/batch"):
        yield from (item for item in body.get("batch") or [] if isinstance(item, dict))
    elif request["url"].endswith("/api/v2/entity"):
        yield body


def _created_at_slots(entity: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """Where the created_at exception applies: a person's attributes.created_at, an object's root created_at."""
    if entity.get("type") == "person" and entity.get("action") in _CONVERTING_PERSON_ACTIONS:
        attributes = entity.get("attributes")
        if isinstance(attributes, dict) and "created_at" in attributes:
            yield attributes, "created_at"
    elif (entity.get("type") == "object" and entity.get("action") in _OBJECT_IDENTIFY_ACTIONS
          and "created_at" in entity):
        yield entity, "created_at"


def converts_timestamps(subscription: Mapping[str, Any] | None) -> bool:
    """Whether the subscription's mapping turns Convert Timestamps on (key present and not false)."""
    mapping = (subscription or {}).get("mapping") or {}
    return isinstance(mapping, dict) and "convert_timestamp" in mapping and mapping["convert_timestamp"] is not False


# --- the two sides --------------------------------------------------------------------------------------

SegcioSingle = Callable[[dict[str, Any], dict[str, Any], list[dict[str, Any]] | None], dict[str, Any]]
SegcioBatch = Callable[[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]], dict[str, Any]]


@dataclass
class Outcome:
    """segcio's answer and the answer expected from it (the reference's, with divergences applied)."""

    case: Case
    reference: dict[str, Any]  # the raw reference answer (before divergences)
    expected: dict[str, Any]
    actual: dict[str, Any]


class Conformance:
    """Runs cases through both implementations in bulk (one reference round trip per step)."""

    def __init__(self, reference: ReferenceRunner, quick_setup: list[dict[str, Any]],
                 segcio_single: SegcioSingle, segcio_batch: SegcioBatch) -> None:
        self.reference = reference
        self.quick_setup = quick_setup
        self.segcio_single = segcio_single
        self.segcio_batch = segcio_batch

    def subscriptions_for(self, case: Case) -> list[dict[str, Any]]:
        return case.subscriptions if case.subscriptions is not None else self.quick_setup

    def reference_input(self, case: Case, table: dict[str, str]) -> dict[str, Any]:
        subscriptions = self.subscriptions_for(case)
        if case.mode == "batch":
            events = [mask_event(copy.deepcopy(e), table, case.mask_root) for e in case.events or []]
            return {"mode": "batch", "events": events, "settings": case.settings, "subscriptions": subscriptions}
        return {"mode": "single", "event": mask_event(copy.deepcopy(case.event), table, case.mask_root),
                "settings": case.settings, "subscriptions": subscriptions}

    def run(self, cases: Sequence[Case]) -> list[Outcome]:
        tables: list[dict[str, str]] = [{} for _ in cases]
        raw = self.reference.run_many([self.reference_input(c, t) for c, t in zip(cases, tables, strict=True)])
        expected = [self._expected(c, a) for c, a in zip(cases, raw, strict=True)]
        self._apply_created_at(cases, expected)
        for answer, table in zip(expected, tables, strict=True):
            for sub in answer["subscriptions"]:
                sub["requests"] = unmask(sub["requests"], table)
            answer["requests"] = [r for sub in answer["subscriptions"] for r in sub["requests"]]
        outcomes = []
        for case, ref, exp in zip(cases, raw, expected, strict=True):
            outcomes.append(Outcome(case, ref, exp, self._segcio(case)))
        return outcomes

    def _expected(self, case: Case, answer: dict[str, Any]) -> dict[str, Any]:
        subs = []
        for sub, subscription in zip(answer.get("subscriptions", []), self.subscriptions_for(case), strict=False):
            view = {"name": sub["name"], "partnerAction": sub["partnerAction"], "matched": sub["matched"],
                    "error": reference_error(sub["error"]), "output": sub.get("output"),
                    "requests": [request_view(copy.deepcopy(r)) for r in sub.get("requests", [])],
                    "converts": converts_timestamps(subscription)}
            if "multistatus" in sub:
                view["multistatus"] = [_status_view(s) for s in sub["multistatus"]]
            subs.append(view)
        return {"settings_error": answer.get("settings_error"), "subscriptions": subs,
                "requests": [r for sub in subs for r in sub["requests"]]}

    def _apply_created_at(self, cases: Sequence[Case], expected: list[dict[str, Any]]) -> None:
        slots: list[tuple[dict[str, Any], str]] = []
        for answer in expected:
            for sub in answer["subscriptions"]:
                if not sub["converts"]:
                    continue
                for request in sub["requests"]:
                    for entity in _entities(request):
                        slots.extend(s for s in _created_at_slots(entity) if created_at_candidate(s[0][s[1]]))
        if not slots:
            return
        parsed = self.reference.run({"mode": "jsdate", "values": [holder[key] for holder, key in slots]})["ms"]
        for (holder, key), ms in zip(slots, parsed, strict=True):
            if ms is not None:
                holder[key] = int(ms // 1000)

    def _segcio(self, case: Case) -> dict[str, Any]:
        if case.mode == "batch":
            return self.segcio_batch(copy.deepcopy(case.events or []), dict(case.settings),
                                     self.subscriptions_for(case))
        return self.segcio_single(copy.deepcopy(case.event or {}), dict(case.settings), case.subscriptions)


_AGGREGATED = re.compile(r"^\s+[A-Za-z]*Error: (.*)$", re.MULTILINE)


def reference_error(message: str | None) -> str | None:
    """The reference's error text without stack traces: mapping validation errors arrive as an AggregateError
    whose message lists each error's stack; keep each error's own message, one per line."""
    if message is None or not message.startswith("\n"):
        return message
    found = _AGGREGATED.findall(message)
    return "\n".join(found) if found else message.strip()


def _status_view(entry: Mapping[str, Any] | None) -> dict[str, Any]:
    entry = entry or {}
    view: dict[str, Any] = {"status": entry.get("status")}
    if "errormessage" in entry:
        view["errormessage"] = reference_error(entry["errormessage"])
    return view


# --- judging ---------------------------------------------------------------------------------------------

def single_problems(outcome: Outcome) -> list[str]:
    """Differences between segcio's single-event answer and the expected one (empty when they agree)."""
    expected, actual = outcome.expected, outcome.actual
    problems: list[str] = []
    actual_requests = [request_view(r) for r in actual.get("requests", [])]
    if expected["settings_error"] is not None:
        if actual_requests:
            problems.append(f"settings are invalid ({expected['settings_error']!r}) but segcio sent requests")
        errors = {s.get("error") for s in actual.get("subscriptions", []) if s.get("matched")}
        if errors and errors != {expected["settings_error"]}:
            problems.append(f"settings error: expected {expected['settings_error']!r}, segcio said {errors}")
        return problems
    if not same(expected["requests"], actual_requests):
        problems.append(_diff("requests", expected["requests"], actual_requests))
    want = [{k: s[k] for k in ("name", "partnerAction", "matched", "error")} for s in expected["subscriptions"]]
    got = [{k: s.get(k) for k in ("name", "partnerAction", "matched", "error")}
           for s in actual.get("subscriptions", [])]
    # Unmatched subscriptions: the reference's reason (not subscribed / invalid trigger) is its `output`.
    for w, s in zip(want, expected["subscriptions"], strict=True):
        if not s["matched"] and s["output"] not in (None, "not subscribed"):
            w["error"] = s["output"]
    for g in got:
        if not g["matched"] and g["error"] == "not subscribed":
            g["error"] = None
    for w, g in zip(want, got, strict=False):
        if _both_invalid_triggers(w["error"], g["error"]):
            g["error"] = w["error"]
    if got != want:
        problems.append(_diff("subscriptions", want, got))
    return problems


def batch_problems(outcome: Outcome) -> list[str]:
    """Differences between segcio's batch answer and the expected one (empty when they agree)."""
    expected, actual = outcome.expected, outcome.actual
    problems: list[str] = []
    events = outcome.case.events or []
    actual_subs = actual.get("subscriptions", [])
    actual_requests = [request_view(r) for r in actual.get("requests", [])]
    if expected["settings_error"] is not None:
        if actual_requests:
            problems.append("settings are invalid but segcio sent requests")
        return problems
    if not same(expected["requests"], actual_requests):
        problems.append(_diff("requests", expected["requests"], actual_requests))
    if len(actual_subs) != len(expected["subscriptions"]):
        problems.append(f"{len(actual_subs)} subscriptions answered, expected {len(expected['subscriptions'])}")
        return problems
    for want, got in zip(expected["subscriptions"], actual_subs, strict=True):
        statuses = [_status_view(s) for s in got.get("statuses", [])]
        got_requests = [request_view(r) for r in got.get("requests", [])]
        label = want["name"]
        if not same(want["requests"], got_requests):
            problems.append(_diff(f"{label}: requests", want["requests"], got_requests))
        if want["error"] is not None:
            # The reference threw for the whole batch (e.g. an action without batch support).
            messages = {s.get("errormessage") for s in statuses}
            if want["error"] not in messages or not messages <= {want["error"], NOT_SUBSCRIBED_IN_BATCH}:
                problems.append(f"{label}: reference failed the batch with {want['error']!r}; segcio: {statuses}")
        elif not want["matched"]:
            message = want["output"] if want["output"] != "not subscribed" else NOT_SUBSCRIBED_IN_BATCH
            wanted = [{"status": 400, "errormessage": message} for _ in events]
            statuses = [{**s, "errormessage": message} if _both_invalid_triggers(message, s.get("errormessage"))
                        else s for s in statuses]
            if statuses != wanted:
                problems.append(_diff(f"{label}: statuses", wanted, statuses))
        elif statuses != want["multistatus"]:
            problems.append(_diff(f"{label}: statuses", want["multistatus"], statuses))
    return problems


def _both_invalid_triggers(expected: str | None, actual: str | None) -> bool:
    """Both sides reject the trigger. The reference's text for that is an internal JavaScript error
    ("Cannot read properties of undefined (reading 'type')"), segcio's names the position and the fix; only
    the verdict is compared."""
    prefix = "Invalid subscription : "
    return bool(expected and actual and expected.startswith(prefix) and actual.startswith(prefix))


def typed(value: Any) -> Any:
    """A form of a JSON value where equality is JSON's: 1 equals 1.0 (JavaScript has one number type) but
    true does not equal 1 (as it would in Python)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return value


def same(expected: Any, actual: Any) -> bool:
    return bool(typed(expected) == typed(actual))


def _diff(what: str, expected: Any, actual: Any) -> str:
    return f"{what} differ\n  expected (reference): {expected!r}\n  segcio:               {actual!r}"
