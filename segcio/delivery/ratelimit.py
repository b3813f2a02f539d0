"""Per-destination request rate limit."""

from __future__ import annotations

import asyncio
import time
from collections import deque


class RateLimiter:
    """A token bucket of `rate` tokens where each spent token comes back exactly `window` seconds later.

    Unlike a refill-by-rate bucket (which allows a full burst plus the refill inside one window), this never
    lets more than `rate` requests start in ANY window of `window` seconds. `guard` widens the window a little
    so that network jitter cannot squeeze two requests closer together at the receiving end.
    """

    def __init__(self, rate: float, window: float = 1.0, guard: float = 0.02) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        # A fractional rate (e.g. 0.5/s) becomes one request per 1/rate seconds.
        self.capacity = max(1, int(rate))
        self.window = (window * self.capacity / rate) + guard
        self._spent: deque[float] = deque()

    def _wait_time(self, now: float) -> float:
        while self._spent and now - self._spent[0] >= self.window:
            self._spent.popleft()
        if len(self._spent) < self.capacity:
            return 0.0
        return self._spent[0] + self.window - now

    async def acquire(self) -> None:
        """Wait until a request may start, and count it. (Check and count run without an await in between, so
        concurrent callers on one event loop cannot both take the last token.)"""
        while True:
            now = time.monotonic()
            wait = self._wait_time(now)
            if wait <= 0:
                self._spent.append(now)
                return
            await asyncio.sleep(wait)
