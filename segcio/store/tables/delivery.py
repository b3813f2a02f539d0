"""Tables of the delivery area: the outbox of remote requests, the dead-letter queue, the delivery log, leases."""

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from segcio.store.metadata import metadata
from segcio.store.tables.core import BigId

# Requests planned for a remote destination and not yet delivered. Rows of one person are sent in `id` order.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("destination_id", Integer, nullable=False),
    Column("person_key", Text, nullable=False),
    Column("event_seq", BigInteger, nullable=True),
    Column("method", String(10), nullable=False),
    Column("url", Text, nullable=False),
    # JSON object of request headers (content-type, user-agent); never credentials: the sender adds them.
    Column("headers", Text, nullable=False),
    # JSON body exactly as it goes on the wire (NULL: no body); sent byte for byte on every attempt.
    Column("body", Text, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("first_attempt_at", Float, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
)
Index("ix_outbox_destination_due", outbox.c.destination_id, outbox.c.next_attempt_at)
Index("ix_outbox_destination_person", outbox.c.destination_id, outbox.c.person_key, outbox.c.id)

# Requests given up on: rejected by Customer.io (4xx, 207 item errors) or out of attempts/time.
dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("destination_id", Integer, nullable=False),
    Column("person_key", Text, nullable=False),
    Column("event_seq", BigInteger, nullable=True),
    Column("method", String(10), nullable=False),
    Column("url", Text, nullable=False),
    Column("headers", Text, nullable=False),
    Column("body", Text, nullable=True),
    Column("reason", Text, nullable=False),
    Column("status", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
)
Index("ix_dead_letters_destination_id", dead_letters.c.destination_id, dead_letters.c.id)

# Recent deliveries, failures and drops (one row per HTTP request or dropped event), pruned to a bounded size.
delivery_log = Table(
    "delivery_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("destination_id", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    # "delivered" | "partial" | "retry" | "split" | "dead_letter" | "dropped" | "failed" | "parked" | "filtered"
    # | "replayed"
    Column("outcome", String(16), nullable=False),
    Column("method", String(10), nullable=True),
    Column("url", Text, nullable=True),
    Column("status", Integer, nullable=True),
    Column("items", Integer, nullable=False, default=0),
    Column("duration_ms", Float, nullable=True),
    Column("person_key", Text, nullable=True),
    Column("event_seq", BigInteger, nullable=True),
    # A batch request's items as the log events they came from: a JSON list of seqs, item i at batch_index i
    # (NULL for a single request, whose event is `event_seq`).
    Column("event_seqs", Text, nullable=True),
    Column("request_summary", Text, nullable=True),
    Column("response_summary", Text, nullable=True),
    # The event a one-event row is about (track event or page/screen name; its messageId), and of a batch request
    # its people ("\n"-separated, with one at each end), so the UI filters rows.
    Column("event_name", Text, nullable=True),
    Column("message_id", Text, nullable=True),
    Column("person_keys", Text, nullable=True),
)
Index("ix_delivery_log_destination_id", delivery_log.c.destination_id, delivery_log.c.id)

# Which process currently sends for a destination (one sender per destination keeps per-person order
# and the rate limit exact across processes sharing PostgreSQL).
delivery_leases = Table(
    "delivery_leases",
    metadata,
    Column("destination_id", Integer, primary_key=True, autoincrement=False),
    Column("owner", String(100), nullable=False),
    Column("expires_at", Float, nullable=False),
)
