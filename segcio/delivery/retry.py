"""Retry policy: which failures are retried, how long to wait, when to give up."""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime

from segcio.delivery.settings import DeliverySettings

# Temporary by nature: timeouts, throttling, locked, server errors (501 "not implemented" is permanent).
RETRYABLE_STATUS = frozenset({408, 423, 429})


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUS or (500 <= status <= 599 and status != 501)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def backoff_delay(settings: DeliverySettings, attempts: int, retry_after: float | None, rng: random.Random) -> float:
    """Delay before the next attempt after `attempts` failed ones: exponential with jitter (50-100 % of the
    step, so a crowd of retries spreads out), never shorter than the server's Retry-After."""
    step: float = min(settings.retry_max_delay_seconds, settings.retry_base_seconds * (2 ** max(0, attempts - 1)))
    delay = step * (0.5 + rng.random() / 2)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return float(delay)


def give_up_reason(
    settings: DeliverySettings, attempts: int, first_attempt_at: float, delay: float, now: float | None = None
) -> str | None:
    """Why retrying stops here (None: try again after `delay`)."""
    at = time.time() if now is None else now
    if attempts >= settings.max_attempts:
        return f"gave up after {attempts} attempts"
    if at + delay - first_attempt_at > settings.max_retry_seconds:
        return f"gave up after {attempts} attempts: retrying would exceed {settings.max_retry_seconds:g} s"
    return None
