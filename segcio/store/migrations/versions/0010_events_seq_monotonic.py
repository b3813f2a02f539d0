"""events: sequence numbers never reused on SQLite (AUTOINCREMENT)

Revision ID: 0010_events_seq_monotonic
Revises: 0009_events_delete_index

On SQLite `events.seq` was a plain rowid: a new row got the largest seq still in the table plus one, so once
retention or a regulation deleted the newest events, new ones were numbered at or below the routers' cursors and
never routed. With AUTOINCREMENT SQLite keeps the largest seq ever issued (in `sqlite_sequence`) and numbers above
it. SQLite cannot add AUTOINCREMENT to a table, so the log is copied into a new one, and its counter starts above
every seq the database still refers to (cursors, outbox, dead letters, delivery log), in case the newest events
were deleted before this upgrade. PostgreSQL numbers events from a sequence, which never goes back: nothing to do.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_events_seq_monotonic"
down_revision = "0009_events_delete_index"
branch_labels = None
depends_on = None

COLUMNS = "seq, source_id, message_id, type, user_id, anonymous_id, partition, received_at, body"
# Where the database keeps seq numbers besides the log itself.
SEQ_REFERENCES = (
    ("cursors", "position"),
    ("outbox", "event_seq"),
    ("dead_letters", "event_seq"),
    ("delivery_log", "event_seq"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=True)
        # SQLite's max() of several arguments is NULL when one of them is: each is coalesced.
        highest = ", ".join(
            f"coalesce((SELECT max({column}) FROM {table}), 0)"
            for table, column in (("events", "seq"), *SEQ_REFERENCES)
        )
        op.execute("DELETE FROM sqlite_sequence WHERE name = 'events'")
        op.execute(f"INSERT INTO sqlite_sequence (name, seq) SELECT 'events', max({highest})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=False)


def _rebuild(autoincrement: bool) -> None:
    """Copy the log into a new `events` table (same columns and indexes), with or without AUTOINCREMENT."""
    op.rename_table("events", "events_rebuilt")
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("anonymous_id", sa.Text(), nullable=True),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
        sqlite_autoincrement=autoincrement,
    )
    op.execute(f"INSERT INTO events ({COLUMNS}) SELECT {COLUMNS} FROM events_rebuilt ORDER BY seq")
    op.drop_table("events_rebuilt")  # and its indexes, whose names the new table takes
    op.create_index("ix_events_partition_seq", "events", ["partition", "seq"], unique=False)
    only_deletes = sa.text("type = 'delete'")
    op.create_index("ix_events_regulation_deletes", "events", ["message_id"], sqlite_where=only_deletes)
