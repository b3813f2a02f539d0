"""Payload validation with the reference's behaviour: empty-value removal, AJV-style coercion, unknown keys
dropped, and the reference's human error sentences joined by a space.

A validator is compiled once per action (closures per field) and reused for every event.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from segcio.actions import jscompat
from segcio.actions.errors import PayloadValidationError
from segcio.actions.fields import Field
from segcio.actions.jsdate import dayjs_parse, is_date_like
from segcio.actions.jsvalues import json_stringify, utf16_length

_DROP = object()  # a value removed by removeEmptyValues

FORMAT_LABELS = {
    "date-time": "date and time",
    "time": "time",
    "date": "date",
    "email": "email address",
    "hostname": "hostname",
    "ipv4": "IPv4 address",
    "ipv6": "IPv6 address",
    "uri": "URI",
    "uri-reference": "URI Reference",
    "uri-template": "URI-template",
    "json-pointer": "JSON Pointer",
    "relative-json-pointer": "relative JSON Pointer",
    "regex": "regular expression",
}

# ajv-formats "full" email (also the reference's identifier test for `person_id`).
EMAIL_RE = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
    re.I,
)
_URI_RE = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s]*$", re.I)
_DATE_TIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:?\d{2})$"
)


FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "date-like": is_date_like,
    "email": lambda v: EMAIL_RE.match(v) is not None,
    "uri": lambda v: _URI_RE.match(v) is not None,
    "date-time": lambda v: _DATE_TIME_RE.match(v) is not None and dayjs_parse(v) is not None,
    # Formats the reference registers as always valid.
    "text": lambda v: True,
    "password": lambda v: True,
}


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def humanize_list(items: list[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {conjunction} {items[1]}"
    return ", ".join(items[:-1]) + f", {conjunction} {items[-1]}"


humanize_type_of = jscompat.humanize_type


def sentence(preamble: str, text: str) -> str:
    message = f"{preamble} {text}"
    return message[:1].upper() + message[1:] + "."


def _plural(word: str, count: int) -> str:
    return word if count == 1 else word + "s"


def _matches_type(value: Any, schema_type: str) -> bool:
    if schema_type == "string":
        return isinstance(value, str)
    if schema_type == "number":
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if schema_type == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if schema_type == "boolean":
        return isinstance(value, bool)
    if schema_type == "object":
        return isinstance(value, dict)
    if schema_type == "array":
        return isinstance(value, list)
    return value is None  # "null"


_UNSET = object()


def _coerce_to(value: Any, schema_type: str) -> Any:
    """AJV's scalar coercion to one type; `_UNSET` when it does not apply."""
    if schema_type == "string":
        if isinstance(value, bool | int | float) or value is None:
            return jscompat.to_string(value)
    elif schema_type in ("number", "integer"):
        if isinstance(value, bool):
            return int(value)
        if value is None:
            return 0
        if isinstance(value, str) and value:
            number = jscompat.string_to_number(value)
            if number is not None and (schema_type == "number" or number.is_integer()):
                return jscompat.plain_number(number)
    elif schema_type == "boolean":
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if value == "false" or value is None or (is_number and value == 0):
            return False
        if value == "true" or (is_number and value == 1):
            return True
    elif schema_type == "null":
        if value == "" or value is False or (isinstance(value, int | float) and value == 0):
            return None
    elif schema_type == "array" and (isinstance(value, str | int | float | bool) or value is None):
        return [value]
    return _UNSET


def _coerce(value: Any, types: tuple[str, ...]) -> tuple[Any, Any]:
    """Coerce `value` (of a wrong type) to the first type that accepts it, as AJV's `coerceTypes: "array"`:
    (coerced value or `_UNSET`, the value a type error speaks of — a one-element array is unwrapped first)."""
    if all(t == "object" for t in types):
        return _UNSET, value  # nothing to coerce to: AJV reports the type error at once
    if isinstance(value, list) and len(value) == 1:
        item = value[0]
        if any(_matches_type(item, t) for t in types):
            return item, item
        value = item
    for schema_type in types:
        if schema_type == "object":
            continue
        coerced = _coerce_to(value, schema_type)
        if coerced is not _UNSET:
            return coerced, value
    return _UNSET, value


Checker = Callable[[Any], tuple[Any, list[str]]]


def _field_checker(key: str, field: Field, path: str) -> Checker:
    """A function validating (and coercing) one field's value: (value, [error sentences])."""
    pointer = f"{path}/{key}"
    preamble = field.label or f"the value at {pointer}"
    types: tuple[str, ...] = ("array",) if field.multiple else field.schema_types
    expect = humanize_list(list(types), "or")
    type_message = f"must be {_article(expect)} {expect} but it was "
    choices: tuple[Any, ...] | None = None
    if field.choices is not None:
        choices = (*field.choices, None) if field.allow_null else field.choices
        allowed = humanize_list([str(json_stringify(c)) for c in choices], "or")
        enum_message = sentence(preamble, f"must be one of: {allowed}")
    is_numeric = field.type in ("number", "integer")
    fmt = field.effective_format
    format_check = FORMAT_CHECKS.get(fmt) if fmt else None
    format_message = ""
    if fmt:
        format_message = sentence(preamble, f"must be a valid {FORMAT_LABELS.get(fmt, fmt)} string but it was not")
    nested = None
    if field.properties:
        nested = ObjectValidator(field.properties, pointer, field.label, field.additional_properties)
    item_checker = _field_checker("", Field(label="", type=field.type), pointer) if field.multiple else None
    simple = (
        not field.multiple and choices is None and format_check is None and nested is None
        and field.minimum is None and field.maximum is None and len(types) == 1
    )
    only_type = types[0]

    def check(value: Any) -> tuple[Any, list[str]]:
        if simple and _matches_type(value, only_type):
            return value, []
        errors: list[str] = []
        if not any(_matches_type(value, t) for t in types):
            coerced, seen = _coerce(value, types)
            if coerced is _UNSET:
                errors.append(sentence(preamble, type_message + humanize_type_of(seen)))
            else:
                value = coerced
        if choices is not None and not any(value == c and type(value) is type(c) for c in choices):
            errors.append(enum_message)
        if isinstance(value, int | float) and not isinstance(value, bool) and is_numeric:
            if field.maximum is not None and value > field.maximum:
                limit_text = jscompat.to_string(field.maximum)
                errors.append(sentence(preamble, f"must be equal to or less than {limit_text}"))
            if field.minimum is not None and value < field.minimum:
                limit_text = jscompat.to_string(field.minimum)
                errors.append(sentence(preamble, f"must be equal to or greater than {limit_text}"))
        if isinstance(value, str):
            length = utf16_length(value) if (field.minimum is not None or field.maximum is not None) else 0
            if field.maximum is not None and not is_numeric and length > field.maximum:
                limit = int(field.maximum)
                errors.append(sentence(preamble, f"must be {limit} {_plural('character', limit)} or fewer but it was "
                                                 f"{length} {_plural('character', length)}"))
            if field.minimum is not None and not is_numeric and length < field.minimum:
                limit = int(field.minimum)
                errors.append(sentence(preamble, f"must be {limit} {_plural('character', limit)} or more but it was "
                                                 f"{length} {_plural('character', length)}"))
            if format_check is not None and not format_check(value):
                errors.append(format_message)
        if nested is not None and isinstance(value, dict):
            value, nested_errors = nested.check(value, is_root=False)
            errors.extend(nested_errors)
        if item_checker is not None and isinstance(value, list):
            items = []
            for item in value:
                item, item_errors = item_checker(item)
                items.append(item)
                errors.extend(item_errors)
            value = items
        return value, errors

    return check


def _fast_type(field: Field) -> type | None:
    """The one Python type that needs no work for this field (None when every value needs the full check)."""
    if field.multiple or field.choices is not None or field.effective_format not in (None, "text", "password"):
        return None
    if field.minimum is not None or field.maximum is not None or field.properties or field.allow_null:
        return None
    return {"string": str, "text": str, "password": str, "boolean": bool, "object": dict}.get(field.type)


class ObjectValidator:
    """The JSON-Schema object built from a set of fields (the root payload, or an object field's properties)."""

    def __init__(self, fields: Mapping[str, Field], path: str = "", title: str = "",
                 additional_properties: bool = False) -> None:
        self.fields = dict(fields)
        self.path = path
        self.additional_properties = additional_properties
        preamble = title or ("the root value" if path == "" else f"the value at {path}")
        self.required = [(key, sentence(preamble, f"is missing the required field '{key}'"))
                         for key, field in self.fields.items() if field.required]
        self.order = list(self.fields)
        self.checkers = {key: _field_checker(key, field, path) for key, field in self.fields.items()}
        # For removeEmptyValues: which fields keep null / '' values.
        self.keeps_null = {key for key, f in self.fields.items() if "null" in f.schema_types}
        self.keeps_empty = {key for key, f in self.fields.items() if "string" in f.schema_types and not f.multiple}
        self.nested = {key: ObjectValidator(f.properties, f"{path}/{key}", f.label, f.additional_properties)
                       for key, f in self.fields.items() if f.properties}
        # Hot path: the exact Python type a plain field accepts without coercion or further checks.
        self.fast_types: dict[str, type] = {key: t for key, f in self.fields.items()
                                            if (t := _fast_type(f)) is not None}
        # Hot path for bounded numbers (e.g. a batch size): a value in bounds needs nothing else.
        self.fast_numbers: dict[str, tuple[float, float]] = {
            key: (-math.inf if f.minimum is None else f.minimum, math.inf if f.maximum is None else f.maximum)
            for key, f in self.fields.items()
            if f.type == "number" and not f.multiple and f.choices is None and not f.allow_null
        }

    def clean(self, key: str, value: Any, is_root: bool) -> Any:
        """removeEmptyValues for one key: `_DROP` when the value is removed."""
        if value is None:
            return value if key in self.keeps_null else _DROP
        if value == "" and isinstance(value, str):
            return value if (key in self.keeps_empty and not is_root) else _DROP
        if isinstance(value, list) and key in self.fields and self.fields[key].multiple:
            return [v for v in value if v is not None and v != ""]
        nested = self.nested.get(key)
        if nested is not None and isinstance(value, dict):
            cleaned = {}
            for k, v in value.items():
                v = nested.clean(k, v, False)
                if v is not _DROP:
                    cleaned[k] = v
            return cleaned
        return value

    def check(
        self, payload: Mapping[str, Any], *, is_root: bool, clean: bool = True
    ) -> tuple[dict[str, Any], list[str]]:
        """(validated payload in the payload's own key order, error sentences in the reference's order)."""
        out: dict[str, Any] = {}
        field_errors: dict[str, list[str]] = {}
        checkers = self.checkers
        fast_types = self.fast_types
        for key, value in payload.items():
            kind = value.__class__
            if fast_types.get(key) is kind:
                if kind is str and clean and is_root and value == "":
                    continue  # single-event mode drops top-level empty strings
                out[key] = value
                continue
            if (kind is int or kind is float) and key in self.fast_numbers:
                low, high = self.fast_numbers[key]
                if low <= value <= high:
                    out[key] = value
                    continue
            checker = checkers.get(key)
            if checker is None:
                if self.additional_properties:
                    out[key] = value
                continue  # unknown keys are removed silently (AJV removeAdditional)
            if clean:
                value = self.clean(key, value, is_root)
                if value is _DROP:
                    continue
            value, errors = checker(value)
            if errors:
                field_errors[key] = errors
            out[key] = value
        messages = [message for key, message in self.required if key not in out]
        if field_errors:
            for key in self.order:
                messages.extend(field_errors.get(key, ()))
        return out, messages


class PayloadValidator:
    """Validates an action's mapped payload; single-event mode also drops top-level empty strings."""

    def __init__(self, fields: Mapping[str, Field]) -> None:
        self.root = ObjectValidator(fields)

    def validate(self, payload: Mapping[str, Any], *, single: bool = True) -> dict[str, Any]:
        if not isinstance(payload, Mapping):
            raise PayloadValidationError(sentence("the root value", f"must be an object but it was "
                                                                    f"{humanize_type_of(payload)}"))
        out, messages = self.root.check(payload, is_root=single)
        if messages:
            raise PayloadValidationError(" ".join(messages))
        return out


def validate_settings(settings: Mapping[str, Any], fields: Mapping[str, Field]) -> dict[str, Any]:
    """The reference's `validateSettings`: schema check without empty-value removal."""
    from segcio.actions.errors import InvalidSettingsError

    out, messages = ObjectValidator(fields).check(settings, is_root=False, clean=False)
    if messages:
        raise InvalidSettingsError(" ".join(messages))
    return out
