"""Links from an event of the log to what it caused: workspace rows and batch requests

Revision ID: 0020_event_links
Revises: 0018_attribute_order

An event's trace (`segcio events trace`, `/ui/events/{seq}`) finds the workspace events and activity entries a
destination applied from it (`event_seq`, with a partial index), and the batch requests that carried it
(`delivery_log.event_seqs`, one seq per batch item). Rows written before this migration have none.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_event_links"
down_revision = "0018_attribute_order"
branch_labels = None
depends_on = None

TABLES = ("ws_events", "ws_activities")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("event_seq", sa.BigInteger(), nullable=True))
        condition = sa.text("event_seq IS NOT NULL")
        op.create_index(
            f"ix_{table}_event_seq", table, ["event_seq"], sqlite_where=condition, postgresql_where=condition
        )
    with op.batch_alter_table("delivery_log") as batch:
        batch.add_column(sa.Column("event_seqs", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_log") as batch:
        batch.drop_column("event_seqs")
    for table in TABLES:
        op.drop_index(f"ix_{table}_event_seq", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("event_seq")
