"""Enabled destinations with their compiled processors, reloaded when their configuration changes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from segcio import jsonutil
from segcio.destinations.kinds import ACTIONS_KIND, CLASSIC_KIND
from segcio.pipeline.processors import Processor, processor_for
from segcio.store.tables.core import destinations


@dataclass
class Destination:
    id: int
    source_id: int
    kind: str
    settings: dict[str, Any]
    processor: Processor
    fingerprint: str
    # Classic and actions both enabled on this source (during a migration): every call is delivered twice.
    side_by_side: bool = False

    @property
    def is_local(self) -> bool:
        return bool(self.settings.get("target", "local") == "local")

    @property
    def workspace_id(self) -> int:
        return int(self.settings.get("workspace_id") or 1)


def _subscriptions(conn: Connection, destination_id: int) -> list[dict[str, Any]]:
    from segcio.destinations.subscriptions import load_subscriptions

    return load_subscriptions(conn, destination_id)


class DestinationCache:
    """Compiles a destination once and again only when its settings or subscriptions change."""

    def __init__(self) -> None:
        self._cache: dict[int, Destination] = {}

    def load(self, conn: Connection) -> list[Destination]:
        rows = conn.execute(select(destinations).where(destinations.c.enabled.is_(True))).all()
        kinds: dict[int, set[str]] = {}
        for row in rows:
            kinds.setdefault(row.source_id, set()).add(row.kind)
        out = []
        for row in rows:
            subscriptions = _subscriptions(conn, row.id)
            fingerprint = hashlib.sha1((row.kind + row.settings + jsonutil.dumps(subscriptions)).encode()).hexdigest()
            cached = self._cache.get(row.id)
            if cached is None or cached.fingerprint != fingerprint:
                settings = jsonutil.loads(row.settings)
                cached = Destination(
                    id=row.id,
                    source_id=row.source_id,
                    kind=row.kind,
                    settings=settings,
                    processor=processor_for(row.kind, settings, subscriptions),
                    fingerprint=fingerprint,
                )
                self._cache[row.id] = cached
            cached.side_by_side = kinds[row.source_id] >= {ACTIONS_KIND, CLASSIC_KIND}
            out.append(cached)
        return out
