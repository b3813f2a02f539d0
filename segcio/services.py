"""Start and stop the background services of a process (ingest writer, backpressure, delivery workers)."""

from __future__ import annotations

from segcio.ingest.service import IngestService
from segcio.pipeline.backlog import Backpressure
from segcio.pipeline.senders import SenderSupervisor
from segcio.pipeline.worker import RoutingWorker
from segcio.runtime import Runtime
from segcio.workspace.app_rate import AppRateLimit


def create(runtime: Runtime) -> None:
    """Create the services (not started), so request handlers always find them."""
    settings = runtime.settings
    runtime.services["ingest"] = IngestService(
        runtime.db, settings.max_batch_messages, settings.dedupe_window_seconds, settings.dedupe_memory_ids
    )
    runtime.services["backpressure"] = Backpressure(runtime.db, settings.max_backlog)
    runtime.services["app_api_rate"] = AppRateLimit(settings.app_api_rate_limit)


async def start(runtime: Runtime) -> None:
    if "ingest" not in runtime.services:
        create(runtime)
    runtime.services["ingest"].start()
    runtime.services["backpressure"].start()
    settings = runtime.settings
    if settings.run_workers:
        worker = RoutingWorker(runtime.db, keep_seconds=settings.event_log_keep_seconds)
        worker.start()
        runtime.services["router"] = worker
        senders = SenderSupervisor(runtime.db)
        senders.start()
        runtime.services["senders"] = senders


async def stop(runtime: Runtime) -> None:
    """Stop them, flushing what they hold."""
    for name in ("router", "senders"):
        if name in runtime.services:
            runtime.services.pop(name).stop()
    await runtime.services["backpressure"].stop()
    runtime.services["ingest"].stop()
    runtime.db.dispose()
