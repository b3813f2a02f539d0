"""Tables of the local Customer.io-compatible workspace: people, events, devices, objects, relationships,
suppressions, anonymous ids, pending group calls, delivery metrics and the activity log.

Attributes are stored as one JSON document per person/object/relationship (plus a JSON map of when each
attribute was last set) so that applying an operation reads and writes one row. There are no foreign keys:
the engine deletes dependent rows itself and writes rows in batches whose order it controls.
"""

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, String, Table, Text

from segcio.store.metadata import metadata

# BigInteger primary keys autoincrement on PostgreSQL; on SQLite they must be INTEGER to alias rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")

# Rows of the event and activity logs are grouped into buckets of this many consecutive ids (`bucket` = id //
# ID_BUCKET). Their per-person index is keyed (bucket, person_id): a new row's entry goes into the newest bucket's
# few pages instead of a random page of a person-ordered index, and a person's rows are found with one seek per
# bucket (`bucket IN (...) AND person_id = ?`, see segcio.workspace.unit.person_rows).
ID_BUCKET = 8192

# People. `id` is internal and never reused (SQLite AUTOINCREMENT, PostgreSQL sequence); the public cio_id is
# derived from it. `ext_id` is the person's `id` identifier (case-sensitive); `email_key` is the case-folded
# email when email is an identifier (NULL in id-only workspaces, where email is an ordinary attribute).
ws_people = Table(
    "ws_people",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("ext_id", Text, nullable=True),
    Column("email", Text, nullable=True),
    Column("email_key", Text, nullable=True),
    Column("attributes", Text, nullable=False),
    Column("timestamps", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    sqlite_autoincrement=True,
)
Index("ux_ws_people_ext_id", ws_people.c.workspace_id, ws_people.c.ext_id, unique=True)
Index("ux_ws_people_email_key", ws_people.c.workspace_id, ws_people.c.email_key, unique=True)
# No index on `email`: people by email in id-only workspaces match `email = x OR lower(email) = x`, which no
# such index serves (and every new person would write an entry at a random place in it).

# Events, page and screen views. Anonymous events have person_id NULL and an anonymous_id; once merged they keep
# the anonymous_id (where they came from) and gain the person_id.
ws_events = Table(
    "ws_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("person_id", BigInteger, nullable=True),
    Column("anonymous_id", Text, nullable=True),
    Column("event_id", Text, nullable=True),
    Column("type", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("timestamp", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("data", Text, nullable=False),
    Column("bucket", Integer, nullable=True),  # id // ID_BUCKET, set by the writer
    # The log event (`events.seq`) a destination applied this from; NULL for Track API and UI writes.
    Column("event_seq", BigInteger, nullable=True),
)
Index("ux_ws_events_event_id", ws_events.c.workspace_id, ws_events.c.event_id, unique=True)
Index("ix_ws_events_bucket_person", ws_events.c.bucket, ws_events.c.person_id)
# Partial: most events have no anonymous id, and lookups are by equality (which implies NOT NULL).
Index(
    "ix_ws_events_anonymous",
    ws_events.c.workspace_id,
    ws_events.c.anonymous_id,
    sqlite_where=ws_events.c.anonymous_id.isnot(None),
    postgresql_where=ws_events.c.anonymous_id.isnot(None),
)

# Anonymous ids consumed by an identify: "must be unique and is not reusable".
ws_anonymous_ids = Table(
    "ws_anonymous_ids",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("anonymous_id", Text, primary_key=True),
    Column("person_id", BigInteger, nullable=False, index=True),
    Column("consumed_at", Float, nullable=False),
)

# Group calls (object identify_anonymous) waiting for their anonymous person to be identified.
ws_pending_relationships = Table(
    "ws_pending_relationships",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("anonymous_id", Text, nullable=False),
    Column("operation", Text, nullable=False),
    Column("received_at", Float, nullable=False),
)
Index(
    "ix_ws_pending_relationships_anon",
    ws_pending_relationships.c.workspace_id,
    ws_pending_relationships.c.anonymous_id,
)

# Push devices, keyed by token: one token belongs to one person.
ws_devices = Table(
    "ws_devices",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("token", Text, primary_key=True),
    Column("person_id", BigInteger, nullable=False, index=True),
    Column("platform", String(16), nullable=False),
    Column("last_used", Float, nullable=False),
    Column("attributes", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Blocked identifiers of suppressed people. `kind` is "id" or "email" (email case-folded); rows of one
# suppressed profile share `group_key` so that unsuppressing one identifier frees the others too.
ws_suppressions = Table(
    "ws_suppressions",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("value", Text, primary_key=True),
    Column("group_key", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
)
Index("ix_ws_suppressions_group", ws_suppressions.c.workspace_id, ws_suppressions.c.group_key)

ws_object_types = Table(
    "ws_object_types",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    Column("type_id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("auto_created", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
)

# Objects; cio_object_id is derived from `id`.
ws_objects = Table(
    "ws_objects",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("type_id", Integer, nullable=False),
    Column("object_id", Text, nullable=False),
    Column("attributes", Text, nullable=False),
    Column("timestamps", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    sqlite_autoincrement=True,
)
Index("ux_ws_objects_type_object", ws_objects.c.workspace_id, ws_objects.c.type_id, ws_objects.c.object_id, unique=True)

ws_relationships = Table(
    "ws_relationships",
    metadata,
    Column("person_id", BigInteger, primary_key=True),
    Column("object_pk", BigInteger, primary_key=True),
    Column("workspace_id", Integer, nullable=False),
    Column("attributes", Text, nullable=False),
    # attribute -> when it was last set or removed (Unix seconds), as ws_people.timestamps
    Column("timestamps", Text, nullable=False, server_default="{}"),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
Index("ix_ws_relationships_object", ws_relationships.c.object_pk)

# Delivery metrics (v2 type "delivery", v1 /metrics and /push/events).
ws_delivery_metrics = Table(
    "ws_delivery_metrics",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("delivery_id", Text, nullable=False),
    Column("metric", String(32), nullable=False),
    Column("timestamp", Float, nullable=False),
    Column("data", Text, nullable=False),
    Column("received_at", Float, nullable=False),
)
Index("ix_ws_delivery_metrics_delivery", ws_delivery_metrics.c.workspace_id, ws_delivery_metrics.c.delivery_id)

# The activity log (everything except events, page and screen views, which live in ws_events and are shown in
# the log from there). Failed changes have person_id/object_pk NULL when nothing matched; `data` then names the
# identifiers that were sent.
ws_activities = Table(
    "ws_activities",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("workspace_id", Integer, nullable=False),
    Column("person_id", BigInteger, nullable=True),
    Column("object_pk", BigInteger, nullable=True),
    Column("type", String(120), nullable=False),
    Column("name", Text, nullable=True),
    Column("timestamp", Float, nullable=False),
    Column("source", String(32), nullable=False),
    Column("data", Text, nullable=False),
    Column("bucket", Integer, nullable=True),  # id // ID_BUCKET, set by the writer
    Column("event_seq", BigInteger, nullable=True),  # as ws_events.event_seq
)
Index("ix_ws_activities_bucket_person", ws_activities.c.bucket, ws_activities.c.person_id)
# Partial: most activities concern a person only.
Index(
    "ix_ws_activities_object",
    ws_activities.c.object_pk,
    ws_activities.c.id,
    sqlite_where=ws_activities.c.object_pk.isnot(None),
    postgresql_where=ws_activities.c.object_pk.isnot(None),
)
Index("ix_ws_activities_type", ws_activities.c.workspace_id, ws_activities.c.type, ws_activities.c.id)

# An event's trace finds what it caused in the workspace. Partial, and keyed by a number that grows with the log:
# a routed row's entry goes to the end of the index; Track API and UI writes add none.
Index(
    "ix_ws_events_event_seq",
    ws_events.c.event_seq,
    sqlite_where=ws_events.c.event_seq.isnot(None),
    postgresql_where=ws_events.c.event_seq.isnot(None),
)
Index(
    "ix_ws_activities_event_seq",
    ws_activities.c.event_seq,
    sqlite_where=ws_activities.c.event_seq.isnot(None),
    postgresql_where=ws_activities.c.event_seq.isnot(None),
)
