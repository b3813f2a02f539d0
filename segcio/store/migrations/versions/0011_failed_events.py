"""failed_events: events a destination could not process or deliver, parked with their reason

Revision ID: 0011_failed_events
Revises: 0010_events_seq_monotonic
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_failed_events"
down_revision = "0010_events_seq_monotonic"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "failed_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("person_key", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.Float(), nullable=False),
        sa.Column("last_attempt_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_failed_events_destination_seq", "failed_events", ["destination_id", "event_seq"])


def downgrade() -> None:
    op.drop_table("failed_events")
