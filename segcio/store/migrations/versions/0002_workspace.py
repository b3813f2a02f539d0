"""workspace tables

Revision ID: 0002_workspace
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_workspace"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ws_activities",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("object_pk", sa.BigInteger(), nullable=True),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_activities")),
    )
    with op.batch_alter_table("ws_activities", schema=None) as batch_op:
        batch_op.create_index("ix_ws_activities_object", ["object_pk", "id"], unique=False)
        batch_op.create_index("ix_ws_activities_person", ["person_id", "id"], unique=False)
        batch_op.create_index("ix_ws_activities_type", ["workspace_id", "type", "id"], unique=False)

    op.create_table(
        "ws_anonymous_ids",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("anonymous_id", sa.Text(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("consumed_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "anonymous_id", name=op.f("pk_ws_anonymous_ids")),
    )
    with op.batch_alter_table("ws_anonymous_ids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ws_anonymous_ids_person_id"), ["person_id"], unique=False)

    op.create_table(
        "ws_delivery_metrics",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Text(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_delivery_metrics")),
    )
    with op.batch_alter_table("ws_delivery_metrics", schema=None) as batch_op:
        batch_op.create_index("ix_ws_delivery_metrics_delivery", ["workspace_id", "delivery_id"], unique=False)

    op.create_table(
        "ws_devices",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("last_used", sa.Float(), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "token", name=op.f("pk_ws_devices")),
    )
    with op.batch_alter_table("ws_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ws_devices_person_id"), ["person_id"], unique=False)

    op.create_table(
        "ws_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("anonymous_id", sa.Text(), nullable=True),
        sa.Column("event_id", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("timestamp", sa.Float(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_events")),
    )
    with op.batch_alter_table("ws_events", schema=None) as batch_op:
        batch_op.create_index("ix_ws_events_anonymous", ["workspace_id", "anonymous_id"], unique=False)
        batch_op.create_index("ix_ws_events_person", ["person_id", "id"], unique=False)
        batch_op.create_index("ux_ws_events_event_id", ["workspace_id", "event_id"], unique=True)

    op.create_table(
        "ws_object_types",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("auto_created", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "type_id", name=op.f("pk_ws_object_types")),
    )
    op.create_table(
        "ws_objects",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Text(), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("timestamps", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_objects")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("ws_objects", schema=None) as batch_op:
        batch_op.create_index("ux_ws_objects_type_object", ["workspace_id", "type_id", "object_id"], unique=True)

    op.create_table(
        "ws_pending_relationships",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("anonymous_id", sa.Text(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_pending_relationships")),
    )
    with op.batch_alter_table("ws_pending_relationships", schema=None) as batch_op:
        batch_op.create_index("ix_ws_pending_relationships_anon", ["workspace_id", "anonymous_id"], unique=False)

    op.create_table(
        "ws_people",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("ext_id", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("email_key", sa.Text(), nullable=True),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("timestamps", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_people")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("ws_people", schema=None) as batch_op:
        batch_op.create_index("ix_ws_people_email", ["workspace_id", "email"], unique=False)
        batch_op.create_index("ux_ws_people_email_key", ["workspace_id", "email_key"], unique=True)
        batch_op.create_index("ux_ws_people_ext_id", ["workspace_id", "ext_id"], unique=True)

    op.create_table(
        "ws_relationships",
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("object_pk", sa.BigInteger(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "object_pk", name=op.f("pk_ws_relationships")),
    )
    with op.batch_alter_table("ws_relationships", schema=None) as batch_op:
        batch_op.create_index("ix_ws_relationships_object", ["object_pk"], unique=False)

    op.create_table(
        "ws_suppressions",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("group_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "kind", "value", name=op.f("pk_ws_suppressions")),
    )
    with op.batch_alter_table("ws_suppressions", schema=None) as batch_op:
        batch_op.create_index("ix_ws_suppressions_group", ["workspace_id", "group_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ws_suppressions", schema=None) as batch_op:
        batch_op.drop_index("ix_ws_suppressions_group")

    op.drop_table("ws_suppressions")
    with op.batch_alter_table("ws_relationships", schema=None) as batch_op:
        batch_op.drop_index("ix_ws_relationships_object")

    op.drop_table("ws_relationships")
    with op.batch_alter_table("ws_people", schema=None) as batch_op:
        batch_op.drop_index("ux_ws_people_ext_id")
        batch_op.drop_index("ux_ws_people_email_key")
        batch_op.drop_index("ix_ws_people_email")

    op.drop_table("ws_people")
    with op.batch_alter_table("ws_pending_relationships", schema=None) as batch_op:
        batch_op.drop_index("ix_ws_pending_relationships_anon")

    op.drop_table("ws_pending_relationships")
    with op.batch_alter_table("ws_objects", schema=None) as batch_op:
        batch_op.drop_index("ux_ws_objects_type_object")

    op.drop_table("ws_objects")
    op.drop_table("ws_object_types")
    with op.batch_alter_table("ws_events", schema=None) as batch_op:
        batch_op.drop_index("ux_ws_events_event_id")
        batch_op.drop_index("ix_ws_events_person")
        batch_op.drop_index("ix_ws_events_anonymous")

    op.drop_table("ws_events")
    with op.batch_alter_table("ws_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ws_devices_person_id"))

    op.drop_table("ws_devices")
    with op.batch_alter_table("ws_delivery_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_ws_delivery_metrics_delivery")

    op.drop_table("ws_delivery_metrics")
    with op.batch_alter_table("ws_anonymous_ids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ws_anonymous_ids_person_id"))

    op.drop_table("ws_anonymous_ids")
    with op.batch_alter_table("ws_activities", schema=None) as batch_op:
        batch_op.drop_index("ix_ws_activities_type")
        batch_op.drop_index("ix_ws_activities_person")
        batch_op.drop_index("ix_ws_activities_object")

    op.drop_table("ws_activities")
