"""destination_periods, replayed_events: where each destination started, and what a replay applied

Revision ID: 0016_destination_start
Revises: 0014_outbox_no_credentials

A destination starts at the end of the log when it is turned on; a replay into the local workspace applies only
events no period of the destination covered and no earlier replay applied. Existing destinations are taken to have
routed the whole log so far (their cursors started at 0), so a replay never applies an event to them twice.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_destination_start"
down_revision = "0014_outbox_no_credentials"
branch_labels = None
depends_on = None


def upgrade() -> None:
    periods = op.create_table(
        "destination_periods",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("start_seq", sa.BigInteger(), nullable=False),
        sa.Column("end_seq", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_destination_periods_destination", "destination_periods", ["destination_id"])
    op.create_table(
        "replayed_events",
        sa.Column("destination_id", sa.Integer(), primary_key=True),
        sa.Column("event_seq", sa.BigInteger(), primary_key=True),
        sa.Column("replayed_at", sa.Float(), nullable=False),
    )
    conn = op.get_bind()
    destinations = sa.table("destinations", sa.column("id", sa.Integer), sa.column("enabled", sa.Boolean))
    events = sa.table("events", sa.column("seq", sa.BigInteger))
    end = conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0))).scalar_one()
    rows = [
        {"destination_id": row.id, "start_seq": 0, "end_seq": None if row.enabled else end}
        for row in conn.execute(sa.select(destinations.c.id, destinations.c.enabled))
    ]
    if rows:
        op.bulk_insert(periods, rows)


def downgrade() -> None:
    op.drop_table("replayed_events")
    op.drop_index("ix_destination_periods_destination", table_name="destination_periods")
    op.drop_table("destination_periods")
