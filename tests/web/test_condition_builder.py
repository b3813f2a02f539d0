"""Triggers shown in the condition builder."""

from __future__ import annotations

from segcio.web.condition_builder import Condition, conditions_of


def test_simple_groups_become_rows() -> None:
    assert conditions_of('type = "track" and event = "Order Completed"') == (
        "all",
        [Condition("type", "", "is", "track"), Condition("event", "", "is", "Order Completed")],
    )
    assert conditions_of('event = "A" or event = "B"') == (
        "any",
        [Condition("event", "", "is", "A"), Condition("event", "", "is", "B")],
    )


def test_property_operators() -> None:
    combinator, rows = conditions_of(
        'properties.total > 10 and traits.email != null and match(context.page.path, "/docs*") '
        'and properties.vip = true and !contains(event, "test")'
    ) or ("", [])
    assert combinator == "all"
    assert rows == [
        Condition("property", "properties.total", "gt", "10"),
        Condition("property", "traits.email", "exists", ""),
        Condition("property", "context.page.path", "starts_with", "/docs"),
        Condition("property", "properties.vip", "true", ""),
        Condition("event", "", "not_contains", "test"),
    ]


def test_nested_or_invalid_triggers_stay_text_only() -> None:
    assert conditions_of('type = "track" and (event = "a" or event = "b")') is None
    assert conditions_of('type = "track" and') is None
