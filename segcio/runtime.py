"""The objects one running segcio process shares: settings, database, defaults, background services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from segcio.config import Settings
from segcio.store import Database
from segcio.store.defaults import Defaults


@dataclass
class Runtime:
    settings: Settings
    db: Database
    defaults: Defaults
    # Long-lived services by name (ingest writer, delivery workers, ...), started and stopped with the app.
    services: dict[str, Any] = field(default_factory=dict)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
