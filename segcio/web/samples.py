"""Pre-filled Event Tester events, one per Segment call type (edit them before sending)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

SAMPLE_TYPES = ("track", "identify", "page", "screen", "group", "alias")


def samples(now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """The samples, timestamped now: an old timestamp would draw Customer.io's 72-hour warning on every sample."""
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    # Like Segment's tester, the samples use a designated test person; change `userId` before applying to a workspace.
    common: dict[str, Any] = {
        "userId": "test-person",
        "anonymousId": "test-anonymous-id",
        "timestamp": moment,
        "context": {"ip": "8.8.8.8", "library": {"name": "analytics.js", "version": "2.11.1"}},
        "messageId": "test-message-id",
    }
    return {
        "track": {"type": "track", **common, "event": "Order Completed",
                  "properties": {"total": 42.5, "currency": "USD"}},
        "identify": {
            "type": "identify",
            **common,
            "traits": {"email": "test-person@example.com", "first_name": "Test", "created_at": moment},
        },
        # Like the events Segment's API (not analytics.js) sends: the page name, no `properties.url`.
        "page": {"type": "page", **common, "name": "Home", "properties": {"title": "Home", "path": "/"}},
        "screen": {"type": "screen", **common, "name": "Home Screen", "properties": {"variation": "blue"}},
        "group": {"type": "group", **common, "groupId": "acme", "traits": {"name": "Acme", "industry": "Anvils"}},
        "alias": {"type": "alias", **common, "previousId": "test-previous-id"},
    }
