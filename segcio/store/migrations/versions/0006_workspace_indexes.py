"""workspace: fewer and smaller indexes on the apply path

Revision ID: 0006_workspace_indexes
Revises: 0005_routing

- ix_ws_people_email is dropped: its only query (people by email in id-only workspaces) matches
  `email = x OR lower(email) = x`, which no index on `email` serves, while every new person and email change
  wrote an entry at a random place in it.
- ix_ws_activities_object and ix_ws_events_anonymous become partial (object_pk / anonymous_id IS NOT NULL):
  most activities have no object and most events no anonymous id, and only equality lookups use them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_workspace_indexes"
down_revision = "0005_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ws_people_email", table_name="ws_people")
    op.drop_index("ix_ws_activities_object", table_name="ws_activities")
    op.create_index(
        "ix_ws_activities_object",
        "ws_activities",
        ["object_pk", "id"],
        unique=False,
        sqlite_where=sa.text("object_pk IS NOT NULL"),
        postgresql_where=sa.text("object_pk IS NOT NULL"),
    )
    op.drop_index("ix_ws_events_anonymous", table_name="ws_events")
    op.create_index(
        "ix_ws_events_anonymous",
        "ws_events",
        ["workspace_id", "anonymous_id"],
        unique=False,
        sqlite_where=sa.text("anonymous_id IS NOT NULL"),
        postgresql_where=sa.text("anonymous_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_ws_events_anonymous", table_name="ws_events")
    op.create_index("ix_ws_events_anonymous", "ws_events", ["workspace_id", "anonymous_id"], unique=False)
    op.drop_index("ix_ws_activities_object", table_name="ws_activities")
    op.create_index("ix_ws_activities_object", "ws_activities", ["object_pk", "id"], unique=False)
    op.create_index("ix_ws_people_email", "ws_people", ["workspace_id", "email"], unique=False)
