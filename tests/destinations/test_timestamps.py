"""Convert Timestamps: every row of the seed table, the reference's pinned values and the root timestamp rule."""

from __future__ import annotations

import calendar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segcio.customerio.timestamps import (
    convert_attribute_timestamps,
    convert_created_at,
    convert_valid_timestamp,
    is_iso_date,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


# (value, other attributes, created_at) — None means "unchanged".
SEED_TABLE = [
    ("25 Mar 2015", None, utc(2015, 3, 25)),
    ("Mar 25 2015", None, utc(2015, 3, 25)),
    ("01/01/2019", None, utc(2019, 1, 1)),
    ("2019-02-01", 1548979200, 1548979200),
    ("2007-01-02T18:04:07", 1167761047, 1167761047),
    ("2006-01-02T18:04:07Z", 1136225047, 1136225047),
    ("2006-01-02T18:04:07+01:00", 1136221447, 1136221447),
    ("2006-01-02T15:04:05.007", 1136214245, 1136214245),
    ("2006-01-02T15:04:05.007Z", 1136214245, 1136214245),
    ("2006-01-02T15:04:05.007+01:00", 1136210645, 1136210645),
    ("2025-08-13T15:45:17.451Z", utc(2025, 8, 13, 15, 45, 17), utc(2025, 8, 13, 15, 45, 17)),
    ("2025-08-13T02:08:40.1418726Z", None, None),
]


@pytest.mark.parametrize(("value", "other", "created_at"), SEED_TABLE)
def test_seed_table_row(value: str, other: int | None, created_at: int | None) -> None:
    out = convert_attribute_timestamps({"purchase_time": value, "nested": {"created_at": value}})
    assert out["purchase_time"] == (value if other is None else other)
    assert out["nested"]["created_at"] == out["purchase_time"]  # only the person's/object's own created_at is special
    assert convert_created_at(value) == (value if created_at is None else created_at)


def test_seed_prose_example_is_checked_by_arithmetic() -> None:
    assert convert_attribute_timestamps({"purchase_time": "2006-01-02T18:04:07Z"}) == {"purchase_time": 1136225047}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2006-01-02T15:04:05-0800", 1136243045),
        ("2006-01-02T15:04:05.07-0800", 1136243045),
        ("2006-01-02T15:04:05.007-0800", 1136243045),
        ("2023-12-25T14:30:45", utc(2023, 12, 25, 14, 30, 45)),
        ("2023-12-25T14:30", utc(2023, 12, 25, 14, 30)),
        ("2023-02-30", utc(2023, 3, 2)),  # no month-length check: rolls over like V8
        ("2020-01-01T24:00:00Z", utc(2020, 1, 2)),
        ("1960-06-01T00:00:00.500Z", -302486400),  # floor, also for negative times
        ("0099-01-01", utc(1999, 1, 1)),  # dayjs reads naive years 0-99 as 19xx
    ],
)
def test_iso_strings_converted(value: str, expected: int) -> None:
    assert convert_attribute_timestamps({"a": value}) == {"a": expected}


@pytest.mark.parametrize(
    "value",
    [
        "15/MAR/18", "11-Jan-18", "2018-03-04T12:08:56 PDT", "2018-03-04T12:08:56.235 PDT", "invalid-date",
        "2023-13-25", "2023-12-32", "2023-12-25T25:30:45", "2023-12-25T14:60:00", "2023-12-25T14:30:45+25:00",
        "2023-12-25T14:30:45.1234Z", "1712345678", "1712345678.123", "+1 555 0100", "2019-02-01Z",
        "1{1", "1]1", "1|1", "1é1",
    ],
)
def test_other_strings_left_alone(value: str) -> None:
    assert convert_attribute_timestamps({"a": value}) == {"a": value}
    assert not is_iso_date(value)


def test_digit_only_created_at_is_never_converted() -> None:
    assert convert_created_at("1714979289") == "1714979289"
    assert convert_created_at(1714979289) == 1714979289


def test_non_strings_arrays_and_nesting() -> None:
    data = {"n": 1712345678, "b": True, "z": None, "list": ["2019-02-01", "x"],
            "deeper": {"when": "2019-02-01T00:00:00Z"}}
    assert convert_attribute_timestamps(data) == {
        "n": 1712345678, "b": True, "z": None, "list": ["2019-02-01", "x"], "deeper": {"when": 1548979200}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-06T07:08:09.123Z", 1714979289),
        ("2024-08-14T20:36:48.6527521Z", 1723667808),  # the root timestamp is always sent as Unix seconds
        ("2023-12-25T14:30:45.123456789-08:00", 1703543445),
        ("Mar 25 2015", utc(2015, 3, 25)),
        ("01/01/2019", utc(2019, 1, 1)),
        ("2023-12-25 14:30:45", utc(2023, 12, 25, 14, 30, 45)),
        ("2023-13-01", utc(2024, 1, 1)),  # dayjs overflow
        ("1712345678.123", "1712345678.123"),
        ("1714979289", "1714979289"),
        (1712345678, 1712345678),
        ("2018-03-04T12:08:56.235 PDT", "2018-03-04T12:08:56.235 PDT"),
        ("garbage", "garbage"),
    ],
)
def test_convert_valid_timestamp(value: object, expected: object) -> None:
    assert convert_valid_timestamp(value) == expected


PARTS = st.tuples(
    st.sampled_from(["2024", "0099", "0100", "1960", "9999", "0000"]),
    st.sampled_from(["00", "01", "02", "12", "13"]),
    st.sampled_from(["00", "01", "28", "29", "30", "31", "32"]),
    st.one_of(st.just(""), st.tuples(
        st.sampled_from(["00", "12", "23", "24", "25"]), st.sampled_from(["00", "30", "59", "60"]),
        st.sampled_from(["", ":00", ":59", ":60"]), st.sampled_from(["", ".1", ".123", ".1234567", ".999999999"]),
        st.sampled_from(["", "Z", "+01:00", "-0800", "+23:59", "+24:00", "+05:60", "-0060"]),
    ).map(lambda t: "T" + t[0] + ":" + t[1] + "".join(t[2:]))),
)


@given(PARTS)
def test_fast_iso_path_agrees_with_the_exact_rules(parts: tuple[str, str, str, str]) -> None:
    from segcio.actions.jsdate import _ISO_GATE, _parse_iso_match, parse_iso_ms

    text = f"{parts[0]}-{parts[1]}-{parts[2]}{parts[3]}"
    match = _ISO_GATE.match(text)
    assert match is not None
    assert parse_iso_ms(text) == _parse_iso_match(match)
