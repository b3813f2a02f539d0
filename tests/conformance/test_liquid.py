"""segcio's `@liquid` against the mapping kit's own liquidjs (the reference runner's `liquid` mode).

Each example draws event data and a seed for a batch of generated templates (liquid_templates.py); both sides
render every template through a whole mapping (`{"r": {"@liquid": template}}`), and the reference answers the
batch in one round trip. A rendered value must be identical, and a template the reference refuses must be
refused by segcio with the same message (the mapping fails with it).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segcio.actions.liquid_values import well_formed
from segcio.actions.mapping import MappingError, compile_mapping
from tests.ci import examples
from tests.conformance.liquid_templates import event_data, templates
from tests.conformance.reference import ReferenceRunner

pytestmark = pytest.mark.conformance

BATCH = 250
RELAXED = settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def render(template: str, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"value": compile_mapping({"r": {"@liquid": template}}).resolve(data).get("r")}
    except MappingError as problem:
        return {"error": str(problem)}


def differences(reference: ReferenceRunner, data: dict[str, Any], batch: list[str]) -> list[str]:
    theirs = reference.run({"mode": "liquid", "data": data, "templates": batch})["results"]
    found = []
    for template, expected in zip(batch, theirs, strict=True):
        if isinstance(expected.get("value"), str):  # segcio's payloads carry U+FFFD for a lone surrogate
            expected = {"value": well_formed(expected["value"])}
        ours = render(template, data)
        if ours == expected:
            continue
        found.append(f"{template!r}: liquidjs {expected}, segcio {ours}")
    return found


@RELAXED
@given(data=event_data, seed=st.integers(0, 2**32 - 1))
def test_generated_templates_render_as_liquidjs_renders_them(reference: ReferenceRunner, data: dict[str, Any],
                                                              seed: int) -> None:
    assert differences(reference, data, templates(seed, BATCH)) == [], data


KNOWN_DATA = {"spaced": "  a  b ", "commas": "a,,b,,", "nil_value": None, "quote": 'say "hi" & <go>', "e": "",
              "nested": [[1, 2], [3, None], "x"], "obj": {"a": 1, "b": 2}, "f": 5.5, "ws": "  "}
# Edge cases where a Liquid port easily differs from liquidjs (split, blank/empty/nil, escape, modulo, sizes,
# malformed tags, long output), each as the reference renders it.
KNOWN_TEMPLATES = [
    "{{ spaced | split: ' ' | join: '|' }}", "{{ commas | split: ',' | size }}", "{{ spaced | split }}",
    "{{ spaced | split: ' ' | first }}", "{{ spaced | split: ' ' | last }}", "{{ 'abc' | first }}", "{{ 5 | last }}",
    "{% if nil_value == blank %}y{% else %}n{% endif %}", "{% if missing == blank %}y{% else %}n{% endif %}",
    "{% if nil == blank %}y{% else %}n{% endif %}", "{% if blank == nil %}y{% else %}n{% endif %}",
    "{% if nil_value == empty %}y{% else %}n{% endif %}", "{% if ws == blank %}y{% else %}n{% endif %}",
    "{% unless e != empty %}y{% endunless %}", "{{ quote | escape }}", "{{ nested | join: '-' }}",
    "{{ obj | size }}", "{{ obj.size }}", "{{ nil_value | split: ',' | size }}", "{{ f | modulo: 2 }}",
    "{{ -5.5 | modulo: 2 }}", "{{ f | modulo: 0.3 }}", "{{ 7 | modulo: -3 }}", "{{ '😀a' | size }}",
    "{{ x | sort }}", "{% if false %}{{ x | sort }}{% endif %}", "{% for i in nested %}{% endfor %}",
    "{{ spaced | nosuch }}", "{{ }}", "{{ spaced | append: }}", "{% if spaced == %}y{% endif %}",
    "{{ 1 == 1 }}", "{% if 1 <> 2 %}y{% else %}n{% endif %}", "x" * 1001, "😀" * 501,
]


def test_known_differences_render_as_liquidjs_renders_them(reference: ReferenceRunner) -> None:
    assert differences(reference, KNOWN_DATA, KNOWN_TEMPLATES) == []
