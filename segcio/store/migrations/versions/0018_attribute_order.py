"""ws_relationships.timestamps: when each relationship attribute was last set or removed

Revision ID: 0018_attribute_order
Revises: 0016_destination_start

Relationship attributes are applied per attribute by the time of the update, like people's and objects'
attributes, so each relationship keeps the time of every attribute (and of removed ones). Existing
relationships start with none: their next update of an attribute is applied whatever its time.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_attribute_order"
down_revision = "0016_destination_start"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ws_relationships") as batch:
        batch.add_column(sa.Column("timestamps", sa.Text(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("ws_relationships") as batch:
        batch.drop_column("timestamps")
