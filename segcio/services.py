"""Start and stop the background services of a process (ingest writer, backpressure, delivery workers)."""

from __future__ import annotations

from dataclasses import dataclass

from segcio.ingest.service import IngestService
from segcio.pipeline.backlog import Backpressure
from segcio.pipeline.senders import SenderSupervisor
from segcio.pipeline.worker import RoutingWorker
from segcio.runtime import Runtime
from segcio.web.live import LiveTail
from segcio.workspace.app_rate import AppRateLimit


@dataclass
class Services:
    runtime: Runtime
    ingest: IngestService
    backpressure: Backpressure
    app_api_rate: AppRateLimit
    live_tail: LiveTail
    router: RoutingWorker | None = None
    senders: SenderSupervisor | None = None


def create(runtime: Runtime) -> Services:
    """Create the services (not started), so request handlers always find them."""
    settings = runtime.settings
    services = Services(
        runtime,
        IngestService(
            runtime.db, settings.max_batch_messages, settings.dedupe_window_seconds, settings.dedupe_memory_ids
        ),
        Backpressure(runtime.db, settings.max_backlog),
        AppRateLimit(settings.app_api_rate_limit),
        LiveTail(runtime.db),
    )
    runtime.backlog = services.backpressure
    runtime.app_api_rate = services.app_api_rate
    runtime.suppressions = services.ingest.suppressions
    return services


async def start(services: Services) -> None:
    services.ingest.start()
    services.backpressure.start()
    runtime = services.runtime
    settings = runtime.settings
    if settings.run_workers:
        worker = RoutingWorker(runtime.db, keep_seconds=settings.event_log_keep_seconds)
        worker.start()
        services.router = worker
        senders = SenderSupervisor(runtime.db)
        senders.start()
        services.senders = senders
        runtime.routing = True


async def stop(services: Services) -> None:
    """Stop them, flushing what they hold."""
    runtime = services.runtime
    runtime.routing = False
    if services.router is not None:
        services.router.stop()
        services.router = None
    if services.senders is not None:
        services.senders.stop()
        services.senders = None
    await services.backpressure.stop()
    services.ingest.stop()
    runtime.db.dispose()
