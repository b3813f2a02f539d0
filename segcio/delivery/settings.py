"""Delivery knobs of one remote destination, read from its settings JSON (camelCase keys, all optional)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from segcio.errors import Invalid

# Customer.io limits: /api/v2/batch <= 500 kb, each item <= 32 kb. "kb" is not defined there, so we use the
# smaller (decimal) reading and never risk a 413.
MAX_BATCH_BYTES = 500_000
MAX_ITEM_BYTES = 32_000


class DeliverySettingsError(Invalid, ValueError):
    """A delivery setting has a value we cannot use (the message names the key and the fix)."""


@dataclass(frozen=True)
class DeliverySettings:
    rate_limit: float = 100.0  # requests per second, never exceeded in any one-second window
    max_attempts: int = 10  # give up (dead-letter) after this many attempts ...
    max_retry_seconds: float = 4 * 3600.0  # ... or when retrying would go past this long after the first attempt
    retry_base_seconds: float = 1.0  # first backoff; doubles per attempt, with jitter
    retry_max_delay_seconds: float = 600.0  # cap of one backoff (Retry-After is honoured up to max_retry_seconds)
    request_timeout: float = 10.0  # seconds, as the reference destination
    concurrency: int = 8  # requests in flight at once (for different people)
    max_batch_bytes: int = MAX_BATCH_BYTES
    max_item_bytes: int = MAX_ITEM_BYTES
    log_size: int = 1000  # delivery_log rows kept per destination

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> DeliverySettings:
        s = settings or {}
        return cls(
            rate_limit=_positive(s, "rateLimit", cls.rate_limit),
            max_attempts=int(_positive(s, "maxAttempts", cls.max_attempts)),
            max_retry_seconds=_positive(s, "maxRetrySeconds", cls.max_retry_seconds),
            retry_base_seconds=_positive(s, "retryBaseSeconds", cls.retry_base_seconds),
            retry_max_delay_seconds=_positive(s, "retryMaxDelaySeconds", cls.retry_max_delay_seconds),
            request_timeout=_positive(s, "requestTimeout", cls.request_timeout),
            concurrency=int(_positive(s, "concurrency", cls.concurrency)),
            max_batch_bytes=int(min(_positive(s, "maxBatchBytes", MAX_BATCH_BYTES), MAX_BATCH_BYTES)),
            max_item_bytes=int(min(_positive(s, "maxItemBytes", MAX_ITEM_BYTES), MAX_ITEM_BYTES)),
            log_size=int(_positive(s, "deliveryLogSize", cls.log_size)),
        )


def _positive(settings: Mapping[str, Any], key: str, default: float) -> float:
    value = settings.get(key)
    if value is None:
        return float(default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise DeliverySettingsError(f"destination setting '{key}' must be a positive number (got {value!r})")
    return float(value)
