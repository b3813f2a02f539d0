"""Per-destination request rate limit."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

# How often a caller re-checks while every token is held by a request still in flight.
_IN_FLIGHT_POLL = 0.005


class RateLimiter:
    """A token bucket of `rate` tokens in which a token is held while its request is in flight and comes back
    `window` seconds after that request finished.

    A refill-by-rate bucket allows a full burst plus the refill inside one window, and measuring from the
    moment a request is *started* lets connection set-up delays bunch requests together at the receiver. Here
    the next request on a token starts at least `window` after the previous one on it ended, hence after it
    arrived: never more than `rate` requests reach the service in ANY window of `window` seconds. The price is
    a throughput of rate * window / (window + latency), e.g. 91/s for 100/s at 100 ms latency.
    """

    def __init__(self, rate: float, window: float = 1.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        # A fractional rate (e.g. 0.5/s) becomes one request per 1/rate seconds.
        self.capacity = max(1, int(rate))
        self.window = window * self.capacity / rate
        self._returning: deque[float] = deque()  # when finished requests' tokens were released (ascending)
        self._in_flight = 0

    def _wait_time(self, now: float) -> float:
        while self._returning and now - self._returning[0] >= self.window:
            self._returning.popleft()
        if len(self._returning) + self._in_flight < self.capacity:
            return 0.0
        if self._returning:
            return self._returning[0] + self.window - now
        return _IN_FLIGHT_POLL

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a token, hold it during the request, and start its window when the request ends.
        (Check and take run without an await in between, so concurrent callers on one event loop cannot
        both take the last token.)"""
        while True:
            wait = self._wait_time(time.monotonic())
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._returning.append(time.monotonic())
