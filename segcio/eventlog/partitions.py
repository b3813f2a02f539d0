"""The log's partitions: one person's events (keyed by anonymousId, else userId) share one, and keep their order
while several routers share the log."""

from __future__ import annotations

import zlib
from typing import Any

PARTITIONS = 64


def partition_of(message: dict[str, Any]) -> int:
    """The log partition of a message."""
    key = message.get("anonymousId") or message.get("userId") or ""
    return zlib.crc32(str(key).encode()) % PARTITIONS
