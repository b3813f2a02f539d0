"""segcio's emulation of JavaScript's date parsing against Node itself: `Date.parse` (V8's ES and legacy
parsers, segcio.actions.v8date), which decides the `created_at` conversion, and the destination's
`dayjs.utc`, which decides the root `timestamp` conversion and `datetime` validation. Each example is a
batch of generated date-like strings, answered by the reference runner in one round trip."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segcio.actions.jsdate import dayjs_parse
from segcio.actions.v8date import date_parse
from tests.ci import examples
from tests.conformance.reference import ReferenceRunner
from tests.conformance.strategies import JS_DATES, date_like_strings, text

pytestmark = pytest.mark.conformance

BATCH = 200
strings = st.lists(st.one_of(date_like_strings, text, st.sampled_from(JS_DATES)), min_size=BATCH, max_size=BATCH)
RELAXED = settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _mismatches(reference: ReferenceRunner, mode: str, values: list[str], ours: list[float | None]) -> list[str]:
    theirs = reference.run({"mode": mode, "values": values})["ms"]
    return [f"{value!r}: Node {t}, segcio {o}" for value, t, o in zip(values, theirs, ours, strict=True) if t != o]


@RELAXED
@given(values=strings)
def test_date_parse_matches_node(reference: ReferenceRunner, values: list[str]) -> None:
    assert _mismatches(reference, "jsdate", values, [date_parse(v) for v in values]) == []


@RELAXED
@given(values=strings)
def test_dayjs_parse_matches_the_destinations_dayjs(reference: ReferenceRunner, values: list[str]) -> None:
    assert _mismatches(reference, "dayjs", values, [dayjs_parse(v) for v in values]) == []


@pytest.mark.parametrize(("value", "expected"), [
    ("x 0", 946684800000),  # a garbage word, then one number: year 2000 (0 is not a day, so it is the year)
    ("order 5", 988675200000),  # one number that can be a month: May 1st of 2001
    ("-002015-03-01", -125749324800000),
    ("Mar 25 2015 10:00 GMT+99", 1426921200000),
    ("Mar 25 2015\0garbage", 1427241600000),
    ("25 Mar 2015 Tue", None),  # day names are not keywords: a word after a number is refused
])
def test_legacy_parser_cases(reference: ReferenceRunner, value: str, expected: int | None) -> None:
    assert reference.run({"mode": "jsdate", "values": [value]})["ms"] == [expected]
    assert date_parse(value) == expected
