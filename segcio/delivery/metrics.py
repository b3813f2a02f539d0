"""Prometheus metrics of remote delivery (this process's share), on the registry `/metrics` serves."""

from prometheus_client import Counter

from segcio.metrics import registry

REQUESTS = Counter(
    "segcio_delivery_requests",
    "HTTP requests sent to remote destinations, by outcome.",
    ["destination", "outcome"],
    registry=registry,
)
ITEMS_DELIVERED = Counter(
    "segcio_delivery_items_delivered", "Operations/requests accepted by the remote.", ["destination"], registry=registry
)
RETRIES = Counter(
    "segcio_delivery_retries", "Operations scheduled for another attempt.", ["destination"], registry=registry
)
DEAD_LETTERED = Counter(
    "segcio_delivery_dead_lettered", "Operations moved to the dead-letter queue.", ["destination"], registry=registry
)
