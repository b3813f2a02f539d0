"""routing tables

Revision ID: 0005_routing
Revises: 0004_delivery
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_routing"
down_revision = "0004_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cursors",
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("destination_id", "partition", name=op.f("pk_cursors")),
    )
    op.create_table(
        "routing_workers",
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("heartbeat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_routing_workers")),
    )
    op.create_table(
        "regulations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("regulation_type", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_ids", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("finished_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulations")),
    )
    op.create_table(
        "suppressions",
        sa.Column("user_id", sa.String(length=400), nullable=False),
        sa.Column("regulation_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_suppressions")),
    )


def downgrade() -> None:
    op.drop_table("suppressions")
    op.drop_table("regulations")
    op.drop_table("routing_workers")
    op.drop_table("cursors")
