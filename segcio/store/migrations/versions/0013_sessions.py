"""ui_sessions: logged-in UI sessions held on the server, so logout and a password change end them

Revision ID: 0013_sessions
Revises: 0012_rejections

A session cookie carries a random id; the table keeps its SHA-256. A copied cookie stops working once the row is
deleted. Sessions opened before this revision lived only in their signed cookie: they end here (log in again).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_sessions"
down_revision = "0012_rejections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ui_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ui_sessions")
