"""The objects one running segcio process shares: settings, database, defaults, background services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from fastapi import Request

from segcio.config import Settings
from segcio.store import Database
from segcio.store.defaults import Defaults


# What the layers read of services that live above them; segcio.services sets the concrete objects.
class Backlog(Protocol):
    """Events not yet routed or delivered (segcio.pipeline.backlog.Backpressure)."""

    def refresh(self) -> int: ...

    def retry_after(self) -> int | None: ...


class RateLimit(Protocol):
    """The App API's requests per second and workspace (segcio.workspace.app_rate.AppRateLimit)."""

    def retry_after(self, workspace_id: int) -> int: ...

    def message(self) -> str: ...


class Reloadable(Protocol):
    """A cache of database rows, read again on `refresh` (segcio.ingest.suppression.SuppressionSet)."""

    def refresh(self) -> None: ...


@dataclass
class Runtime:
    settings: Settings
    db: Database
    defaults: Defaults
    # The long-lived services, set by segcio.services.create before the app serves.
    backlog: Backlog = field(init=False, repr=False)
    app_api_rate: RateLimit = field(init=False, repr=False)
    suppressions: Reloadable = field(init=False, repr=False)
    routing: bool = field(default=False, init=False)  # this process routes and delivers events too


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
