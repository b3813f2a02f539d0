"""The per-destination rate limit, measured where it matters: at the receiving end."""

from __future__ import annotations

import pytest

from segcio.delivery.settings import DeliverySettings, DeliverySettingsError
from segcio.store import Database
from tests.delivery.conftest import drain, queue, v1
from tests.delivery.standin import StandIn


def most_in_any_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.mark.parametrize("rate", [10, 25])
def test_rate_limit_is_never_exceeded_in_any_one_second_window(db: Database, standin: StandIn, rate: int) -> None:
    # one person each, so nothing but the limit holds the requests back (concurrency 8)
    for p in range(rate * 3):
        queue(db, f"p{p}", [v1(standin.url, "POST", "/api/v1/metrics", {"p": p})])
    drain(db, {"rateLimit": rate, "concurrency": 8})
    times = [a.at for a in standin.arrivals]
    assert len(times) == rate * 3
    assert most_in_any_window(times) <= rate


def test_default_rate_limit_is_100_per_second_and_bad_values_are_named() -> None:
    assert DeliverySettings.from_settings({}).rate_limit == 100
    assert DeliverySettings.from_settings({"rateLimit": 5}).rate_limit == 5
    with pytest.raises(DeliverySettingsError, match="'rateLimit' must be a positive number"):
        DeliverySettings.from_settings({"rateLimit": 0})
