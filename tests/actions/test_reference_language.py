"""Differential tests against Segment's reference implementation, run under Node (`reference_language.js`).

Random (seeded) mappings, Liquid templates and builder-style triggers are answered by both implementations:
mapping payloads and error messages must be identical; triggers must be read as the builder meant, and match
exactly as the reference does wherever the reference reads its own builder's text correctly. Skipped when
Node or the reference packages (`bash conformance/install.sh`) are not installed.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from segcio.actions.mapping import MappingError, compile_mapping
from segcio.actions.trigger import compile_trigger
from tests.ci import missing

from .trees import intended_tree

pytestmark = pytest.mark.conformance

HARNESS = Path(__file__).with_name("reference_language.js")
PACKAGES = Path(__file__).resolve().parents[2] / "conformance" / "node_modules" / "@segment"
INPUT = json.loads(Path(__file__).with_name("mapping_reference_cases.json").read_text())["input"]


def _ask_reference(question: dict[str, Any]) -> dict[str, Any]:
    if shutil.which("node") is None:
        missing("node is not installed: these tests run the reference implementation under Node.js")
    if not (PACKAGES / "actions-core").is_dir() or not (PACKAGES / "destination-subscriptions").is_dir():
        missing("the reference is not installed: run `bash conformance/install.sh`")
    done = subprocess.run(["node", str(HARNESS)], input=json.dumps(question), capture_output=True, text=True,
                          check=True, timeout=120)
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


# --- random mappings -----------------------------------------------------------------------------------------

PATHS = ["$.s", "$.t.email", "$.arr", "$.arr.0", "$.missing", "$.b", "$.obj", "", "$", "a[b]", "$.list.2", "$.e.x",
         "$.n", "$.a", "$.f", "$.fl", "$.list", "$.u", "$.js", "$.tmpl", "$.obj.nested", "arr[1]", "$.id", "$.v"]
SCALARS = [None, True, False, 0, 1, -2, 1.5, "", "a", "b c", ".", "-", "left", "right", "upper", "lower", "encode",
           "decode", "{{s}}", "{{{s}}}", "x{{n}}y", "$.s"]
OPTIONS = {"@if": ["exists", "blank", "then", "else"], "@case": ["operator", "value"],
           "@replace": ["pattern", "replacement", "value", "global", "ignorecase", "pattern2", "replacement2"],
           "@flatten": ["value", "separator", "omitArrays"], "@json": ["mode", "value"],
           "@merge": ["objects", "direction"], "@transform": ["apply", "mapping"]}
LIQUID_PIECES = ["{{ ", " }}", "{% ", " %}", "{{- ", " -}}", "s", "n", "arr", "traits.name", ".size", "[0]", "'x'",
                 " | ", "upcase", "plus: 2", "append: '!'", "default: 'd'", "truncate: 3", "round: 1", "split: 'b'",
                 "join: '-'", "if ", "else", "endif", "unless ", "endunless", "assign v = ", "capture c", "endcapture",
                 " == ", " contains ", " and ", " or ", " > ", "1.5", "-1", "text ", "\n"]


class _Mappings:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def value(self, depth: int) -> Any:
        roll = self.random.random()
        if depth > 3 or roll < 0.3:
            return self.random.choice(SCALARS)
        if roll < 0.55:
            return {"@path": self.random.choice(PATHS)}
        if roll < 0.85:
            return self.directive(depth + 1)
        if roll < 0.93:
            return [self.value(depth + 1) for _ in range(self.random.randint(0, 3))]
        return {key: self.value(depth + 1) for key in self.random.sample(["a", "b", "c"], self.random.randint(0, 3))}

    def directive(self, depth: int) -> dict[str, Any]:
        pick = self.random.choice
        name = pick([*OPTIONS, "@path", "@template", "@arrayPath", "@literal", "@excludeWhenNull", "@liquid"])
        if name in ("@path", "@template"):
            if self.random.random() < 0.8:
                return {name: pick([*PATHS, "{{s}} {{t.o}}", "{{arr}}"])}
            return {name: self.value(depth)}
        if name == "@liquid":
            return {name: "".join(pick(LIQUID_PIECES) for _ in range(self.random.randint(0, 12)))}
        if name == "@arrayPath":
            shape = {"id": {"@path": pick(["$.id", "$.v", "$.0", "$.length", ""])}}
            arguments = [pick(PATHS) if self.random.random() < 0.7 else self.value(depth),
                         shape if self.random.random() < 0.7 else self.value(depth)]
            return {name: arguments[: self.random.randint(1, 2)]}
        if name in ("@literal", "@excludeWhenNull"):
            return {name: self.value(depth)}
        options: dict[str, Any] = {}
        for key in OPTIONS[name]:
            if self.random.random() < 0.6:
                options[key] = self.option(key, depth)
        return {name: options}

    def option(self, key: str, depth: int) -> Any:
        if key == "objects":
            return ([self.value(depth) for _ in range(self.random.randint(0, 3))] if self.random.random() < 0.9
                    else self.value(depth))
        if key in ("pattern", "replacement", "pattern2", "replacement2"):
            return self.random.choice(["a", "b", ".", "", "$&", "x", 1])
        if key in ("global", "ignorecase", "omitArrays"):
            return self.random.choice([True, False, None, "x"])
        if key in ("apply", "mapping"):
            return {"r": self.value(depth)} if self.random.random() < 0.7 else self.value(depth)
        return self.value(depth)


def _segcio_mapping(mapping: Any) -> dict[str, Any]:
    try:
        return {"result": compile_mapping(mapping).resolve(INPUT)}
    except MappingError as error:
        return {"errors": error.errors}


def test_random_mappings_give_the_reference_payloads_and_messages() -> None:
    generator = _Mappings(seed=20241124)
    mappings = [{"r": generator.value(0)} for _ in range(1500)]
    answers = _ask_reference({"mappings": [{"mapping": m, "data": INPUT} for m in mappings]})["mappings"]
    for mapping, reference in zip(mappings, answers, strict=True):
        ours = _segcio_mapping(mapping)
        if _uses_unsupported_liquid(ours):
            continue
        if "errors" in reference and "errors" in ours and _is_liquid_syntax_error(reference["errors"]):
            continue  # both refuse the template; liquidjs words syntax errors its own way
        assert json.dumps(ours, sort_keys=True) == json.dumps(reference, sort_keys=True), mapping


def _uses_unsupported_liquid(ours: dict[str, Any]) -> bool:
    return any("is not supported" in message for message in ours.get("errors", []))


def _is_liquid_syntax_error(messages: list[str]) -> bool:
    return any(re.search(r"line:\d+, col:\d+|not closed|invalid value expression|unexpected", m) for m in messages)


# --- random builder triggers ---------------------------------------------------------------------------------

SEGMENTS = ["a", "b", "price", "product 1", "$v", "é", "x-y", "n_1", "0", "items", "(p)", "or", "true"]
STRINGS = ["", "a", "ab", "A", "b a", "x(y)", "it's", "10", "true", "null", "a\\b", "é", "Order Completed", "*", "?"]
NUMBERS = [0, 1, -1, 2.5, 10, 1e21, 5e-7, -0.5, 123456]
STRING_OPERATORS = ["=", "!=", "contains", "not_contains", "starts_with", "not_starts_with", "ends_with",
                    "not_ends_with"]
ROOTS = {"event-property": "properties", "event-trait": "traits", "event-context": "context"}


class _Triggers:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def name(self) -> str:
        return ".".join(self.random.choice(SEGMENTS) for _ in range(self.random.randint(1, 3)))

    def leaf(self) -> dict[str, Any]:
        pick = self.random.choice
        kind = pick(["event-type", "event", "name", "userId", "event-property", "event-trait", "event-context"])
        if kind == "event-type":
            return {"type": kind, "operator": pick(["=", "!="]), "value": pick(STRINGS)}
        if kind in ("event", "name", "userId"):
            operator = pick(STRING_OPERATORS + ([] if kind == "event" else ["exists", "not_exists"]))
            return {"type": kind, "operator": operator} | ({} if "exists" in operator else {"value": pick(STRINGS)})
        operator = pick([*STRING_OPERATORS, "<", "<=", ">", ">=", "number_equals", "number_not_equals", "exists",
                         "not_exists", "is_true", "is_false"])
        node = {"type": kind, "name": self.name(), "operator": operator}
        if operator in STRING_OPERATORS:
            node["value"] = pick(STRINGS)
        elif operator not in ("exists", "not_exists", "is_true", "is_false"):
            node["value"] = pick(NUMBERS)
        return node

    def tree(self, depth: int = 0) -> dict[str, Any]:
        children = [self.tree(1) if depth == 0 and self.random.random() < 0.25 else self.leaf()
                    for _ in range(self.random.randint(1 if depth == 0 else 2, 4))]
        return {"type": "group", "operator": self.random.choice(["and", "or"]), "children": children}

    def events(self, tree: dict[str, Any]) -> list[dict[str, Any]]:
        leaves = _leaves(tree)
        values = [leaf["value"] for leaf in leaves if "value" in leaf] + STRINGS + NUMBERS + [True, False, None]
        events = []
        for _ in range(6):
            event: dict[str, Any] = {}
            for field in ("type", "event", "name", "userId"):
                if self.random.random() < 0.6:
                    event[field] = self.random.choice(values)
            for leaf in leaves:
                if "name" in leaf and self.random.random() < 0.7:
                    _set(event, ROOTS[leaf["type"]], leaf["name"], self.random.choice(values))
            events.append(event)
        return events


def _leaves(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [leaf for child in node["children"]
            for leaf in (_leaves(child) if child["type"] == "group" else [child])]


def _set(event: dict[str, Any], root: str, name: str, value: Any) -> None:
    keys = re.findall(r"[^\[.\]]+", name)
    target = event.setdefault(root, {})
    for key in keys[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[keys[-1]] = value


def test_random_builder_triggers_against_the_reference() -> None:
    generator = _Triggers(seed=7)
    trees = [generator.tree() for _ in range(300)]
    cases = [{"ast": tree, "events": generator.events(tree)} for tree in trees]
    answers = _ask_reference({"triggers": cases})["triggers"]
    understood = 0
    for case, reference in zip(cases, answers, strict=True):
        trigger = compile_trigger(reference["fql"])
        intended = intended_tree(case["ast"])
        assert trigger.ast == intended, reference["fql"]
        if reference["parsed"] == intended:
            understood += 1
            assert [trigger.matches(event) for event in case["events"]] == reference["matches"], reference["fql"]
    assert understood > 100
