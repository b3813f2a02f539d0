"""events: a partial index of the delete events regulations append

Revision ID: 0009_events_delete_index
Revises: 0008_log_buckets

A regulation's status ("FINISHED" once every destination has routed its delete events) looked its events up by a
message id pattern, which read the whole log. The index holds only events of type "delete".
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_events_delete_index"
down_revision = "0008_log_buckets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    only_deletes = sa.text("type = 'delete'")
    op.create_index(
        "ix_events_regulation_deletes",
        "events",
        ["message_id"],
        sqlite_where=only_deletes,
        postgresql_where=only_deletes,
    )


def downgrade() -> None:
    op.drop_index("ix_events_regulation_deletes", table_name="events")
