"""The value rules' quick answer (one orjson encoding) agrees with the full walk on any value, near the depth limit
and with every kind of unstorable text and number."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from segcio import values

TEXT = st.text(max_size=6) | st.sampled_from(["\x00", "a\x00", "\ud800", "x\udfff", "\\u0000", "null", "{[", ""])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
TREES = st.recursive(SCALARS, lambda c: st.lists(c, max_size=3) | st.dictionaries(TEXT, c, max_size=3), max_leaves=12)


def _nest(value: Any, depth: int, as_list: bool) -> Any:
    for _ in range(depth):
        value = [value] if as_list else {"a": value}
    return value


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(tree=TREES, depth=st.sampled_from([0, 1, 60, 62, 63, 64, 65, 70]), as_list=st.booleans())
def test_the_quick_answer_agrees_with_the_walk(tree: Any, depth: int, as_list: bool) -> None:
    value = _nest(tree, depth, as_list)
    assert (values.value_problem(value) is None) == values._clean(value, 0)
    within = not isinstance(value, dict | list) or values._within_depth(value, 0)
    assert (values.depth_problem(value) is None) == within


def test_the_limit_counts_the_outermost_container_as_level_one() -> None:
    assert values.value_problem(_nest(1, values.MAX_DEPTH, as_list=False)) is None
    problem = values.value_problem(_nest(1, values.MAX_DEPTH + 1, as_list=True))
    assert problem is not None and f"more than {values.MAX_DEPTH} levels" in problem.message
