"""Timestamps are written as Segment writes them: UTC, milliseconds, `Z`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from segcio.spec.timestamps import format_iso, parse_iso

zones = st.sampled_from(
    [UTC, None, timezone(timedelta(0)), timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
)


@given(moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)), zone=zones)
def test_format_is_utc_with_milliseconds_and_z(moment: datetime, zone: timezone | None) -> None:
    moment = moment.replace(tzinfo=zone)
    utc = moment.astimezone(UTC) if zone is not None else moment
    assert format_iso(moment) == utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def test_whole_seconds_still_carry_milliseconds() -> None:
    assert format_iso(datetime(2026, 11, 24, 10, 0, 5, tzinfo=UTC)) == "2026-11-24T10:00:05.000Z"


def test_parse_keeps_microseconds_of_longer_fractions_and_reads_naive_values_as_utc() -> None:
    assert parse_iso("2026-11-24T10:00:05.123456789Z") == datetime(2026, 11, 24, 10, 0, 5, 123456, tzinfo=UTC)
    assert parse_iso("2026-11-24T10:00:05.12") == datetime(2026, 11, 24, 10, 0, 5, 120000, tzinfo=UTC)
    assert parse_iso("not a date") is None
