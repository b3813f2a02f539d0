"""destinations tables

Revision ID: 0003_destinations
Revises: 0002_workspace
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_destinations"
down_revision = "0002_workspace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "destination_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("subscribe", sa.Text(), nullable=False),
        sa.Column("partner_action", sa.String(length=100), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["destination_id"], ["destinations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_destination_subscriptions_name", "destination_subscriptions", ["destination_id", "name"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_destination_subscriptions_name", table_name="destination_subscriptions")
    op.drop_table("destination_subscriptions")
