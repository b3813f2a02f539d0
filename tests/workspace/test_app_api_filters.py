"""The App API audience filter: compilation errors and evaluation over string attributes."""

from __future__ import annotations

from typing import Any

import pytest

from segcio.workspace.app_filters import FilterError, compile_filter

PERSON = {"email": "a@b.co", "plan": "pro", "unsubscribed": "false", "score": "9.5"}


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"attribute": {"field": "plan", "operator": "eq", "value": "pro"}}, True),
        ({"attribute": {"field": "plan", "operator": "eq", "value": "free"}}, False),
        ({"attribute": {"field": "unsubscribed", "operator": "eq", "value": False}}, True),
        ({"attribute": {"field": "score", "operator": "eq", "value": 9.5}}, True),
        ({"attribute": {"field": "email", "operator": "exists"}}, True),
        ({"attribute": {"field": "phone", "operator": "exists"}}, False),
        ({"not": {"attribute": {"field": "phone", "operator": "exists"}}}, True),
        (
            {
                "and": [
                    {"attribute": {"field": "email", "operator": "exists"}},
                    {"not": {"attribute": {"field": "unsubscribed", "operator": "eq", "value": "true"}}},
                ]
            },
            True,
        ),
        (
            {
                "or": [
                    {"attribute": {"field": "plan", "operator": "eq", "value": "free"}},
                    {"attribute": {"field": "phone", "operator": "exists"}},
                ]
            },
            False,
        ),
    ],
)
def test_filter_evaluates(node: dict[str, Any], expected: bool) -> None:
    assert compile_filter(node)(PERSON) is expected


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ([], "filter must be an object with exactly one of"),
        ({"and": [], "or": []}, "filter must be an object with exactly one of"),
        ({"and": []}, "filter.and must be a non-empty list"),
        ({"segment": {"id": 4}}, "segcio has no segments"),
        ({"attribute": {"field": "plan", "operator": "contains", "value": "p"}}, "operator must be eq or exists"),
        ({"attribute": {"field": "plan", "operator": "eq"}}, "value is required with the eq operator"),
        ({"and": [{"attribute": {"operator": "exists"}}]}, r"filter.and\[0\].attribute.field is required"),
        ({"nope": 1}, "unknown condition 'nope'"),
    ],
)
def test_filter_errors_name_the_part(node: Any, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        compile_filter(node)
