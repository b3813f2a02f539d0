"""What a destination is made of: settings fields, actions (fields + perform), presets, request shape.

The runtime does no I/O: an action's `perform` returns the requests the destination would send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from segcio.actions.fields import Field, default_mapping
from segcio.actions.validation import PayloadValidator


@dataclass(frozen=True)
class PlannedRequest:
    """A request the destination would send."""

    method: str  # "POST", "DELETE", "GET"
    url: str  # absolute URL of the real service
    headers: dict[str, str]
    json: Any | None  # body, None when there is none

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "headers": dict(self.headers), "json": self.json}


@dataclass(frozen=True)
class RequestContext:
    """Per-destination-configuration request defaults (computed once from the settings)."""

    settings: Mapping[str, Any]
    base_url: str
    headers: Mapping[str, str]
    json_headers: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "json_headers", {**self.headers, "content-type": "application/json"})

    def request(self, method: str, url: str, json: Any | None = None) -> PlannedRequest:
        """A planned request; requests with a body share one headers dict (treat it as read-only)."""
        headers = self.json_headers if json is not None else dict(self.headers)
        return PlannedRequest(method.upper(), url, headers, json)


Perform = Callable[[RequestContext, dict[str, Any]], list[PlannedRequest]]
PerformBatch = Callable[[RequestContext, list[dict[str, Any]]], list[PlannedRequest]]


@dataclass(frozen=True)
class ActionDefinition:
    """One action: its fields (with default mappings) and how a validated payload becomes requests."""

    key: str
    title: str
    description: str
    default_subscription: str
    fields: Mapping[str, Field]
    perform: Perform
    perform_batch: PerformBatch | None = None
    validator: PayloadValidator = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "validator", PayloadValidator(self.fields))

    def default_mapping(self) -> dict[str, Any]:
        return default_mapping(self.fields)


@dataclass(frozen=True)
class Preset:
    """A ready-made subscription: "automatic" ones make up Quick Setup; "specificEvent" ones are offered for
    particular Segment-generated events."""

    name: str
    partner_action: str
    subscribe: str
    mapping: Mapping[str, Any]
    type: Literal["automatic", "specificEvent"] = "automatic"
    event_slug: str | None = None

    def subscription(self) -> dict[str, Any]:
        return {"name": self.name, "subscribe": self.subscribe, "partnerAction": self.partner_action,
                "mapping": dict(self.mapping)}


@dataclass(frozen=True)
class DestinationDefinition:
    name: str
    slug: str
    settings_fields: Mapping[str, Field]
    actions: Mapping[str, ActionDefinition]
    presets: tuple[Preset, ...]
    # Settings as users may write them -> settings as the reference sees them (e.g. region aliases).
    normalize_settings: Callable[[Mapping[str, Any]], dict[str, Any]]
    # The request defaults for validated settings.
    request_context: Callable[[Mapping[str, Any]], RequestContext]
    test_authentication: Callable[[RequestContext], PlannedRequest] | None = None
    on_delete: Callable[[RequestContext, str], PlannedRequest] | None = None

    def quick_setup(self) -> list[dict[str, Any]]:
        """The subscriptions Quick Setup installs."""
        return [p.subscription() for p in self.presets if p.type == "automatic"]
