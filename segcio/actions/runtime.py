"""Running subscriptions against events: trigger -> mapping -> validation -> perform.

Subscriptions are compiled once (trigger, mapping, validator) and reused for every event. Problems with a
subscription (bad trigger, bad mapping) are reported per event, as the reference does, never raised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from segcio import values
from segcio.actions import jscompat
from segcio.actions.definition import ActionDefinition, DestinationDefinition, PlannedRequest, RequestContext
from segcio.actions.errors import (
    PAYLOAD_VALIDATION_FAILED,
    IntegrationError,
    NotImplementedBatchError,
    PayloadValidationError,
)
from segcio.actions.mapping import CompiledMapping, MappingError, compile_mapping
from segcio.actions.trigger import Trigger, TriggerError, TriggerSet, compile_trigger
from segcio.actions.validation import validate_settings

NOT_SUBSCRIBED = "not subscribed"
BATCH_NOT_SUBSCRIBED = "Payload is either invalid or does not match the subscription"
FAILED_TO_VALIDATE = "Failed to validate subscription"


@dataclass(slots=True)
class SubscriptionResult:
    """What one subscription did with one event."""

    name: str
    partner_action: str
    matched: bool
    error: str | None  # the reference's message, e.g. "The root value is missing the required field 'url'."
    requests: list[PlannedRequest]
    payload: dict[str, Any] | None  # the mapped and validated payload
    # Why: "sent", "not subscribed", "invalid subscription", "invalid mapping", "invalid payload",
    # "invalid settings", "error".
    status: str = "sent"
    trigger: str = ""


@dataclass
class BatchResult:
    """What one subscription did with a batch of events: its requests and one status per event."""

    name: str
    partner_action: str
    requests: list[PlannedRequest]
    # Per event, in input order: {"status": 200} for sent events, else the reference's multistatus entry
    # {"status", "errortype", "errormessage", "errorreporter"}; `matched` tells whether the trigger matched.
    statuses: list[dict[str, Any]] = field(default_factory=list)
    payloads: list[dict[str, Any] | None] = field(default_factory=list)


def _too_deep_message(problem: values.ValueRuleError) -> str:
    return f"The event field {problem.message} (segcio reads events up to {values.MAX_DEPTH} levels deep)."


def _error_entry(status: int, errortype: str, message: str) -> dict[str, Any]:
    return {"status": status, "errortype": errortype, "errormessage": message, "errorreporter": "INTEGRATIONS"}


class CompiledSubscription:
    """A subscription ready to run: trigger and mapping compiled, action resolved."""

    def __init__(self, definition: DestinationDefinition, subscription: Mapping[str, Any]) -> None:
        self.name = str(subscription.get("name") or "")
        self.partner_action = str(subscription.get("partnerAction") or "")
        subscribe = subscription.get("subscribe")
        self.trigger_text = subscribe if isinstance(subscribe, str) else ""
        self.action: ActionDefinition | None = definition.actions.get(self.partner_action)
        self.trigger: Trigger | None = None
        self.mapping: CompiledMapping | None = None
        # A problem found at compile time, reported for every event: (status, message).
        self.trigger_problem: tuple[str, str] | None = None
        self.mapping_problem: tuple[str, str] | None = None
        if not isinstance(subscribe, str) or subscribe == "":
            # The reference's check: a missing or empty (falsy) trigger.
            self.trigger_problem = ("invalid subscription", FAILED_TO_VALIDATE)
        else:
            try:
                self.trigger = compile_trigger(subscribe)
            except TriggerError as exc:
                self.trigger_problem = ("invalid subscription", f"Invalid subscription : {exc.message}")
        if self.action is None:
            self.mapping_problem = ("error", f"Unknown action '{self.partner_action}' for {definition.name}.")
        else:
            try:
                self.mapping = compile_mapping(subscription.get("mapping") or {})
            except MappingError as exc:
                self.mapping_problem = ("invalid mapping", str(exc))
        # The result for every event the trigger does not pick (shared: results are read, never changed).
        if self.trigger_problem is not None:
            self.unmatched = self.result(False, *self.trigger_problem)
        else:
            self.unmatched = self.result(False, NOT_SUBSCRIBED)

    def result(self, matched: bool, status: str, error: str | None = None,
                requests: list[PlannedRequest] | None = None,
                payload: dict[str, Any] | None = None) -> SubscriptionResult:
        return SubscriptionResult(self.name, self.partner_action, matched, error, requests or [], payload,
                                  status, self.trigger_text)

    def matches(self, event: Mapping[str, Any]) -> bool:
        return self.trigger is not None and self.trigger.matches(event)

    def payload(self, event: Mapping[str, Any], *, single: bool) -> dict[str, Any]:
        """Map and validate; raises IntegrationError (PayloadValidationError for invalid payloads)."""
        assert self.mapping is not None and self.action is not None
        if self.mapping_problem is not None:
            raise IntegrationError(self.mapping_problem[1])
        if not isinstance(event, dict):
            raise IntegrationError(f"data must be an object, got {jscompat.type_name(event)}")
        too_deep = values.depth_problem(event)
        if too_deep is not None:
            raise IntegrationError(_too_deep_message(too_deep))
        try:
            mapped = self.mapping.resolve(event)
        except MappingError as exc:
            raise IntegrationError(str(exc)) from exc
        return self.action.validator.validate(mapped, single=single)

    def run_matched(self, ctx: RequestContext, event: Mapping[str, Any]) -> SubscriptionResult:
        """The result for an event the trigger picked: map, validate, perform."""
        action, mapping = self.action, self.mapping
        if self.mapping_problem is not None or action is None or mapping is None:
            problem = self.mapping_problem or ("error", "no action")
            return self.result(True, problem[0], problem[1])
        try:
            payload = action.validator.validate(mapping.resolve(event), single=True)
        except PayloadValidationError as exc:
            return self.result(True, "invalid payload", exc.message)
        except MappingError as exc:
            return self.result(True, "error", str(exc))
        except IntegrationError as exc:
            return self.result(True, "error", exc.message)
        try:
            requests = action.perform(ctx, payload)
        except IntegrationError as exc:
            return self.result(True, "error", exc.message, payload=payload)
        return SubscriptionResult(self.name, self.partner_action, True, None, requests, payload, "sent",
                                  self.trigger_text)

    def run_batch(self, ctx: RequestContext, events: Sequence[Mapping[str, Any]]) -> BatchResult:
        """The reference's batch mode: invalid or non-matching events get their own 400 entry; the rest go
        out together through `perform_batch`."""
        result = BatchResult(self.name, self.partner_action, [])
        if self.trigger_problem is not None:
            entry = _error_entry(400, PAYLOAD_VALIDATION_FAILED, self.trigger_problem[1])
            result.statuses = [dict(entry) for _ in events]
            result.payloads = [None] * len(events)
            return result
        unsupported: IntegrationError | None = None
        if self.action is None or self.action.perform_batch is None:
            unsupported = NotImplementedBatchError() if self.action is not None else IntegrationError("Unknown action")
        valid: list[dict[str, Any]] = []
        valid_index: list[int] = []
        for index, event in enumerate(events):
            if not self.matches(event):
                result.statuses.append(_error_entry(400, PAYLOAD_VALIDATION_FAILED, BATCH_NOT_SUBSCRIBED))
                result.payloads.append(None)
                continue
            if unsupported is not None:
                # Checked after the trigger, as the reference does: only matching events see it.
                result.statuses.append(_error_entry(unsupported.status, unsupported.code, unsupported.message))
                result.payloads.append(None)
                continue
            try:
                payload = self.payload(event, single=False)
            except IntegrationError as exc:
                result.statuses.append(_error_entry(400, PAYLOAD_VALIDATION_FAILED, exc.message))
                result.payloads.append(None)
                continue
            valid.append(payload)
            valid_index.append(index)
            result.statuses.append({"status": 200})
            result.payloads.append(payload)
        if valid and self.action is not None and self.action.perform_batch is not None:
            try:
                result.requests = self.action.perform_batch(ctx, valid)
            except IntegrationError as exc:
                for index in valid_index:
                    result.statuses[index] = _error_entry(exc.status, exc.code or "ERROR", exc.message)
        return result


class Runner:
    """A destination configuration (settings + subscriptions) compiled once, run per event."""

    def __init__(self, definition: DestinationDefinition, settings: Mapping[str, Any] | None,
                 subscriptions: Sequence[Mapping[str, Any]]) -> None:
        self.definition = definition
        self.settings_error: str | None = None
        normalized = definition.normalize_settings(settings or {})
        try:
            normalized = validate_settings(normalized, definition.settings_fields) | {
                k: v for k, v in normalized.items() if k not in definition.settings_fields
            }
        except IntegrationError as exc:
            self.settings_error = exc.message
        self.context = definition.request_context(normalized)
        self.subscriptions = [
            CompiledSubscription(definition, s) for s in subscriptions if s.get("enabled", True) is not False
        ]
        # All valid triggers tested in one call per event; the results of the others are fixed.
        valid = [(i, sub.trigger) for i, sub in enumerate(self.subscriptions) if sub.trigger is not None]
        self._triggered = [i for i, _ in valid]
        self._trigger_set = TriggerSet([trigger for _, trigger in valid])
        self._unmatched = [sub.unmatched for sub in self.subscriptions]

    def run(self, event: Mapping[str, Any]) -> list[SubscriptionResult]:
        """Every enabled subscription's result for one event (single-event mode). Results are shared between
        events where nothing happened (not subscribed): read them, do not change them."""
        if not isinstance(event, dict):
            message = f"The event must be a JSON object, got {jscompat.humanize_type(event)}."
            return [sub.result(False, "error", message) for sub in self.subscriptions]
        results = self._unmatched.copy()
        subscriptions, triggered, context = self.subscriptions, self._triggered, self.context
        matching = self._trigger_set.matching(event)
        # Mapping walks the event recursively: an event nested beyond the limit fails where it matched.
        too_deep = values.depth_problem(event) if matching else None
        for index in matching:
            position = triggered[index]
            if too_deep is None:
                results[position] = subscriptions[position].run_matched(context, event)
            else:
                results[position] = subscriptions[position].result(True, "error", _too_deep_message(too_deep))
        if self.settings_error is not None:
            for result in results:
                if result.matched:
                    result.error, result.status, result.requests = self.settings_error, "invalid settings", []
        return results

    def run_batch(self, events: Sequence[Mapping[str, Any]]) -> list[BatchResult]:
        """Every enabled subscription's batch result for a list of events (batch mode)."""
        results = [sub.run_batch(self.context, events) for sub in self.subscriptions]
        if self.settings_error is not None:
            entry = _error_entry(400, "INVALID_SETTINGS", self.settings_error)
            for result in results:
                result.requests = []
                result.statuses = [dict(entry) for _ in events]
        return results
