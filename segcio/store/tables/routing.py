"""Tables of the routing area: destination cursors and leases, regulations and suppressions, failed events."""

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from segcio.store.metadata import metadata
from segcio.store.tables.core import BigId

# One row per (destination, log partition): how far that destination has processed the partition, and which
# worker holds it. A worker renews its lease; an expired lease may be taken over by another worker.
cursors = Table(
    "cursors",
    metadata,
    Column("destination_id", Integer, primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("position", BigInteger, nullable=False, default=0),
    Column("owner", String(100), nullable=True),
    Column("lease_until", Float, nullable=False, default=0),
)

# Routing workers alive (heartbeat renewed at every rebalance); fair shares are computed from this.
routing_workers = Table(
    "routing_workers",
    metadata,
    Column("owner", String(100), primary_key=True),
    Column("heartbeat", Float, nullable=False),
)

regulations = Table(
    "regulations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("regulation_type", String(40), nullable=False),
    Column("subject_type", String(20), nullable=False),
    Column("subject_ids", Text, nullable=False),
    Column("source_id", Integer, nullable=True),
    Column("status", String(20), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("finished_at", Float, nullable=True),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("user_id", String(400), primary_key=True),
    Column("regulation_id", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
)

# Events a destination could not process or deliver (its code or its store raised): parked here with the reason,
# the cursor moved past them, so one event never stops a destination. Replaying removes the row when it succeeds.
failed_events = Table(
    "failed_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("destination_id", Integer, nullable=False),
    Column("event_seq", BigInteger, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("person_key", Text, nullable=False),
    # The logged event as stored (JSON): replays run from it, whatever retention has deleted from the log since.
    Column("body", Text, nullable=False),
    # Exception class and message of the latest attempt (no traceback).
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("failed_at", Float, nullable=False),
    Column("last_attempt_at", Float, nullable=False),
)
# Not unique: the cursor passes an event once, and a constraint here would turn any surprise into a stalled router.
Index("ix_failed_events_destination_seq", failed_events.c.destination_id, failed_events.c.event_seq)

# When each destination was on: it routed the events with start_seq < seq <= end_seq live (end_seq NULL: still on).
# A replay into the local workspace skips them, so it never applies an event the destination already routed.
destination_periods = Table(
    "destination_periods",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("destination_id", Integer, nullable=False),
    Column("start_seq", BigInteger, nullable=False),
    Column("end_seq", BigInteger, nullable=True),
)
Index("ix_destination_periods_destination", destination_periods.c.destination_id)

# Events a replay applied to a destination's local workspace: a second replay of the same range skips them.
replayed_events = Table(
    "replayed_events",
    metadata,
    Column("destination_id", Integer, primary_key=True),
    Column("event_seq", BigInteger, primary_key=True),
    Column("replayed_at", Float, nullable=False),
)
