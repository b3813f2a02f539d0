"""The mapping kit: turns a subscription's field mapping and an event into the action's payload.

`compile_mapping(mapping)` validates the mapping (the reference's rules and messages) and compiles every
directive once into a closure: paths are pre-split, templates pre-parsed, constant sub-trees folded.
`CompiledMapping.resolve(event)` then produces the payload exactly as the reference's `transform()` does:
directives resolved, keys whose value is undefined removed at any depth, `null` kept.

Inside the resolver a JS `undefined` is the `MISSING` sentinel; it never leaves `resolve` (missing object
values are dropped, missing array elements become None). Directive semantics: docs/actions-language.md.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from segcio.actions.jsvalues import (
    MISSING,
    clean_copy,
    is_number,
    json_parse,
    json_stringify,
    loosely_equals_empty_string,
    real_type_of,
    to_string,
    truthy,
    type_of,
    utf16_length,
)
from segcio.actions.liquid import LiquidError, LiquidTemplate
from segcio.actions.mapping_validate import (
    MAX_PATTERN_LENGTH,
    MAX_REPLACEMENT_LENGTH,
    MappingError,
    is_directive,
    validate_mapping,
)
from segcio.actions.paths import make_getter, split_mapping_path, strip_root
from segcio.actions.templates import Template

__all__ = ["MISSING", "CompiledMapping", "MappingError", "compile_mapping", "is_directive", "validate_mapping"]

ROOT_MAPPING_KEY = "__segment_internal_directive"

Node = Callable[[Any], Any]


# --- building blocks -----------------------------------------------------------------------------------------


def _constant(value: Any) -> Node:
    def node(_payload: Any) -> Any:
        return value

    node.constant = value  # type: ignore[attr-defined]
    return node


def _is_constant(node: Node) -> bool:
    return hasattr(node, "constant")


def _raiser(message: str) -> Node:
    """A directive the reference accepts at validation time but that throws when it runs."""

    def node(_payload: Any) -> Any:
        raise MappingError(message)

    return node


def _compile(mapping: Any) -> Node:
    if isinstance(mapping, Mapping):
        if is_directive(mapping):
            return _compile_directive(mapping)
        return _object_node([(key, _compile(value)) for key, value in mapping.items()])
    if isinstance(mapping, list | tuple):
        return _array_node([_compile(value) for value in mapping])
    return _constant(mapping)


def _object_node(items: list[tuple[str, Node]]) -> Node:
    if all(_is_constant(node) for _, node in items):
        return _constant({key: node.constant for key, node in items})  # type: ignore[attr-defined]
    pairs = tuple(items)

    def node(payload: Any) -> Any:
        return {key: child(payload) for key, child in pairs}

    return node


def _array_node(nodes: list[Node]) -> Node:
    if all(_is_constant(node) for node in nodes):
        return _constant([node.constant for node in nodes])  # type: ignore[attr-defined]
    children = tuple(nodes)

    def node(payload: Any) -> Any:
        return [child(payload) for child in children]

    return node


def _compile_directive(mapping: Mapping[str, Any]) -> Node:
    name = next(key for key in mapping if str(key).startswith("@"))
    compiler = _DIRECTIVES.get(name)
    if compiler is None:
        return _raiser(f"{name} is not a valid directive, got undefined")
    return compiler(mapping[name])


@functools.lru_cache(maxsize=1024)
def _path_getter(path: str) -> Callable[[Any], Any]:
    return make_getter(split_mapping_path(path))


@functools.lru_cache(maxsize=256)
def _template(text: str) -> Template:
    return Template(text)


def _string_argument(name: str, option: Any) -> Node:
    """The argument of a string directive (@path, @template): resolved, then required to be a string."""
    argument = _compile(option)

    def node(payload: Any) -> Any:
        value = argument(payload)
        if type(value) is not str:
            raise MappingError(f"{name}: expected string, got {real_type_of(value)}")
        return value

    return node


# --- directives ----------------------------------------------------------------------------------------------


def _compile_path(option: Any) -> Node:
    if isinstance(option, str):
        return make_getter(split_mapping_path(strip_root(option)))
    argument = _string_argument("@path", option)
    return lambda payload: _path_getter(strip_root(argument(payload)))(payload)


def _compile_template(option: Any) -> Node:
    if isinstance(option, str):
        return Template(option).render
    argument = _string_argument("@template", option)
    return lambda payload: _template(argument(payload)).render(payload)


def _compile_literal(option: Any) -> Node:
    return _compile(option)


def _compile_if(options: Any) -> Node:
    if not isinstance(options, Mapping):
        return _raiser('@if requires an object with an "exists" key')
    exists, blank = options.get("exists", MISSING), options.get("blank", MISSING)
    if not truthy(exists) and not truthy(blank):
        return _raiser('@if requires an "exists" key or a "blank" key')
    blank_mode = exists is MISSING
    condition = _compile(blank if blank_mode else exists)
    then = _compile(options["then"]) if "then" in options else None
    otherwise = _compile(options["else"]) if truthy(options.get("else", MISSING)) else None
    if not blank_mode and "then" in options and options["then"] == exists and _is_plain_path(exists):
        return _coalesce(condition, otherwise)

    def node(payload: Any) -> Any:
        value = condition(payload)
        holds = value is not MISSING and value is not None and not (blank_mode and loosely_equals_empty_string(value))
        if holds:
            return then(payload) if then is not None else MISSING
        return otherwise(payload) if otherwise is not None else MISSING

    return node


def _is_plain_path(mapping: Any) -> bool:
    return isinstance(mapping, Mapping) and len(mapping) == 1 and isinstance(mapping.get("@path"), str)


def _coalesce(first: Node, otherwise: Node | None) -> Node:
    """`{"@if": {"exists": P, "then": P, "else": Q}}` (the UI's "coalesce"): look P up once."""

    def node(payload: Any) -> Any:
        value = first(payload)
        if value is not MISSING and value is not None:
            return value
        return otherwise(payload) if otherwise is not None else MISSING

    return node


def _compile_case(options: Any) -> Node:
    if not isinstance(options, Mapping):
        return _raiser('@case requires an object with a "operator" key')
    operator = options.get("operator", MISSING)
    if not truthy(operator):
        return _raiser('@case requires a "operator" key')
    if not truthy(options.get("value", MISSING)):
        return _constant(MISSING)
    value_node = _compile(options["value"])

    def node(payload: Any) -> Any:
        value = value_node(payload)
        if type(value) is str:
            if operator == "lower":
                return value.lower()
            if operator == "upper":
                return value.upper()
            raise MappingError('operator key should have a value of "lower" or "upper"')
        return value

    return node


class _LiteralReplace:
    """JS `value.replace(new RegExp(escaped(pattern), flags), replacement)`: a literal search."""

    __slots__ = ("count", "error", "regex", "replacement")

    def __init__(self, pattern: str, replacement: str, is_global: bool, ignorecase: bool) -> None:
        self.error: str | None = None
        if utf16_length(pattern) > MAX_PATTERN_LENGTH:
            self.error = f'@replace requires a "pattern" less than {MAX_PATTERN_LENGTH} characters'
        elif utf16_length(replacement) > MAX_REPLACEMENT_LENGTH:
            self.error = f'@replace requires a "replacement" less than {MAX_REPLACEMENT_LENGTH} characters'
        self.regex = re.compile(re.escape(pattern), re.IGNORECASE if ignorecase else 0)
        self.replacement = replacement
        self.count = 0 if is_global else 1

    def __call__(self, value: str) -> str:
        if self.error is not None:
            raise MappingError(self.error)
        replacement = self.replacement
        if "$" not in replacement:
            return self.regex.sub(lambda _found: replacement, value, count=self.count)
        return self.regex.sub(lambda found: _expand_js_replacement(replacement, found), value, count=self.count)


def _expand_js_replacement(replacement: str, found: re.Match[str]) -> str:
    """`$$`, `$&`, `` $` `` and `$'` as in JS `String.prototype.replace` (the pattern has no groups)."""
    out: list[str] = []
    i, n = 0, len(replacement)
    while i < n:
        char = replacement[i]
        follower = replacement[i + 1] if i + 1 < n else ""
        if char == "$" and follower in ("$", "&", "`", "'"):
            source = found.string
            out.append({"$": "$", "&": found.group(), "`": source[: found.start()], "'": source[found.end():]}[
                follower])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _compile_replace(options: Any) -> Node:
    if not isinstance(options, Mapping):
        return _raiser('@replace requires an object with a "pattern" key')
    pattern = options.get("pattern", MISSING)
    if not truthy(pattern):
        return _raiser('@replace requires a "pattern" key')
    replacement = options.get("replacement")
    replacement = "" if replacement is None else replacement
    pattern2, replacement2 = options.get("pattern2", MISSING), options.get("replacement2")
    if truthy(pattern2) and replacement2 is None:
        replacement2 = ""
    ignorecase = options.get("ignorecase")
    ignorecase = False if ignorecase is None else ignorecase
    is_global = options.get("global")
    is_global = True if is_global is None else is_global
    if not truthy(options.get("value", MISSING)):
        return _constant(MISSING)
    value_node = _compile(options["value"])
    runnable = (isinstance(pattern, str) and isinstance(replacement, str)
                and type(ignorecase) is bool and type(is_global) is bool)
    first = _LiteralReplace(pattern, replacement, is_global, ignorecase) if runnable else None
    second = (_LiteralReplace(pattern2, replacement2, is_global, ignorecase)
              if runnable and isinstance(pattern2, str) and pattern2 and isinstance(replacement2, str) else None)

    def node(payload: Any) -> Any:
        value = value_node(payload)
        if value is True or value is False or is_number(value):
            value = to_string(value)
        if first is None or type(value) is not str:
            return ""
        value = first(value)
        return second(value) if second is not None else value

    return node


def _compile_array_path(data: Any) -> Node:
    if not isinstance(data, list | tuple):
        return _raiser(f"@arrayPath expected array, got {real_type_of(data)}")
    path = data[0] if len(data) > 0 else MISSING
    shape = data[1] if len(data) > 1 else MISSING
    root = make_getter(split_mapping_path(strip_root(path))) if isinstance(path, str) else _compile(path)
    shape_node = _compile(shape) if isinstance(shape, Mapping) and len(shape) > 0 else None
    if shape_node is None:
        return root

    def node(payload: Any) -> Any:
        value = root(payload)
        if isinstance(value, list | tuple):
            return [shape_node(item) for item in value]
        if isinstance(value, Mapping):
            return [shape_node(value)]
        return value

    return node


def _flatten(value: Any, prefix: str, separator: str, keep_arrays_whole: bool) -> dict[str, Any]:
    if isinstance(value, Mapping):
        items: Any = value.items()
    elif isinstance(value, list | tuple) and not keep_arrays_whole:
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, item in items:
        out.update(_flatten(item, f"{prefix}{separator}{key}" if prefix else str(key), separator, keep_arrays_whole))
    return out


def _compile_flatten(options: Any) -> Node:
    if not isinstance(options, Mapping):
        return _raiser('@flatten requires an object with a "separator" key')
    if not truthy(options.get("separator", MISSING)):
        return _raiser('@flatten requires a "separator" key')
    separator_node = _compile(options["separator"])
    value_node = _compile(options.get("value", MISSING))
    keep_arrays_whole = truthy(options.get("omitArrays", MISSING))

    def node(payload: Any) -> Any:
        separator = separator_node(payload)
        if type(separator) is not str:
            raise MappingError("@flatten requires a string separator")
        return _flatten(value_node(payload), "", separator, keep_arrays_whole)

    return node


def _compile_json(options: Any) -> Node:
    if not isinstance(options, Mapping):
        return _raiser('@json requires an object with a "value" key')
    mode = options.get("mode", MISSING)
    if not truthy(mode):
        return _raiser('@json requires a "mode" key')
    if not truthy(options.get("value", MISSING)):
        return _raiser('@json requires a "value" key')
    value_node = _compile(options["value"])
    if mode == "encode":
        return lambda payload: json_stringify(value_node(payload))
    if mode == "decode":

        def decode(payload: Any) -> Any:
            value = value_node(payload)
            if type(value) is str:
                try:
                    return json_parse(value)
                except (ValueError, RecursionError):
                    return value
            return value

        return decode

    def other_mode(payload: Any) -> Any:
        value_node(payload)
        return MISSING

    return other_mode


def _assign(target: dict[str, Any], source: Any) -> None:
    """`Object.assign(target, source)` for JSON-like sources."""
    if isinstance(source, Mapping):
        target.update(source)
    elif isinstance(source, list | tuple | str):
        for index, item in enumerate(source):
            target[str(index)] = item


def _compile_merge(options: Any) -> Node:
    if not isinstance(options, Mapping):
        return _raiser('@merge requires an object with an "objects" key and a "direction" key')
    if not truthy(options.get("direction", MISSING)):
        return _raiser('@merge requires a "direction" key')
    direction_node = _compile(options["direction"])
    objects = options.get("objects", MISSING)
    if not truthy(objects) or not isinstance(objects, list | tuple):
        message = ('@merge requires a "objects" key' if not truthy(objects)
                   else f"@merge: expected opts.array, got {type_of(objects)}")

        def fail_after_direction(payload: Any) -> Any:
            direction_node(payload)
            raise MappingError(message)

        return fail_after_direction
    object_nodes = tuple(_compile(item) for item in objects)

    def node(payload: Any) -> Any:
        direction = direction_node(payload)
        values = [object_node(payload) for object_node in object_nodes]
        if direction == "left":
            values.reverse()
        merged: dict[str, Any] = {}
        for value in values:
            _assign(merged, value)
        return merged

    return node


def _compile_transform(options: Any) -> Node:
    if not isinstance(options, Mapping):
        return _raiser('@transform requires an object with an "apply" key and a "mapping" key')
    if not truthy(options.get("mapping", MISSING)):
        return _raiser('@transform requires a "mapping" key')
    apply = options.get("apply", MISSING)
    if not truthy(apply):
        return _raiser('@transform requires a "apply" key')
    if not isinstance(apply, Mapping):
        return _raiser('@transform "apply" key should be an object')
    mapping_node = _compile(options["mapping"])
    try:
        inner = CompiledMapping(apply)
    except MappingError as problem:
        message = problem.message

        def fail(payload: Any) -> Any:
            _require_object(payload)
            raise MappingError(message)

        return fail
    return lambda payload: mapping_node(inner.resolve_undefined(payload))


def _clean_nulls(value: Any) -> Any:
    """Nulls in an object (and its nested objects, not arrays) become undefined."""
    if not isinstance(value, Mapping):
        return value
    cleaned = dict(value)
    for key, item in value.items():
        if item is None:
            cleaned[key] = MISSING
        elif isinstance(item, Mapping):
            cleaned[key] = _clean_nulls(item)
    return cleaned


def _compile_exclude_when_null(option: Any) -> Node:
    value_node = _compile(option)

    def node(payload: Any) -> Any:
        value = value_node(payload)
        return MISSING if value is None else _clean_nulls(value)

    return node


def _compile_liquid(option: Any) -> Node:
    if not isinstance(option, str):
        return _raiser("liquid template value must be a string")
    if option == "":
        return _constant("")
    try:
        template = LiquidTemplate(option)
    except LiquidError as problem:
        return _raiser(str(problem))

    def node(payload: Any) -> Any:
        try:
            return template.render(payload)
        except LiquidError as problem:
            raise MappingError(str(problem)) from None

    return node


_DIRECTIVES: dict[str, Callable[[Any], Node]] = {
    "@if": _compile_if,
    "@case": _compile_case,
    "@replace": _compile_replace,
    "@arrayPath": _compile_array_path,
    "@path": _compile_path,
    "@template": _compile_template,
    "@literal": _compile_literal,
    "@flatten": _compile_flatten,
    "@json": _compile_json,
    "@merge": _compile_merge,
    "@transform": _compile_transform,
    "@excludeWhenNull": _compile_exclude_when_null,
    "@liquid": _compile_liquid,
}


# --- public API ----------------------------------------------------------------------------------------------


def _require_object(data: Any) -> None:
    if type(data) is not dict and not isinstance(data, Mapping):
        raise MappingError(f"data must be an object, got {real_type_of(data)}")


def _mapping_to_process(mapping: Any) -> Any:
    """The reference's root directive: other top-level keys become that directive's `mapping` option."""
    if not isinstance(mapping, Mapping) or ROOT_MAPPING_KEY not in mapping:
        return mapping
    root = mapping[ROOT_MAPPING_KEY]
    if isinstance(root, Mapping) and len(root) > 1:
        raise MappingError("The root mapping must only have a single directive object")
    if not isinstance(root, Mapping) or not root:
        raise MappingError("The root directive must be an object")
    (name, directive), = root.items()
    if not isinstance(directive, Mapping):
        raise MappingError("The root directive must be an object")
    customer = {key: value for key, value in mapping.items() if key != ROOT_MAPPING_KEY}
    return {name: {**directive, "mapping": customer}}


class CompiledMapping:
    """A validated, compiled mapping; `resolve(event)` is the reference's `transform(mapping, event)`."""

    __slots__ = ("_node", "_root_items", "mapping")

    def __init__(self, mapping: Any) -> None:
        mapping = _mapping_to_process(mapping)
        validate_mapping(mapping)
        self.mapping = mapping
        # A plain object at the root (the usual case) is resolved key by key straight into the payload.
        self._root_items: tuple[tuple[str, Node], ...] | None = None
        self._node: Node | None = None
        if isinstance(mapping, Mapping) and not is_directive(mapping):
            self._root_items = tuple((key, _compile(value)) for key, value in mapping.items())
        else:
            self._node = _compile(mapping)

    def resolve(self, event: Mapping[str, Any]) -> Any:
        """The payload for `event`: undefined values removed at any depth, null kept (None if nothing)."""
        value = self.resolve_undefined(event)
        return None if value is MISSING else value

    def resolve_undefined(self, event: Any) -> Any:
        """As `resolve`, but a mapping that resolves to nothing at all gives MISSING."""
        _require_object(event)
        items = self._root_items
        if items is None:
            assert self._node is not None
            return clean_copy(self._node(event))
        out = {}
        for key, node in items:
            value = node(event)
            if value is MISSING:
                continue
            kind = type(value)
            if kind is dict or kind is list or kind is tuple:
                value = clean_copy(value)
            out[key] = value
        return out

    def __repr__(self) -> str:
        return f"CompiledMapping({self.mapping!r})"


def compile_mapping(mapping: Any) -> CompiledMapping:
    """Validate (raising MappingError with the reference's messages) and compile a mapping; compile once."""
    try:
        return CompiledMapping(copy.deepcopy(mapping))
    except RecursionError:
        raise MappingError("The mapping is nested too deeply") from None

