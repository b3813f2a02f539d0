"""The Customer.io (Actions) destination as the pipeline runs it: a configuration compiled once, run per event.

The Event Tester (`segcio.destinations.tester`) runs the same machinery on one event and reports instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from segcio.actions.definition import PlannedRequest
from segcio.actions.runtime import BatchResult, Runner, SubscriptionResult
from segcio.destinations.customerio import DEFINITION


class DestinationRunner(Runner):
    """A Customer.io (Actions) destination configuration compiled once and run per event."""

    def __init__(self, settings: Mapping[str, Any] | None, subscriptions: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(DEFINITION, settings, subscriptions)

    def run(self, event: Mapping[str, Any]) -> list[SubscriptionResult]:
        return super().run(event)

    def run_batch(self, events: Sequence[Mapping[str, Any]]) -> list[BatchResult]:
        return super().run_batch(events)


def on_delete(settings: Mapping[str, Any], user_id: str) -> PlannedRequest:
    """The GDPR deletion request: `DELETE {base}/api/v1/customers/{userId}`."""
    assert DEFINITION.on_delete is not None
    return DEFINITION.on_delete(DEFINITION.request_context(DEFINITION.normalize_settings(settings)), user_id)
