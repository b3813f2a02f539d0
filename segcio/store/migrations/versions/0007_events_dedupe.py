"""events: no unique (source_id, message_id) index on SQLite

Revision ID: 0007_events_dedupe
Revises: 0006_workspace_indexes

On SQLite the one ingesting process remembers the message ids of the dedupe window in memory; the index, keyed by
random ids, rewrote a page at a random place for every stored event. PostgreSQL keeps it as the shared authority.
"""

from alembic import op

revision = "0007_events_dedupe"
down_revision = "0006_workspace_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ux_events_source_message", table_name="events")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ux_events_source_message", "events", ["source_id", "message_id"], unique=True)
