"""Structural validation of mappings, with the reference's exact messages (`mapping-kit/validate.ts`).

Messages look like `/<path> <problem>.` where the path lists the keys from the mapping root, e.g.
`/x/@replace/pattern should be a string of length 10 or less.`; several problems are reported together.
Like the reference, validation looks into objects and directive options but not into arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from segcio.actions.jsvalues import MISSING, json_stringify, real_type_of, utf16_length
from segcio.errors import Invalid

MAX_PATTERN_LENGTH = 10
MAX_REPLACEMENT_LENGTH = 10


class MappingError(Invalid, ValueError):
    """An invalid mapping or a directive that cannot run; `errors` lists every problem found."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors if errors is not None else [message]


class _Invalid(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages)
        self.messages = messages


Stack = tuple[str, ...]
Check = Callable[[Any, Stack], None]


def _fail(message: str, stack: Stack) -> _Invalid:
    return _Invalid([f"/{'/'.join(stack)} {message}."])


def _article(kind: str) -> str:
    return "an" if kind[:1] in ("a", "e", "i", "o", "u") else "a"


def _kind(value: Any) -> str:
    """realTypeOf, with objects holding any @-key reported as "directive"."""
    kind = real_type_of(value)
    if kind == "object" and any(str(key).startswith("@") for key in value):
        return "directive"
    return kind


def is_directive(value: Any) -> bool:
    """An object with an @-key and no other keys than @-keys and `_metadata`."""
    if not isinstance(value, Mapping):
        return False
    has_directive = False
    for key in value:
        if str(key).startswith("@"):
            has_directive = True
        elif key != "_metadata":
            return False
    return has_directive


def validate_mapping(mapping: Any) -> None:
    """Raise MappingError listing every structural problem of `mapping`, in the reference's words."""
    try:
        _validate(mapping, ())
    except _Invalid as invalid:
        raise MappingError("\n".join(invalid.messages), invalid.messages) from None


def _validate(mapping: Any, stack: Stack) -> None:
    kind = _kind(mapping)
    if kind == "directive":
        _validate_directive(mapping, stack)
    elif kind == "object":
        _validate_object(mapping, stack)
    # arrays and scalars are valid raw values (arrays are not looked into)


def _validate_directive(value: Any, stack: Stack) -> None:
    if not is_directive(value) and real_type_of(value) != "object":
        kind = real_type_of(value)
        raise _fail(f"should be a directive object but it is {_article(kind)} {kind}", stack)
    keys = [str(key) for key in value]
    directive_keys = [key for key in keys if key.startswith("@")]
    if len(directive_keys) > 1:
        raise _fail(f"should only have one @-prefixed key but it has {len(directive_keys)} keys", stack)
    if any(not key.startswith("@") and key != "_metadata" for key in keys):
        raise _fail(f"should only have one @-prefixed key but it has {len(keys)} keys", stack)
    name = directive_keys[0] if directive_keys else "undefined"
    check = _DIRECTIVES.get(name)
    if check is None:
        raise _fail(f"has an invalid directive: {name}", stack)
    try:
        check(value[name], (*stack, name))
    except _Invalid:
        raise
    except Exception as exc:  # the reference turns any other failure into a message at this path
        raise _fail(str(exc), stack) from None


def _validate_directive_or_raw(value: Any, stack: Stack) -> None:
    kind = _kind(value)
    if kind == "directive":
        _validate_directive(value, stack)
    elif kind not in ("object", "array", "boolean", "string", "number", "null"):
        raise _fail(f"should be a mapping directive or a JSON value but it is {_article(kind)} {kind}", stack)


def _validate_directive_or_string(value: Any, stack: Stack) -> None:
    kind = _kind(value)
    if kind == "directive":
        _validate_directive(value, stack)
    elif kind != "string":
        raise _fail(f"should be a string or a mapping directive but it is {_article(kind)} {kind}", stack)


def _validate_directive_or_object(value: Any, stack: Stack) -> None:
    kind = _kind(value)
    if kind == "directive":
        _validate_directive(value, stack)
    elif kind == "object":
        _validate_object(value, stack)
    else:
        # "a object" is the reference's wording
        raise _fail(f"should be a object or a mapping directive but it is {_article(kind)} {kind}", stack)


def _validate_string(value: Any, stack: Stack) -> None:
    kind = _kind(value)
    if kind != "string":
        raise _fail(f"should be a string but it is {_article(kind)} {kind}", stack)


def _string_length(minimum: int, maximum: int) -> Check:
    def check(value: Any, stack: Stack) -> None:
        if isinstance(value, str) and utf16_length(value) < minimum:
            raise _fail(f"should be a string of length {minimum} or greater", stack)
        if isinstance(value, str) and utf16_length(value) > maximum:
            raise _fail(f"should be a string of length {maximum} or less", stack)

    return check


def _one_of(*allowed: str) -> Check:
    def check(value: Any, stack: Stack) -> None:
        _validate_string(value, stack)
        if value.lower() not in allowed:
            raise _fail(f"should be one of {', '.join(allowed)} but it is {json_stringify(value)}", stack)

    return check


def _validate_boolean(value: Any, stack: Stack) -> None:
    kind = _kind(value)
    if kind != "boolean":
        raise _fail(f"should be a boolean but it is {_article(kind)} {kind}", stack)


def _validate_array(value: Any, stack: Stack) -> None:
    kind = real_type_of(value)
    if kind != "array":
        raise _fail(f"should be an array but it is {_article(kind)} {kind}", stack)


def _chain(*checks: Check) -> Check:
    def check(value: Any, stack: Stack) -> None:
        for each in checks:
            each(value, stack)

    return check


def _validate_object(value: Any, stack: Stack) -> None:
    kind = _kind(value)
    if kind != "object":
        raise _fail(f"should be an object but it is {_article(kind)} {kind}", stack)
    messages: list[str] = []
    for key, item in value.items():
        try:
            _validate(item, (*stack, str(key)))
        except _Invalid as invalid:
            messages.extend(invalid.messages)
    if messages:
        raise _Invalid(messages)


def _validate_fields(value: Any, stack: Stack, required: dict[str, Check], optional: dict[str, Check],
                     order: tuple[str, ...]) -> None:
    """The reference's validateObjectWithFields: the object itself, then each listed field in order."""
    _validate_object(value, stack)
    messages: list[str] = []
    for field in order:
        item = value.get(field, MISSING)
        try:
            if field in required:
                if item is MISSING:
                    raise _fail(f'should have field "{field}" but it doesn\'t', stack)
                required[field](item, (*stack, field))
            elif item is not MISSING:
                optional[field](item, (*stack, field))
        except _Invalid as invalid:
            messages.extend(invalid.messages)
    if messages:
        raise _Invalid(messages)


def _fields(required: dict[str, Check] | None = None, optional: dict[str, Check] | None = None,
            order: tuple[str, ...] = ()) -> Check:
    required, optional = required or {}, optional or {}

    def check(value: Any, stack: Stack) -> None:
        _validate_fields(value, stack, required, optional, order)

    return check


def _validate_array_path(value: Any, stack: Stack) -> None:
    _validate_array(value, stack)
    _validate_directive_or_string(value[0] if len(value) > 0 else MISSING, stack)
    _validate(value[1] if len(value) > 1 else MISSING, stack)


def _validate_merge(value: Any, stack: Stack) -> None:
    _validate_fields(value, stack, {"objects": _validate_array}, {"direction": _one_of("left", "right")},
                     ("direction", "objects"))
    for item in value["objects"]:
        _validate_directive_or_object(item, ())  # the reference checks the entries without a path


_DIRECTIVES: dict[str, Check] = {
    "@if": _fields(optional={"exists": _validate_directive_or_raw, "then": _validate_directive_or_raw,
                             "else": _validate_directive_or_raw}, order=("exists", "then", "else")),
    "@case": _fields(optional={"operator": _validate_string, "value": _validate_directive_or_string},
                     order=("operator", "value")),
    "@replace": _fields(
        required={"pattern": _chain(_validate_string, _string_length(1, MAX_PATTERN_LENGTH)),
                  "value": _validate_directive_or_string},
        optional={"replacement": _chain(_validate_string, _string_length(0, MAX_REPLACEMENT_LENGTH)),
                  "ignorecase": _validate_boolean, "global": _validate_boolean},
        order=("pattern", "replacement", "value", "ignorecase", "global")),
    "@arrayPath": _validate_array_path,
    "@path": _validate_directive_or_string,
    "@json": _fields(required={"value": _validate_directive_or_raw, "mode": _one_of("encode", "decode")},
                     order=("value", "mode")),
    "@flatten": _fields(required={"value": _validate_directive_or_raw}, optional={"separator": _validate_string},
                        order=("separator", "value")),
    "@merge": _validate_merge,
    "@template": _validate_directive_or_string,
    "@literal": _validate_directive_or_raw,
    "@transform": _fields(required={"apply": _validate_directive_or_object, "mapping": _validate_directive_or_object},
                          order=("apply", "mapping")),
    "@excludeWhenNull": _validate_directive_or_raw,
    "@liquid": _validate_string,
}
