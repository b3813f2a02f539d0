"""The field-mapping editor: an action's mapping <-> one form row per field (path, template, literal, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from segcio import jsonutil
from segcio.actions.definition import ActionDefinition
from segcio.actions.fields import Field
from segcio.errors import Invalid

# How a field gets its value: the action's default, an event path, a template, a fixed value, raw JSON, or nothing.
KINDS = {
    "default": "Default",
    "path": "Event path",
    "template": "Template",
    "literal": "Fixed value",
    "json": "Mapping JSON",
    "none": "Not mapped",
}
MAX_VALUE = 10_000


class MappingInputError(Invalid, ValueError):
    """A field's input cannot become a mapping value; the message names the field and the fix."""


@dataclass(frozen=True)
class FieldRow:
    key: str
    label: str
    type: str
    required: bool
    description: str
    choices: tuple[str, ...] | None
    kind: str
    value: str
    default_text: str


def describe(value: Any) -> str:
    """A mapping value as the editor shows it: `$.path`, the template text, or JSON."""
    if isinstance(value, Mapping) and len(value) == 1:
        ((directive, arg),) = value.items()
        if directive == "@path" and isinstance(arg, str):
            return arg
        if directive == "@template" and isinstance(arg, str):
            return arg
    if value is None:
        return "(none)"
    return jsonutil.dumps(value)


def _kind_of(value: Any, present: bool, field: Field) -> tuple[str, str]:
    if not present:
        return "none", ""
    if value == field.default and field.default is not None:
        return "default", describe(value)
    if isinstance(value, Mapping) and len(value) == 1:
        ((directive, arg),) = value.items()
        if directive == "@path" and isinstance(arg, str):
            return "path", arg
        if directive == "@template" and isinstance(arg, str):
            return "template", arg
    if isinstance(value, str):
        return "literal", value
    if isinstance(value, bool):
        return "literal", "true" if value else "false"
    if isinstance(value, int | float) and field.type in ("integer", "number"):
        return "literal", jsonutil.dumps(value)
    return "json", jsonutil.dumps(value)


def field_rows(action: ActionDefinition, mapping: Mapping[str, Any]) -> list[FieldRow]:
    rows = []
    for key, field in action.fields.items():
        kind, value = _kind_of(mapping.get(key), key in mapping, field)
        rows.append(
            FieldRow(
                key=key,
                label=field.label,
                type=field.type,
                required=field.required,
                description=field.description,
                choices=field.choices,
                kind=kind,
                value=value,
                default_text=describe(field.default) if field.default is not None else "(no default)",
            )
        )
    return rows


def normalise_path(text: str) -> str:
    """`name`, `properties.url` or `$.properties.url` -> `$.…` (the editor accepts all three)."""
    text = text.strip()
    if text.startswith("$"):
        return text
    return "$." + text


def _literal(field: Field, label: str, text: str) -> Any:
    if field.type == "boolean":
        if text not in ("true", "false"):
            raise MappingInputError(f"{label}: choose true or false.")
        return text == "true"
    if field.type in ("integer", "number"):
        try:
            number = float(text)
        except ValueError:
            raise MappingInputError(f"{label}: enter a number (got {text!r}).") from None
        return int(number) if field.type == "integer" or number.is_integer() else number
    if field.type == "object":
        return _json(label, text)
    return text


def _json(label: str, text: str) -> Any:
    try:
        return jsonutil.loads(text)
    except ValueError:
        raise MappingInputError(f'{label}: enter valid JSON, e.g. {{"@path": "$.properties"}}.') from None


def mapping_from_form(action: ActionDefinition, form: FormData) -> dict[str, Any]:
    """Build the mapping from the editor's fields `kind.<key>` and `value.<key>`."""
    mapping: dict[str, Any] = {}
    for key, field in action.fields.items():
        kind = str(form.get(f"kind.{key}") or "default")
        text = str(form.get(f"value.{key}") or "")
        label = f"{field.label} ({key})"
        if len(text) > MAX_VALUE:
            raise MappingInputError(f"{label}: at most {MAX_VALUE} characters.")
        if kind == "default":
            if field.default is not None:
                mapping[key] = field.default
        elif kind == "path":
            if not text.strip():
                raise MappingInputError(f"{label}: enter an event path such as properties.url or name.")
            mapping[key] = {"@path": normalise_path(text)}
        elif kind == "template":
            mapping[key] = {"@template": text}
        elif kind == "literal":
            mapping[key] = _literal(field, label, text)
        elif kind == "json":
            mapping[key] = _json(label, text)
        elif kind != "none":
            raise MappingInputError(f"{label}: unknown mapping kind {kind!r}; use one of {', '.join(KINDS)}.")
    return mapping
