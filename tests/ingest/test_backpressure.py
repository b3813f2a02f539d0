"""Ingestion answers 429 while the undelivered backlog is over `max_backlog`, and stores nothing of that request."""

from __future__ import annotations

from pathlib import Path

from tests.ingest.conftest import make_ingest
from tests.ingest.test_tracking_api import identify


def test_a_backlog_over_its_bound_gets_429_with_retry_after(tmp_path: Path) -> None:
    for ingest in make_ingest(f"sqlite:///{tmp_path / 'segcio.db'}", tmp_path, max_backlog=2):
        assert ingest.post("/v1/batch", {"batch": [identify("a"), identify("b"), identify("c")]}).status_code == 200
        assert ingest.runtime.services["backpressure"].refresh() == 3  # no destination has routed them yet
        response = ingest.post("/v1/batch", {"batch": [identify("d")]})
        assert response.status_code == 429
        assert response.json()["code"] == "too_many_requests"
        assert int(response.headers["Retry-After"]) > 0
        assert [m["userId"] for m in ingest.stored()] == ["a", "b", "c"]
