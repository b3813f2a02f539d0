"""Start and stop the background services of a process (ingest writer, delivery workers)."""

from __future__ import annotations

from segcio.runtime import Runtime


async def start(runtime: Runtime) -> None:
    """Start every service this process runs."""


async def stop(runtime: Runtime) -> None:
    """Stop them, flushing what they hold."""
    runtime.db.dispose()
