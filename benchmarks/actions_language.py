"""Micro-benchmark of the actions language: trigger matching and mapping resolution on one core.

Runs the 15 Customer.io Quick Setup triggers, the default mappings of the four busiest actions and a mapping
of `@liquid` fields over a mix of identify / track / page / screen / group events, and prints the figures as
JSON. When Node and the reference packages (conformance/node_modules) are installed, the reference
implementation does the same work in the same run (actions_language_reference.js) and the ratios are reported too.

    python benchmarks/actions_language.py [--seconds 2] [--no-reference]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from segcio.actions.mapping import compile_mapping
from segcio.actions.trigger import TriggerSet, compile_trigger

RESERVED = ["Application Installed", "Application Opened", "Application Uninstalled", "Device Created or Updated",
            "Device Deleted", "Relationship Deleted", "User Deleted", "User Suppressed", "User Unsuppressed",
            "Object Deleted", "Report Delivery Event", "Report Content Event"]
PRESET_TRIGGERS = [
    'type = "identify"',
    'event = "Application Installed" or event = "Application Opened" or event = "Device Created or Updated"',
    'event = "Application Uninstalled" or event = "Device Deleted"',
    'event = "Relationship Deleted"',
    'event = "User Deleted"',
    'event = "Object Deleted"',
    'type = "track" and ' + " and ".join(f'event != "{name}"' for name in RESERVED),
    'type = "page"',
    'type = "screen"',
    'type = "group"',
    'type = "alias"',
    'event = "User Suppressed"',
    'event = "User Unsuppressed"',
    'event = "Report Delivery Event"',
    'event = "Report Content Event"',
]


def path(p: str) -> dict[str, str]:
    return {"@path": p}


def either(a: str, b: str) -> dict[str, Any]:
    return {"@if": {"exists": path(a), "then": path(a), "else": path(b)}}


COMMON = {"convert_timestamp": True, "enable_batching": True, "batch_size": 50}
MAPPINGS = {
    "identify": {"id": either("$.userId", "$.traits.email"), "anonymous_id": path("$.anonymousId"),
                 "email": {"@template": "{{traits.email}}"},
                 "created_at": either("$.traits.created_at", "$.traits.createdAt"),
                 "group_id": path("$.traits.objectId"), "custom_attributes": path("$.traits"),
                 "relationship_attributes": path("$.traits.relationshipAttributes"), "timestamp": path("$.timestamp"),
                 "object_type_id": either("$.traits.object_type_id", "$.traits.objectTypeId"), **COMMON},
    "track": {"id": path("$.userId"), "anonymous_id": path("$.anonymousId"), "name": path("$.event"),
              "event_id": path("$.messageId"), "timestamp": path("$.timestamp"), "data": path("$.properties"),
              **COMMON},
    "page": {"id": path("$.userId"), "anonymous_id": path("$.anonymousId"), "event_id": path("$.messageId"),
             "url": path("$.properties.url"), "timestamp": path("$.timestamp"), "data": path("$.properties"),
             **COMMON},
    "screen": {"id": path("$.userId"), "anonymous_id": path("$.anonymousId"), "event_id": path("$.messageId"),
               "name": path("$.name"), "timestamp": path("$.timestamp"), "data": path("$.properties"), **COMMON},
}

# A mapping of @liquid fields as a workspace might write them (resolved for every event of the mix).
LIQUID_MAPPING = {
    "greeting": {"@liquid": "Hi {{ traits.name | default: 'there' | capitalize }}!"},
    "email": {"@liquid": "{{ traits.email | strip | downcase }}"},
    "order": {"@liquid": "{% if properties.revenue > 40 %}big{% elsif properties.revenue %}small{% else %}none"
                         "{% endif %} order of {{ properties.products | size }} items ({{ properties.revenue | "
                         "times: 100 | round }} cents)"},
    "event_word": {"@liquid": "{{ event | split: ' ' | first | upcase | append: '-' | append: type }}"},
}

BASE = {"anonymousId": "anon-123", "userId": "user-42", "messageId": "msg-1", "timestamp": "2024-05-06T07:08:09.123Z",
        "context": {"ip": "203.0.113.7", "library": {"name": "analytics.js", "version": "4.1.0"},
                    "page": {"path": "/pricing", "url": "https://example.com/pricing"}}}
EVENTS: list[dict[str, Any]] = [
    {**BASE, "type": "identify", "traits": {"email": "ada@example.com", "name": "Ada", "plan": "pro", "logins": 12,
                                            "created_at": "2023-01-01T00:00:00Z", "address": {"city": "Paris"}}},
    {**BASE, "type": "track", "event": "Order Completed",
     "properties": {"order_id": "o-1", "revenue": 42.5, "currency": "EUR", "coupon": None,
                    "products": [{"sku": "s-1", "price": 10}, {"sku": "s-2", "price": 32.5}]}},
    {**BASE, "type": "track", "event": "Product Viewed", "properties": {"sku": "s-9", "price": 3}},
    {**BASE, "type": "page", "name": "Pricing",
     "properties": {"url": "https://example.com/pricing", "title": "Pricing"}},
    {**BASE, "type": "screen", "name": "Home", "properties": {"variant": "b"}},
    {**BASE, "type": "group", "groupId": "g-1", "traits": {"name": "Acme"}},
    {**BASE, "type": "track", "event": "Application Opened", "properties": {"build": "512"}},
]


def rate(work: Callable[[], int], seconds: float) -> float:
    """Operations per second of `work` (which returns how many operations it did), over about `seconds`."""
    work()  # warm-up
    done, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        done += work()
    return done / elapsed


REFERENCE_SCRIPT = Path(__file__).with_name("actions_language_reference.js")
REFERENCE_PACKAGES = Path(__file__).parent.parent / "conformance" / "node_modules" / "@segment" / "actions-core"


def reference_figures(seconds: float) -> dict[str, Any] | None:
    """The reference implementation's figures for the same work, or None when it is not installed."""
    if shutil.which("node") is None or not REFERENCE_PACKAGES.is_dir():
        return None
    work = {"triggers": PRESET_TRIGGERS, "mappings": MAPPINGS, "liquid": LIQUID_MAPPING, "events": EVENTS,
            "seconds": seconds}
    done = subprocess.run(["node", str(REFERENCE_SCRIPT)], input=json.dumps(work), capture_output=True, text=True,
                          check=True)
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per figure")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference implementation")
    arguments = parser.parse_args()
    seconds = arguments.seconds

    triggers = [compile_trigger(text) for text in PRESET_TRIGGERS]
    trigger_set = TriggerSet(triggers)
    mappings = {kind: compile_mapping(mapping) for kind, mapping in MAPPINGS.items()}
    batch = EVENTS * 100

    def all_triggers() -> int:
        for event in batch:
            for trigger in triggers:
                trigger.matches(event)
        return len(batch)

    def all_triggers_as_a_set() -> int:
        for event in batch:
            trigger_set.matching(event)
        return len(batch)

    def mapping_of(kind: str) -> Callable[[], int]:
        compiled, events = mappings[kind], [e for e in batch if e["type"] == kind]

        def work() -> int:
            for event in events:
                compiled.resolve(event)
            return len(events)

        return work

    by_type = {"identify": mappings["identify"], "track": mappings["track"], "page": mappings["page"],
               "screen": mappings["screen"]}

    def pipeline() -> int:
        # What the runtime does per event with Quick Setup: test every trigger, map for each match.
        for event in batch:
            for _ in trigger_set.matching(event):
                compiled = by_type.get(event["type"])
                if compiled is not None:
                    compiled.resolve(event)
        return len(batch)

    liquid = compile_mapping(LIQUID_MAPPING)

    def liquid_mapping() -> int:
        for event in batch:
            liquid.resolve(event)
        return len(batch)

    compile_started = time.perf_counter()
    for text in PRESET_TRIGGERS:
        compile_trigger(text + "\n")  # a text not compiled yet (compiled triggers are cached by text)
    for mapping in MAPPINGS.values():
        compile_mapping(mapping)
    compile_ms = (time.perf_counter() - compile_started) * 1000

    trigger_rate = rate(all_triggers, seconds)
    result = {
        "benchmark": "actions_language",
        "events_in_mix": len(EVENTS),
        "triggers_per_event": len(triggers),
        "events_per_s_all_15_triggers": round(trigger_rate),
        "trigger_evaluations_per_s": round(trigger_rate * len(triggers)),
        "events_per_s_all_15_triggers_as_a_set": round(rate(all_triggers_as_a_set, seconds)),
        "mapping_resolves_per_s": {kind: round(rate(mapping_of(kind), seconds)) for kind in MAPPINGS},
        "events_per_s_triggers_plus_mappings": round(rate(pipeline, seconds)),
        "liquid_mapping_resolves_per_s": round(rate(liquid_mapping, seconds)),
        "compile_all_presets_ms": round(compile_ms, 2),
    }
    reference = None if arguments.no_reference else reference_figures(seconds)
    if reference is not None:
        result["reference"] = reference
        ours, theirs = result["mapping_resolves_per_s"], reference["mapping_resolves_per_s"]
        result["ratio_vs_reference"] = {
            "triggers": round(result["events_per_s_all_15_triggers"] / reference["events_per_s_all_15_triggers"], 1),
            "triggers_as_a_set": round(result["events_per_s_all_15_triggers_as_a_set"]
                                       / reference["events_per_s_all_15_triggers"], 1),
            "mappings": {kind: round(ours[kind] / theirs[kind], 1) for kind in MAPPINGS},
            "triggers_plus_mappings": round(result["events_per_s_triggers_plus_mappings"]
                                            / reference["events_per_s_triggers_plus_mappings"], 1),
            "liquid_mapping": round(result["liquid_mapping_resolves_per_s"]
                                    / reference["liquid_mapping_resolves_per_s"], 1),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
