"""Tables of the routing area: destination cursors and leases, regulations and suppressions."""

from sqlalchemy import BigInteger, Column, Float, Integer, String, Table, Text

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
