"""Pre-filled Event Tester events, one per Segment call type (edit them before sending)."""

from __future__ import annotations

from typing import Any

# Like Segment's tester, the samples use a designated test person; change `userId` before applying to a workspace.
_COMMON: dict[str, Any] = {
    "userId": "test-person",
    "anonymousId": "test-anonymous-id",
    "timestamp": "2026-01-02T03:04:05.000Z",
    "context": {"ip": "8.8.8.8", "library": {"name": "analytics.js", "version": "2.11.1"}},
    "messageId": "test-message-id",
}

SAMPLES: dict[str, dict[str, Any]] = {
    "track": {"type": "track", **_COMMON, "event": "Order Completed", "properties": {"total": 42.5, "currency": "USD"}},
    "identify": {
        "type": "identify",
        **_COMMON,
        "traits": {"email": "test-person@example.com", "first_name": "Test", "created_at": "2026-01-02T03:04:05Z"},
    },
    # Like the events Segment's API (not analytics.js) sends: the page name, no `properties.url`.
    "page": {"type": "page", **_COMMON, "name": "Home", "properties": {"title": "Home", "path": "/"}},
    "screen": {"type": "screen", **_COMMON, "name": "Home Screen", "properties": {"variation": "blue"}},
    "group": {"type": "group", **_COMMON, "groupId": "acme", "traits": {"name": "Acme", "industry": "Anvils"}},
    "alias": {"type": "alias", **_COMMON, "previousId": "test-previous-id"},
}
