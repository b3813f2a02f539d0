"""outbox, dead_letters: credentials removed from the stored request headers

Revision ID: 0014_outbox_no_credentials
Revises: 0013_sessions

The sender adds a destination's credentials when it sends a request, from the destination's current settings,
so queued requests and dead letters no longer keep an `Authorization` header; this removes the ones stored
before (every other header stays).
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0014_outbox_no_credentials"
down_revision = "0013_sessions"
branch_labels = None
depends_on = None

CREDENTIAL_HEADERS = ("authorization", "proxy-authorization")


def upgrade() -> None:
    conn = op.get_bind()
    for name in ("outbox", "dead_letters"):
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("headers", sa.Text))
        last = 0
        while True:  # in chunks: an outbox may hold a long backlog
            stored = conn.execute(
                sa.select(table.c.id, table.c.headers)
                .where(table.c.id > last, sa.func.lower(table.c.headers).like("%authorization%"))
                .order_by(table.c.id)
                .limit(1000)
            ).all()
            if not stored:
                break
            last = stored[-1].id
            updates = []
            for row in stored:
                headers = json.loads(row.headers)
                kept = {k: v for k, v in headers.items() if k.lower() not in CREDENTIAL_HEADERS}
                if kept != headers:
                    updates.append(
                        {"row_id": row.id, "kept": json.dumps(kept, ensure_ascii=False, separators=(",", ":"))}
                    )
            if updates:
                conn.execute(
                    table.update().where(table.c.id == sa.bindparam("row_id")).values(headers=sa.bindparam("kept")),
                    updates,
                )


def downgrade() -> None:
    pass  # the credentials removed are not kept anywhere; the sender adds them at send time either way
