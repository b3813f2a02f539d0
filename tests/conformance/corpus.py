"""Loads the written corpus (`corpus/*.json`) into cases.

A corpus file: {"description": str, "base": {event keys}, "cases": [case, ...]}. A case:
  name                      unique within the file
  mode                      "single" (default) or "batch"
  event / events            the Segment event(s); "base" keys are added unless the case says "bare": true,
                            and a key whose value is "$omit" is removed
  region / settings         "EU" for the EU region; settings replace the defaults entirely
  action, subscribe, mapping, mapping_replace
                            one subscription to that action: trigger `subscribe` (default: the action's
                            Quick Setup trigger), mapping = the action's default mapping updated with
                            `mapping` (or exactly `mapping` with "mapping_replace": true)
  subscriptions             explicit subscriptions (a list); absent with no action: Quick Setup
  divergence                one of the documented divergences this case demonstrates
  mask_root                 root event keys treated like attributes for divergence 1 (see compare.py)
  reference                 facts about the reference's own answer, checked first (harness sanity):
                            {"requests": [{"method","url","json"}...]} and/or {"errors": {name: message}}
  segcio                    segcio's expected requests when they differ by a documented divergence
  open_difference           an undocumented difference still open (test_corpus.OPEN_DIFFERENCES)
  deviation, segcio_verdicts, segcio_statuses, equivalent
                            a deviation documented in segcio's docs (test_corpus.DEVIATIONS): segcio's
                            verdicts per subscription (statuses in batch mode), and a trigger the reference
                            reads the way segcio reads the case's trigger
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson

from tests.conformance.compare import DEFAULT_SETTINGS, Case

CORPUS_DIR = Path(__file__).parent / "corpus"
OMIT = "$omit"
DIVERGENCES = {"fraction_digits", "created_at_jsdate", "identify_device"}


def corpus_files() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.json"))


def _event(raw: dict[str, Any], base: dict[str, Any], bare: bool) -> dict[str, Any]:
    event = {} if bare else copy.deepcopy(base)
    event.update(copy.deepcopy(raw))
    return {k: v for k, v in event.items() if v != OMIT}


def _settings(raw: dict[str, Any]) -> dict[str, Any]:
    if "settings" in raw:
        return dict(raw["settings"])
    settings = dict(DEFAULT_SETTINGS)
    if "region" in raw:
        settings["accountRegion"] = raw["region"]
    return settings


def _subscriptions(raw: dict[str, Any], presets: dict[str, dict[str, Any]]) -> list[dict[str, Any]] | None:
    if "subscriptions" in raw:
        return list(raw["subscriptions"])
    if "action" not in raw:
        return None
    action = raw["action"]
    preset = presets[action]
    mapping = {} if raw.get("mapping_replace") else copy.deepcopy(preset["mapping"])
    mapping.update(copy.deepcopy(raw.get("mapping") or {}))
    return [{"name": preset["name"], "subscribe": raw.get("subscribe", preset["subscribe"]),
             "partnerAction": action, "mapping": mapping}]


def load_cases(presets: dict[str, dict[str, Any]]) -> list[tuple[str, Case, dict[str, Any]]]:
    """(id, case, raw case) for every case of every corpus file. `presets`: the reference's automatic presets
    by action key."""
    out = []
    for path in corpus_files():
        document = orjson.loads(path.read_bytes())
        base = document.get("base") or {}
        seen: set[str] = set()
        for raw in document["cases"]:
            name = raw["name"]
            if name in seen:
                raise ValueError(f"{path.name}: duplicate case name {name!r}")
            seen.add(name)
            if raw.get("divergence") not in (None, *DIVERGENCES):
                raise ValueError(f"{path.name}: {name}: unknown divergence {raw['divergence']!r}")
            bare = bool(raw.get("bare"))
            mode = raw.get("mode", "single")
            case = Case(
                name=f"{path.stem}: {name}",
                mode=mode,
                event=_event(raw["event"], base, bare) if "event" in raw else None,
                events=[_event(e, base, bare) for e in raw["events"]] if "events" in raw else None,
                settings=_settings(raw),
                subscriptions=_subscriptions(raw, presets),
                divergence=raw.get("divergence"),
                reference_expect=raw.get("reference"),
                mask_root=tuple(raw.get("mask_root") or ()),
            )
            out.append((f"{path.stem}::{name}", case, raw))
    return out


def open_differences() -> dict[str, str]:
    """Case id -> the open difference (see test_corpus.OPEN_DIFFERENCES) it pins."""
    out = {}
    for path in corpus_files():
        for raw in orjson.loads(path.read_bytes())["cases"]:
            if "open_difference" in raw:
                out[f"{path.stem}::{raw['name']}"] = raw["open_difference"]
    return out


def case_ids(*, kind: str = "all", with_reference_facts: bool = False) -> list[str]:
    """Case ids without the reference (for parametrisation at collection time). kind: "all", "plain" (compared
    with the reference) or "deviation" (segcio's documented deviations); optionally only the cases that write
    down facts about the reference's own answer."""
    ids = []
    for path in corpus_files():
        document = orjson.loads(path.read_bytes())
        for raw in document["cases"]:
            if with_reference_facts and "reference" not in raw:
                continue
            if kind != "all" and ("deviation" in raw) != (kind == "deviation"):
                continue
            ids.append(f"{path.stem}::{raw['name']}")
    return ids
