"""Customer.io's documented size and count limits: one home for the figures the local workspace enforces and the
Event Tester warns about (https://docs.customer.io/api/track/: "Customer limits", "Object and relationship
limits", "Track API Event limits", "v2 API Limits"; docs/destination-actions.md#customerios-limits)."""

from __future__ import annotations

MAX_IDENTIFIER_BYTES = 150  # id, email, cio_id, anonymous_id, object_id
MAX_ATTRIBUTE_NAME_BYTES = 150
MAX_ATTRIBUTE_VALUE_BYTES = 1000
MAX_ATTRIBUTES = 300  # per identify call, object or relationship
MAX_EVENT_NAME_BYTES = 100
MAX_EVENT_DATA_BYTES = 100_000
# "32kb" and "500kb" are not defined further; binary units are our reading.
MAX_ENTITY_BYTES = 32 * 1024  # one /api/v2/entity request, one /api/v2/batch item
MAX_BATCH_BYTES = 500 * 1024
# "100 Kilobytes" of attributes per object or relationship together. How Customer.io counts them is not documented:
# the workspace refuses beyond 100 KiB measured as names plus values, the Event Tester warns beyond 100,000 bytes
# of the attributes' JSON (the stricter reading, so a request it passes is not refused for its size).
MAX_OBJECT_ATTRIBUTES_KB = 100
