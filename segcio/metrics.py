"""Prometheus metrics of this process (the persistent `counters` table holds the totals of all processes)."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

registry = CollectorRegistry(auto_describe=True)

ingest_messages = Counter(
    "segcio_ingest_messages", "Messages seen by the Tracking API, by outcome.", ["outcome"], registry=registry
)
ingest_rejected = Counter(
    "segcio_ingest_rejected", "Messages rejected at ingestion, by reason code.", ["reason"], registry=registry
)
ingest_requests = Counter(
    "segcio_ingest_requests", "Tracking API requests, by HTTP status.", ["status"], registry=registry
)
ingest_latency = Histogram(
    "segcio_ingest_request_seconds",
    "Tracking API request latency (until durably committed).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=registry,
)
ingest_writer = Histogram(
    "segcio_ingest_writer_seconds",
    "Time the event log's group-commit writer spends per group, by phase: insert (the group's rows), commit "
    "(until durable) and checkpoint (SQLite: what the writer copies of the WAL itself).",
    ["phase"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
    registry=registry,
)
ingest_group_events = Histogram(
    "segcio_ingest_group_events",
    "Events per group commit of the event log (the requests waiting when the writer begins share one).",
    buckets=(1, 10, 100, 500, 1000, 2500, 5000, 10000, 20000),
    registry=registry,
)
backlog = Gauge(
    "segcio_backlog_events", "Events not yet fully delivered, by destination.", ["destination"], registry=registry
)
failed_events = Gauge(
    "segcio_failed_events",
    "Events in a destination's failed state (processing or delivery raised; replayable), by destination.",
    ["destination"],
    registry=registry,
)
failures = Gauge(
    "segcio_destination_failures",
    "What did not reach a destination, by kind: refused (events an action or the workspace refused, since the "
    "start), parked (events in the failed state now), dead_letters (requests in the dead-letter queue now).",
    ["destination", "kind"],
    registry=registry,
)
failures_total = Gauge(
    "segcio_destination_failed",
    "A destination's failures: refused + parked + dead_letters (the Failed figure of the UI and the CLI).",
    ["destination"],
    registry=registry,
)
log_pruned = Counter(
    "segcio_log_pruned_total",
    "Rows deleted by retention: routed events and rejections (one row per request) older than "
    "event_log_retention_hours; "
    "anonymous events and held group calls older than a workspace's anonymous_retention_days.",
    ["table"],
    registry=registry,
)
dedupe_ids = Gauge(
    "segcio_ingest_dedupe_ids",
    "Message ids remembered for dedupe (SQLite; bounded by dedupe_memory_ids).",
    registry=registry,
)
dedupe_window = Gauge(
    "segcio_ingest_dedupe_window_seconds",
    "How far back a resent message id is recognised: dedupe_window_seconds, or less once the memory bound "
    "made the oldest ids be forgotten (SQLite).",
    registry=registry,
)
delivery_requests = Counter(
    "segcio_delivery_requests",
    "HTTP requests sent to remote destinations, by outcome.",
    ["destination", "outcome"],
    registry=registry,
)
delivery_items_delivered = Counter(
    "segcio_delivery_items_delivered", "Operations/requests accepted by the remote.", ["destination"], registry=registry
)
delivery_retries = Counter(
    "segcio_delivery_retries", "Operations scheduled for another attempt.", ["destination"], registry=registry
)
delivery_dead_lettered = Counter(
    "segcio_delivery_dead_lettered", "Operations moved to the dead-letter queue.", ["destination"], registry=registry
)
