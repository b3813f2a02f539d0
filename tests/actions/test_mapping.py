"""The mapping kit: every directive, path lookup quirks, undefined removal and the validation messages.

`mapping_reference_cases.json` holds mappings with the payloads and error messages that Segment's reference
implementation (`@segment/actions-core` 3.170.0, `transform()` / `validate()`) produced for them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segcio.actions.mapping import MISSING, CompiledMapping, MappingError, compile_mapping, validate_mapping
from tests.ci import examples

REFERENCE = json.loads((Path(__file__).parent / "mapping_reference_cases.json").read_text())
INPUT: dict[str, Any] = REFERENCE["input"]
VALIDATION_CASES = [case for case in REFERENCE["cases"] if "data" not in case]
RUNTIME_CASES = [case for case in REFERENCE["cases"] if "data" in case]


def resolve(mapping: Any, data: Any = None) -> Any:
    return compile_mapping(mapping).resolve(INPUT if data is None else data)


def field(mapping: Any, data: Any = None) -> Any:
    """The value a mapping gives for one field, or MISSING when the field is removed."""
    return resolve({"r": mapping}, data).get("r", MISSING)


@pytest.mark.parametrize("case", VALIDATION_CASES, ids=[case["name"] for case in VALIDATION_CASES])
def test_validation_matches_the_reference(case: dict[str, Any]) -> None:
    if case.get("valid"):
        validate_mapping(case["mapping"])
        compile_mapping(case["mapping"])
        return
    with pytest.raises(MappingError) as caught:
        validate_mapping(case["mapping"])
    assert caught.value.errors == case["errors"]
    assert str(caught.value) == "\n".join(case["errors"])
    with pytest.raises(MappingError):
        compile_mapping(case["mapping"])


@pytest.mark.parametrize("case", RUNTIME_CASES, ids=[case["name"] for case in RUNTIME_CASES])
def test_resolution_matches_the_reference(case: dict[str, Any]) -> None:
    data = INPUT if case["data"] == "INPUT" else case["data"]
    if "errors" in case:
        with pytest.raises(MappingError) as caught:
            compile_mapping(case["mapping"]).resolve(data)
        assert caught.value.errors == case["errors"]
        return
    expected = None if case["result"] == "<undefined>" else case["result"]
    assert compile_mapping(case["mapping"]).resolve(data) == expected


# --- the verified table of customerio-actions.md §4.5, spelled out ------------------------------------------

@pytest.mark.parametrize(("mapping", "expected"), [
    ({"@path": "$.a.b"}, 0),
    ({"@path": "$.b.c"}, None),
    ({"@path": "$.s.length"}, 3),
    ({"@path": "arr[1].id"}, 2),
    ({"@path": "arr['0'].v"}, "x"),
    ({"@template": "E={{t.email}} O={{t.o}} M={{missing}} T={{{s}}} D={{$.s}}"}, "E=123 O=[object Object] M= T=abc D="),
    ({"@if": {"exists": {"@path": "$.b"}, "then": "yes", "else": "no"}}, "no"),
    ({"@if": {"exists": {"@path": "$.e"}, "then": "yes", "else": "no"}}, "yes"),
    ({"@if": {"blank": {"@path": "$.e"}, "then": "yes", "else": "no"}}, "no"),
    ({"@if": {"blank": {"@path": "$.a"}, "then": "yes", "else": "no"}}, "no"),
    ({"@if": {"exists": {"@path": "$.nope"}, "then": "yes", "else": False}}, MISSING),
    ({"@literal": {"@path": "$.s"}}, "abc"),
    ({"@merge": {"objects": [{"@path": "$.obj"}, {"k": "override"}], "direction": "left"}}, {"k": "v", "nested": {}}),
    ({"@flatten": {"value": {"@path": "$.obj"}, "separator": "."}}, {"k": "v"}),
    ({"@flatten": {"value": {"@path": "$.arr"}, "separator": "_"}}, {"0_id": 1, "0_v": "x", "1_id": 2}),
    ({"@json": {"mode": "encode", "value": {"@path": "$.obj"}}}, '{"k":"v","nested":{}}'),
    ({"@json": {"mode": "decode", "value": '{"a":1}'}}, {"a": 1}),
    ({"@case": {"operator": "upper", "value": {"@path": "$.s"}}}, "ABC"),
    ({"@case": {"operator": "upper", "value": {"@path": "$.n"}}}, 12),
    ({"@replace": {"pattern": ".", "replacement": "", "value": "a.b.c", "ignorecase": False, "global": True}}, "abc"),
    ({"@replace": {"pattern": "B", "replacement": "X", "ignorecase": True, "global": False, "value": "bbB"}}, "XbB"),
    ({"@arrayPath": ["$.arr", {"ident": {"@path": "$.id"}}]}, [{"ident": 1}, {"ident": 2}]),
    ({"@arrayPath": ["$.t.o", {"y": {"@path": "$.x"}}]}, [{"y": 1}]),
    ({"@transform": {"apply": {"foo": {"@path": "$.n"}}, "mapping": {"bar": {"@path": "$.foo"}}}}, {"bar": 12}),
])
def test_verified_directive_examples(mapping: Any, expected: Any) -> None:
    assert field(mapping) == expected


def test_exclude_when_null_and_undefined_removal() -> None:
    assert resolve({"x": {"@excludeWhenNull": {"@path": "$.b"}}, "y": {"@excludeWhenNull": {"a": None, "b": 1}}}) == {
        "y": {"b": 1}}
    assert resolve({"x": None, "y": {"@path": "$.missing"}, "z": [1, {"@path": "$.n"}]}) == {"x": None, "z": [1, 12]}


def test_if_without_condition_raises_when_run() -> None:
    compiled = compile_mapping({"@if": {"then": 1}})  # valid for the reference's validator
    with pytest.raises(MappingError, match='@if requires an "exists" key or a "blank" key'):
        compiled.resolve(INPUT)


def test_pattern_too_long_is_a_validation_error() -> None:
    with pytest.raises(MappingError) as caught:
        compile_mapping({"x": {"@replace": {"pattern": "abcdefghijk", "value": "x"}}})
    assert caught.value.message == "/x/@replace/pattern should be a string of length 10 or less."


# --- the Customer.io default mapping shapes ------------------------------------------------------------------

CREATE_UPDATE_PERSON = {
    "id": {"@path": "$.userId"},
    "anonymous_id": {"@path": "$.anonymousId"},
    "email": {"@if": {"exists": {"@path": "$.traits.email"}, "then": {"@path": "$.traits.email"},
                      "else": {"@path": "$.properties.email"}}},
    "timestamp": {"@path": "$.timestamp"},
    "traits": {"@path": "$.traits"},
    "created_at": {"@template": "{{traits.created_at}}"},
    "convert_timestamp": True,
    "enable_batching": True,
    "batch_size": 50,
}


def test_person_mapping() -> None:
    event = {"type": "identify", "userId": "u1", "traits": {"email": "a@example.com", "plan": None},
             "timestamp": "2024-05-06T07:08:09Z"}
    assert compile_mapping(CREATE_UPDATE_PERSON).resolve(event) == {
        "id": "u1", "email": "a@example.com", "timestamp": "2024-05-06T07:08:09Z",
        "traits": {"email": "a@example.com", "plan": None}, "created_at": "", "convert_timestamp": True,
        "enable_batching": True, "batch_size": 50}


def test_results_never_share_objects_with_the_event_or_the_mapping() -> None:
    compiled = compile_mapping({**CREATE_UPDATE_PERSON, "list": {"@literal": [{"a": 1}]}})
    event = {"userId": "u1", "traits": {"nested": {"x": [1, 2]}}}
    first = compiled.resolve(event)
    first["traits"]["nested"]["x"].append(3)
    first["list"][0]["a"] = 2
    assert event["traits"] == {"nested": {"x": [1, 2]}}
    second = compiled.resolve(event)
    assert second["traits"] == {"nested": {"x": [1, 2]}}
    assert second["list"] == [{"a": 1}]


def test_compiling_copies_the_mapping() -> None:
    mapping: dict[str, Any] = {"a": {"@literal": {"k": "v"}}}
    compiled = compile_mapping(mapping)
    mapping["a"]["@literal"]["k"] = "changed"
    assert compiled.resolve({}) == {"a": {"k": "v"}}


def test_resolve_requires_an_object() -> None:
    with pytest.raises(MappingError, match="data must be an object, got string"):
        compile_mapping({"a": 1}).resolve("event")  # type: ignore[arg-type]


def test_non_object_mappings() -> None:
    assert compile_mapping([{"@path": "$.s"}, {"@path": "$.missing"}]).resolve(INPUT) == ["abc", None]
    assert compile_mapping("text").resolve(INPUT) == "text"
    assert compile_mapping({"@path": "$.missing"}).resolve(INPUT) is None


def test_deeply_nested_mapping_is_rejected_cleanly() -> None:
    mapping: Any = "leaf"
    for _ in range(5000):
        mapping = {"a": mapping}
    with pytest.raises(MappingError, match="nested too deeply"):
        compile_mapping(mapping)


def test_compiled_mapping_is_reusable_across_events() -> None:
    compiled = compile_mapping({"name": {"@path": "$.event"}, "n": {"@path": "$.properties.n"}})
    assert isinstance(compiled, CompiledMapping)
    assert [compiled.resolve({"event": f"E{i}", "properties": {"n": i}}) for i in range(3)] == [
        {"name": "E0", "n": 0}, {"name": "E1", "n": 1}, {"name": "E2", "n": 2}]


# --- properties ----------------------------------------------------------------------------------------------

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "a", "$.s", "b c"]))
PATHS = st.sampled_from(["$.s", "$.t.email", "$.arr", "$.arr.0", "$.missing", "$.b", "$.obj", "", "$", "a[b]",
                         "$.list.2", "$.e.x"])
DIRECTIVE_NAMES = st.sampled_from(["@path", "@template", "@if", "@case", "@replace", "@arrayPath", "@literal",
                                   "@flatten", "@json", "@merge", "@transform", "@excludeWhenNull", "@liquid", "@oops"])
OPTION_KEYS = st.sampled_from(["exists", "blank", "then", "else", "operator", "value", "pattern", "replacement",
                               "global", "ignorecase", "separator", "mode", "objects", "direction", "apply",
                               "mapping", "omitArrays", "pattern2"])


def _mappings() -> st.SearchStrategy[Any]:
    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        options = st.dictionaries(OPTION_KEYS, st.one_of(children, PATHS, st.sampled_from(
            ["upper", "lower", "encode", "decode", "left", "right", "."])), max_size=4)
        directive = st.builds(lambda name, arg: {name: arg}, DIRECTIVE_NAMES,
                              st.one_of(PATHS, options, st.lists(children, max_size=3), children))
        path = st.builds(lambda p: {"@path": p}, PATHS)
        return st.one_of(directive, path, st.lists(children, max_size=3),
                         st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3))

    return st.recursive(JSON_SCALARS, extend, max_leaves=12)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mappings())
def test_random_mappings_only_raise_mapping_errors_and_never_leak_missing(mapping: Any) -> None:
    try:
        result = compile_mapping({"root": mapping}).resolve(INPUT)
    except MappingError:
        return
    orjson.dumps(result)  # plain JSON values only: MISSING never leaks


# --- @liquid (liquid_reference_cases.json: templates and what the reference rendered, liquidjs 10) ------------

LIQUID = json.loads((Path(__file__).parent / "liquid_reference_cases.json").read_text())


@pytest.mark.parametrize("case", LIQUID["cases"], ids=[case["template"][:40] for case in LIQUID["cases"]])
def test_liquid_matches_the_reference(case: dict[str, Any]) -> None:
    compiled = compile_mapping({"r": {"@liquid": case["template"]}})
    if "error" in case:
        with pytest.raises(MappingError) as caught:
            compiled.resolve(LIQUID["data"])
        assert str(caught.value) == case["error"]
        return
    assert compiled.resolve(LIQUID["data"]).get("r", "<undefined>") == case["ok"]


def test_liquid_limits_and_unsupported_parts() -> None:
    with pytest.raises(MappingError, match="liquid template values are limited to 1000 characters"):
        compile_mapping({"r": {"@liquid": "x" * 1001}}).resolve({})
    assert compile_mapping({"r": {"@liquid": "x" * 1000}}).resolve({}) == {"r": "x" * 1000}
    with pytest.raises(MappingError, match='the Liquid filter "sample" is not supported'):
        compile_mapping({"r": {"@liquid": "{{ properties.items | sample }}"}}).resolve({})
    with pytest.raises(MappingError, match='the Liquid tag "block" is not supported'):
        compile_mapping({"r": {"@liquid": "{% block x %}{% endblock %}"}}).resolve({})
    with pytest.raises(MappingError, match="liquid template value must be a string"):
        compile_mapping({"r": [{"@liquid": 5}]}).resolve({})


def test_liquid_templates_are_parsed_once_and_see_each_event() -> None:
    compiled = compile_mapping({"greeting": {"@liquid": "Hi {{ traits.name | default: 'there' }}"}})
    assert compiled.resolve({"traits": {"name": "Ada"}}) == {"greeting": "Hi Ada"}
    assert compiled.resolve({"traits": {}}) == {"greeting": "Hi there"}


LIQUID_PIECES = st.sampled_from(["{{", "}}", "{%", "%}", "-", " ", "s", "n", "arr", ".", "[", "]", "0", "'x'", "|",
                                 ":", ",", "upcase", "plus", "truncate", "round", "slice", "if", "else", "endif",
                                 "assign", "=", "==", "<", "and", "or", "contains", "capture", "endcapture", "1e9",
                                 "99999999999999999999", "-1", "default", "raw", "endraw", "comment", "for", "size"])


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LIQUID_PIECES, max_size=25).map("".join))
def test_random_liquid_only_raises_mapping_errors(template: str) -> None:
    try:
        result = compile_mapping({"r": {"@liquid": template}}).resolve(LIQUID["data"])
    except MappingError:
        return
    assert isinstance(result.get("r", ""), str)
