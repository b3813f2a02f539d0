"""Per destination kind: turn one logged event into the requests the destination would send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from segcio.destinations.kinds import ACTIONS_KIND, CLASSIC_KIND

if TYPE_CHECKING:
    from segcio.actions.definition import PlannedRequest


@dataclass
class Processed:
    requests: list[PlannedRequest] = field(default_factory=list)
    # Subscription errors (e.g. "Create or Update Person: The root value is missing ...").
    errors: list[str] = field(default_factory=list)
    # Set when the destination does not support the call at all (classic: anonymous, alias, group).
    dropped: str | None = None
    # Set when the message's `integrations` turn this destination off: the processor is not run.
    filtered: str | None = None


class Processor(Protocol):
    def process(self, event: Mapping[str, Any]) -> Processed: ...


class ActionsProcessor:
    """Customer.io (Actions): the stored subscriptions, compiled once."""

    def __init__(self, settings: Mapping[str, Any], subscriptions: list[dict[str, Any]]) -> None:
        from segcio.destinations.runner import DestinationRunner

        self.settings = dict(settings)
        self.runner = DestinationRunner(self.settings, subscriptions)

    def process(self, event: Mapping[str, Any]) -> Processed:
        if event.get("type") == "delete":
            return _deletion(self.settings, event)
        out = Processed()
        for result in self.runner.run(dict(event)):
            out.requests.extend(result.requests)
            if result.matched and result.error:
                out.errors.append(f"{result.name}: {result.error}")
        return out


class ClassicProcessor:
    """Customer.io (Classic): fixed behaviour over Track API v1."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        from segcio.destinations.customerio_classic import ClassicRunner

        self.settings = dict(settings)
        self.runner = ClassicRunner(self.settings)

    def process(self, event: Mapping[str, Any]) -> Processed:
        if event.get("type") == "delete":
            return _deletion(self.settings, event)
        result = self.runner.run(dict(event))
        return Processed(requests=list(result.requests), dropped=result.dropped)


def _deletion(settings: Mapping[str, Any], event: Mapping[str, Any]) -> Processed:
    """A regulation's deletion: the destination's onDelete (`DELETE /api/v1/customers/{userId}`)."""
    from segcio.destinations.runner import on_delete

    user_id = event.get("userId")
    if not user_id:
        return Processed(dropped="A deletion needs a userId.")
    return Processed(requests=[on_delete(dict(settings), str(user_id))])


def processor_for(kind: str, settings: Mapping[str, Any], subscriptions: list[dict[str, Any]]) -> Processor:
    if kind == ACTIONS_KIND:
        return ActionsProcessor(settings, subscriptions)
    if kind == CLASSIC_KIND:
        return ClassicProcessor(settings)
    raise ValueError(f"Unknown destination kind {kind!r}; expected {ACTIONS_KIND!r} or {CLASSIC_KIND!r}")
