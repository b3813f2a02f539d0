"""The App API's audience filter (`POST /v1/customers`): `and` / `or` / `not` over attribute conditions.

A filter is compiled once into a predicate over a person's attributes as the App API shows them (strings).
Operators are the two Customer.io documents: `eq` (the attribute exists and equals `value`) and `exists`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from segcio.errors import Invalid

Predicate = Callable[[Mapping[str, str]], bool]


class FilterError(Invalid, ValueError):
    """A filter segcio cannot evaluate; `message` names the offending part and the fix."""


def as_attribute_string(value: Any) -> str:
    """How a filter `value` compares with stored attributes: the App API's string form (`true`, `9.5`, ...)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _attribute(condition: Any, where: str) -> Predicate:
    if not isinstance(condition, dict):
        raise FilterError(f'{where}.attribute must be an object like {{"field":"plan","operator":"eq","value":"pro"}}.')
    field = condition.get("field")
    operator = condition.get("operator")
    if not isinstance(field, str) or not field:
        raise FilterError(f"{where}.attribute.field is required: name the attribute to test.")
    if operator == "exists":
        return lambda attrs: field in attrs
    if operator == "eq":
        if "value" not in condition or condition["value"] is None:
            raise FilterError(f"{where}.attribute.value is required with the eq operator.")
        expected = as_attribute_string(condition["value"])
        return lambda attrs: attrs.get(field) == expected
    raise FilterError(f"{where}.attribute.operator must be eq or exists (got {operator!r}).")


def compile_filter(node: Any, where: str = "filter") -> Predicate:
    """A predicate for one filter node; raises FilterError for shapes Customer.io would reject or we don't support."""
    if not isinstance(node, dict) or len(node) != 1:
        raise FilterError(f"{where} must be an object with exactly one of and, or, not, attribute.")
    ((kind, value),) = node.items()
    if kind in ("and", "or"):
        if not isinstance(value, list) or not value:
            raise FilterError(f"{where}.{kind} must be a non-empty list of conditions.")
        parts = [compile_filter(item, f"{where}.{kind}[{i}]") for i, item in enumerate(value)]
        if kind == "and":
            return lambda attrs: all(part(attrs) for part in parts)
        return lambda attrs: any(part(attrs) for part in parts)
    if kind == "not":
        inner = compile_filter(value, f"{where}.not")
        return lambda attrs: not inner(attrs)
    if kind in ("attribute", "object_attribute"):  # object filters name their conditions object_attribute
        return _attribute(value, where)
    if kind == "segment":
        raise FilterError(f"{where}.segment: segcio has no segments; filter on attributes instead.")
    raise FilterError(f"{where} has unknown condition {kind!r}; use and, or, not or attribute.")
