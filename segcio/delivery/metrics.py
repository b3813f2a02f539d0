"""Prometheus metrics of remote delivery (this process's share; the database holds the totals)."""

from prometheus_client import Counter

REQUESTS = Counter(
    "segcio_delivery_requests_total", "HTTP requests sent to remote destinations", ["destination", "outcome"]
)
ITEMS_DELIVERED = Counter("segcio_delivery_items_delivered_total", "Requests/items accepted", ["destination"])
RETRIES = Counter("segcio_delivery_retries_total", "Items scheduled for another attempt", ["destination"])
DEAD_LETTERED = Counter("segcio_delivery_dead_lettered_total", "Items moved to the dead-letter queue", ["destination"])
