"""The App API's rate limit: Customer.io answers 429 with `Retry-After` past 10 requests per second per workspace.

A sliding window per workspace: a request is admitted when fewer than `rate` requests were admitted in the last
second. It runs on the event loop (no await between the check and the count), so no lock is needed; each server
process counts its own requests.
"""

from __future__ import annotations

import math
import time
from collections import deque

WINDOW_SECONDS = 1.0


class AppRateLimit:
    def __init__(self, rate: int) -> None:
        self.rate = rate  # requests per second and workspace; 0 = no limit
        self._admitted: dict[int, deque[float]] = {}

    def retry_after(self, workspace_id: int, now: float | None = None) -> int:
        """0 when the request is admitted (and counted), else the whole seconds to wait (`Retry-After`)."""
        if self.rate <= 0:
            return 0
        now = time.monotonic() if now is None else now
        admitted = self._admitted.setdefault(workspace_id, deque())
        while admitted and admitted[0] <= now - WINDOW_SECONDS:
            admitted.popleft()
        if len(admitted) < self.rate:
            admitted.append(now)
            return 0
        return max(1, math.ceil(admitted[0] + WINDOW_SECONDS - now))

    def message(self) -> str:
        return (
            f"rate limited to {self.rate} requests per 1s; retry after the seconds in the Retry-After header "
            "(SEGCIO_APP_API_RATE_LIMIT sets the rate, 0 turns the limit off)"
        )
