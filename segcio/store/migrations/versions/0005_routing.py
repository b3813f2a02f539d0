"""routing tables

Revision ID: 0005_routing
Revises: 0004_delivery
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_routing"
down_revision = "0004_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
