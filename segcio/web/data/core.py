"""Reads and small writes over the core tables (sources, destinations, counters, event log, rejections)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from segcio import jsonutil
from segcio.ingest.sources import create_source
from segcio.store.counters import totals
from segcio.store.tables.core import destinations, events, sources, workspaces


@dataclass(frozen=True)
class Bucket:
    start: float
    count: int


def counter_table(conn: Connection) -> dict[str, dict[str, int]]:
    """Every persistent counter, as {scope: {name: value}}."""
    out: dict[str, dict[str, int]] = {}
    total = totals()
    for row in conn.execute(sa.select(total).order_by(total.c.scope, total.c.name)):
        out.setdefault(row.scope, {})[row.name] = int(row.value)
    return out


def counter_total(table: dict[str, dict[str, int]], name: str) -> int:
    """The sum of one counter name over all scopes."""
    return sum(values.get(name, 0) for values in table.values())


def throughput(conn: Connection, *, now: float | None = None, buckets: int = 30, width: int = 60) -> list[Bucket]:
    """Events received per `width` seconds over the last `buckets` periods, oldest first."""
    now = time.time() if now is None else now
    end = (int(now) // width + 1) * width
    start = end - buckets * width
    offset = events.c.received_at - start
    slot = sa.cast(offset / width, sa.Integer) if conn.dialect.name == "sqlite" else sa.func.floor(offset / width)
    rows = conn.execute(
        sa.select(slot.label("slot"), sa.func.count().label("n"))
        .where(events.c.received_at >= start, events.c.received_at < end)
        .group_by(slot)
    ).all()
    counts = {int(row.slot): int(row.n) for row in rows}
    return [Bucket(start + i * width, counts.get(i, 0)) for i in range(buckets)]


def list_sources(conn: Connection) -> list[Any]:
    return list(conn.execute(sa.select(sources).order_by(sources.c.id)))


def get_source(conn: Connection, source_id: int) -> Any:
    return conn.execute(sa.select(sources).where(sources.c.id == source_id)).first()


def add_source(conn: Connection, name: str) -> int:
    return create_source(conn, name)


def rotate_write_key(conn: Connection, source_id: int) -> str:
    key = secrets.token_urlsafe(24)
    conn.execute(sa.update(sources).where(sources.c.id == source_id).values(write_key=key))
    return key


def set_source_enabled(conn: Connection, source_id: int, enabled: bool) -> None:
    """Revoking a write key disables its source: ingestion stops accepting it within seconds."""
    conn.execute(sa.update(sources).where(sources.c.id == source_id).values(enabled=enabled))


def list_destinations(conn: Connection, source_id: int | None = None) -> list[dict[str, Any]]:
    query = sa.select(destinations).order_by(destinations.c.id)
    if source_id is not None:
        query = query.where(destinations.c.source_id == source_id)
    return [_destination(row) for row in conn.execute(query)]


def get_destination(conn: Connection, destination_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.select(destinations).where(destinations.c.id == destination_id)).first()
    return None if row is None else _destination(row)


def _destination(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    try:
        data["settings"] = jsonutil.loads(row.settings or "{}")
    except ValueError:
        data["settings"] = {}
    return data


def list_workspaces(conn: Connection) -> list[Any]:
    return list(
        conn.execute(sa.select(workspaces.c.id, workspaces.c.name, workspaces.c.site_id).order_by(workspaces.c.id))
    )


def workspace_credentials(conn: Connection, workspace_id: int) -> tuple[str, str] | None:
    row = conn.execute(
        sa.select(workspaces.c.site_id, workspaces.c.api_key).where(workspaces.c.id == workspace_id)
    ).first()
    return None if row is None else (str(row.site_id), str(row.api_key))
