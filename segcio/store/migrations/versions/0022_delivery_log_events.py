"""delivery_log: the event name, message id and people a row is about; rejected_events by code

Revision ID: 0022_delivery_log_events
Revises: 0018_attribute_order

Delivery-log rows written before keep NULL there: they are found by outcome, person and time, not by event name.
The index on rejected_events(code, id) serves the Sources page's rejections grouped by code.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_delivery_log_events"
down_revision = "0020_event_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_log") as batch:
        batch.add_column(sa.Column("event_name", sa.Text(), nullable=True))
        batch.add_column(sa.Column("message_id", sa.Text(), nullable=True))
        batch.add_column(sa.Column("person_keys", sa.Text(), nullable=True))
    op.create_index("ix_rejected_events_code", "rejected_events", ["code", "id"])


def downgrade() -> None:
    op.drop_index("ix_rejected_events_code", table_name="rejected_events")
    with op.batch_alter_table("delivery_log") as batch:
        batch.drop_column("person_keys")
        batch.drop_column("message_id")
        batch.drop_column("event_name")
