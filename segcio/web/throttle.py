"""Slow down password guessing: after a few wrong passwords from one address, refuse logins for a while."""

from __future__ import annotations

import threading
import time
from collections import deque

MAX_FAILURES = 5
WINDOW_SECONDS = 300.0
MAX_TRACKED = 10_000


class LoginThrottle:
    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self._max = max_failures
        self._window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.get(client, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures

    def wait_seconds(self, client: str, now: float | None = None) -> int:
        """0 when `client` may try a password now, else how many seconds until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._recent(client, now)
            if len(failures) < self._max:
                return 0
            return max(1, int(failures[0] + self._window - now) + 1)

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._failures) >= MAX_TRACKED and client not in self._failures:
                self._failures.clear()  # bounded memory; an attacker spreading over addresses gains little
            failures = self._recent(client, now)
            failures.append(now)
            self._failures[client] = failures

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


throttle = LoginThrottle()
