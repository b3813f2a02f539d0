"""Existing triggers shown in the condition builder: one ALL/ANY group of simple conditions, when it fits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from segcio.actions.trigger import TriggerError, compile_trigger

_FIELDS = {"event-type": "type", "event": "event", "name": "name", "userId": "userId"}
_NESTED = {"event-property": "properties", "event-trait": "traits", "event-context": "context"}
# Trigger AST operators -> the builder's operator choices.
_OPERATORS = {
    "=": "is",
    "!=": "is_not",
    "number_equals": "is",
    "number_not_equals": "is_not",
    "contains": "contains",
    "not_contains": "not_contains",
    "starts_with": "starts_with",
    "ends_with": "ends_with",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
    "exists": "exists",
    "not_exists": "not_exists",
    "is_true": "true",
    "is_false": "false",
}


@dataclass(frozen=True)
class Condition:
    field: str  # type | event | name | userId | property
    path: str  # for property: properties.x, traits.x or context.x
    op: str
    value: str


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def conditions_of(trigger: str) -> tuple[str, list[Condition]] | None:
    """("all"|"any", conditions) for a trigger the builder can show; None for anything richer (nesting, ...)."""
    try:
        ast = compile_trigger(trigger).ast
    except TriggerError:
        return None
    if not isinstance(ast, dict) or ast.get("type") != "group":
        return None
    rows = []
    for child in ast.get("children", []):
        kind, op = child.get("type"), _OPERATORS.get(child.get("operator", ""))
        if op is None:
            return None
        if kind in _FIELDS:
            rows.append(Condition(_FIELDS[kind], "", op, _value_text(child.get("value"))))
        elif kind in _NESTED and isinstance(child.get("name"), str):
            path = f"{_NESTED[kind]}.{child['name']}"
            rows.append(Condition("property", path, op, _value_text(child.get("value"))))
        else:
            return None
    return ("any" if ast.get("operator") == "or" else "all"), rows
