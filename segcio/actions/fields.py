"""Field definitions of a destination action: what a payload key means, its type and default mapping."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

FieldType = Literal["string", "text", "password", "datetime", "integer", "number", "boolean", "object"]

# The JSON-Schema type(s) each field type validates as (datetime: a string or a number, format `date-like`).
SCHEMA_TYPES: dict[str, tuple[str, ...]] = {
    "string": ("string",),
    "text": ("string",),
    "password": ("string",),
    "datetime": ("string", "number"),
    "integer": ("integer",),
    "number": ("number",),
    "boolean": ("boolean",),
    "object": ("object",),
}


@dataclass(frozen=True)
class Field:
    """One input of an action, as shown in the mapping editor and validated before `perform`."""

    label: str
    type: FieldType
    description: str = ""
    required: bool = False
    # The default mapping (a raw value or a mapping directive); `None` means "no default".
    default: Any = None
    choices: tuple[str, ...] | None = None
    allow_null: bool = False
    multiple: bool = False
    # For strings: length bounds; for numbers: value bounds.
    minimum: float | None = None
    maximum: float | None = None
    format: str | None = None
    properties: Mapping[str, Field] | None = None
    additional_properties: bool = False

    @property
    def schema_types(self) -> tuple[str, ...]:
        types = SCHEMA_TYPES[self.type]
        return (*types, "null") if self.allow_null else types

    @property
    def effective_format(self) -> str | None:
        return "date-like" if self.type == "datetime" else self.format


def default_mapping(fields: Mapping[str, Field]) -> dict[str, Any]:
    """Every field's default, in field order: the Quick Setup mapping of an action."""
    return {key: field.default for key, field in fields.items() if field.default is not None}
