"""workspace: event and activity logs indexed per person by id bucket

Revision ID: 0008_log_buckets
Revises: 0007_events_dedupe

ix_ws_events_person and ix_ws_activities_person were keyed (person_id, id): every event or activity of an existing
person wrote an entry at a random place in them (at 100k people about half of the pages a batch wrote). They are
replaced by (bucket, person_id) indexes, bucket = id // 8192 (stored in a new `bucket` column): new entries go into
the newest bucket's few pages, and a person's rows are found with one index seek per bucket.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_log_buckets"
down_revision = "0007_events_dedupe"
branch_labels = None
depends_on = None

ID_BUCKET = 8192


def upgrade() -> None:
    for table, old, new in (
        ("ws_events", "ix_ws_events_person", "ix_ws_events_bucket_person"),
        ("ws_activities", "ix_ws_activities_person", "ix_ws_activities_bucket_person"),
    ):
        op.add_column(table, sa.Column("bucket", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET bucket = id / {ID_BUCKET}")
        op.drop_index(old, table_name=table)
        op.create_index(new, table, ["bucket", "person_id"], unique=False)


def downgrade() -> None:
    for table, old, new in (
        ("ws_events", "ix_ws_events_person", "ix_ws_events_bucket_person"),
        ("ws_activities", "ix_ws_activities_person", "ix_ws_activities_bucket_person"),
    ):
        op.drop_index(new, table_name=table)
        op.create_index(old, table, ["person_id", "id"], unique=False)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("bucket")
