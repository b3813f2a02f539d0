"""Core tables: workspaces, sources, destinations, the event log and rejected messages."""

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, String, Table, Text

from segcio.store.metadata import metadata

# BigInteger primary keys autoincrement on PostgreSQL; on SQLite they must be INTEGER to alias rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("site_id", String(64), nullable=False, unique=True),
    Column("api_key", String(128), nullable=False),
    Column("app_api_key", String(128), nullable=False, unique=True),
    # JSON: identifier mode, anonymous merge, email updates by id, auto-merge.
    Column("settings", Text, nullable=False, default="{}"),
    Column("created_at", Float, nullable=False),
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("write_key", String(128), nullable=False, unique=True),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", Float, nullable=False),
)

destinations = Table(
    "destinations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, nullable=False, index=True),
    # "customerio-actions" or "customerio-classic".
    Column("kind", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    # JSON: siteId, apiKey, accountRegion; target "local" (workspace_id) or "remote" (base_url).
    Column("settings", Text, nullable=False, default="{}"),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", Float, nullable=False),
)

# The durable, append-only event log. `seq` gives the total order; `partition` (hash of the person key)
# lets several workers share the log while one person's events stay with one worker at a time. A seq is never
# issued twice, whatever retention or a regulation deletes (SQLite AUTOINCREMENT, PostgreSQL sequence): routers'
# cursors are seq numbers, and a reused one would fall behind them and never be routed.
events = Table(
    "events",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("source_id", Integer, nullable=False),
    Column("message_id", String(100), nullable=False),
    Column("type", String(16), nullable=False),
    Column("user_id", Text, nullable=True),
    Column("anonymous_id", Text, nullable=True),
    Column("partition", Integer, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("body", Text, nullable=False),
    sqlite_autoincrement=True,
)
# The dedupe authority on PostgreSQL, where several processes append; on SQLite one process appends and
# remembers the ids itself (segcio/eventlog/dedupe.py), sparing a page write at a random place per event.
Index("ux_events_source_message", events.c.source_id, events.c.message_id, unique=True).ddl_if(dialect="postgresql")
Index("ix_events_partition_seq", events.c.partition, events.c.seq)
# A regulation finds the delete events it appended by their message ids. Partial: only those few events are in it,
# so ingestion writes nothing more for ordinary events.
Index(
    "ix_events_regulation_deletes",
    events.c.message_id,
    sqlite_where=events.c.type == "delete",
    postgresql_where=events.c.type == "delete",
)

rejected_events = Table(
    "rejected_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source_id", Integer, nullable=True),
    Column("received_at", Float, nullable=False),
    Column("code", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("body", Text, nullable=False),
    # The messages of one request rejected for this code: how many, and a few of them as a JSON list of
    # {"index", "code", "reason", "body"} (NULL on rows of a single rejection, whose message is `body`).
    Column("count", Integer, nullable=False, server_default="1"),
    Column("examples", Text, nullable=True),
)
Index("ix_rejected_events_received_at", rejected_events.c.received_at)
# The Sources page adds rejections up by code and shows each code's newest rows.
Index("ix_rejected_events_code", rejected_events.c.code, rejected_events.c.id)

# Persistent counters (received, accepted, rejected by reason, deduplicated, suppressed, dropped ...),
# shared by every process; the Prometheus metrics of one process are a view of its own share.
counters = Table(
    "counters",
    metadata,
    Column("scope", String(100), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("value", BigInteger, nullable=False, default=0),
)
# Ingest's counters (per source: accepted, deduplicated, rejected ...), kept with the event log so that ingestion
# writes only the log's database; readers add them to `counters` (segcio/store/counters.py, `totals`).
log_counters = Table(
    "log_counters",
    metadata,
    Column("scope", String(100), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("value", BigInteger, nullable=False, default=0),
)
# The event log's tables: on SQLite with a file they live in the log's own file (segcio/eventlog/__init__.py).
LOG_TABLES = ("events", "rejected_events", "log_counters")

# Key/value settings of the installation (admin password hash, secret key, ...).
install_settings = Table(
    "install_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

# Logged-in UI sessions: the SHA-256 of the random id the session cookie carries. Deleting a row ends that session
# (logout, password change), whatever copies of the cookie exist.
ui_sessions = Table(
    "ui_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)
