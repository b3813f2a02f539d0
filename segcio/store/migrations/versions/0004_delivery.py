"""delivery tables

Revision ID: 0004_delivery
Revises: 0003_destinations
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_delivery"
down_revision = "0003_destinations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
