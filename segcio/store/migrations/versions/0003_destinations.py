"""destinations tables

Revision ID: 0003_destinations
Revises: 0002_workspace
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0003_destinations"
down_revision = "0002_workspace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
