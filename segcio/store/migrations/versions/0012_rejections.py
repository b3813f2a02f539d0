"""rejected_events: one row per request, with how many messages it rejected and a few examples

Revision ID: 0012_rejections
Revises: 0011_failed_events

A batch of 250,000 invalid items wrote 250,000 rows. A row now stands for the rejected messages of one request:
`count` of them, up to five `examples` (JSON: index, code, reason, body); existing rows are single rejections.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_rejections"
down_revision = "0011_failed_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rejected_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("count", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("examples", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rejected_events", schema=None) as batch_op:
        batch_op.drop_column("examples")
        batch_op.drop_column("count")
