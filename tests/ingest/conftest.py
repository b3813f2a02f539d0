"""An in-process segcio (real database, real group-commit writer) behind Starlette's TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from segcio import jsonutil
from segcio.app import create_app
from segcio.config import Settings
from segcio.runtime import Runtime
from segcio.store.counters import read
from segcio.store.tables.core import events, rejected_events


class Ingest:
    """A test client plus readers for what ingestion stored."""

    def __init__(self, client: TestClient, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime
        self.write_key = runtime.defaults.write_key
        self.auth = (self.write_key, "")

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        if body is not None and "content" not in kwargs:
            kwargs["content"] = jsonutil.dumpb(body)
        kwargs.setdefault("auth", self.auth)
        return self.client.post(path, **kwargs)

    def stored(self) -> list[dict[str, Any]]:
        with self.runtime.db.connect() as conn:
            rows = conn.execute(select(events.c.body).order_by(events.c.seq)).scalars().all()
        return [jsonutil.loads(row) for row in rows]

    def rejected(self) -> list[tuple[str, str]]:
        with self.runtime.db.connect() as conn:
            rows = conn.execute(select(rejected_events.c.code, rejected_events.c.reason)).all()
        return [(row.code, row.reason) for row in rows]

    def rejections(self) -> list[dict[str, Any]]:
        """Rejection rows (one per request and reason), oldest first."""
        with self.runtime.db.connect() as conn:
            rows = conn.execute(select(rejected_events).order_by(rejected_events.c.id)).all()
        return [dict(row._mapping) for row in rows]

    def counters(self) -> dict[str, int]:
        with self.runtime.db.connect() as conn:
            return {f"{scope}/{name}": value for (scope, name), value in read(conn).items()}


def make_ingest(database_url: str, tmp_path: Path, **settings: Any) -> Iterator[Ingest]:
    app = create_app(Settings(data_dir=tmp_path, database=database_url, run_workers=False, **settings))
    with TestClient(app) as client:
        yield Ingest(client, app.state.runtime)


@pytest.fixture
def ingest(database_url: str, tmp_path: Path) -> Iterator[Ingest]:
    """Runs each test on SQLite and on PostgreSQL."""
    yield from make_ingest(database_url, tmp_path)


@pytest.fixture
def ingest_sqlite(tmp_path: Path) -> Iterator[Ingest]:
    yield from make_ingest(f"sqlite:///{tmp_path / 'segcio.db'}", tmp_path)
