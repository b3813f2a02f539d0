"""A routing worker: a thread that runs the router until stopped (in `segcio serve`, or `segcio worker`)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from segcio.pipeline.failed import describe
from segcio.pipeline.retention import Pruner
from segcio.pipeline.router import Router
from segcio.store import Database

log = logging.getLogger(__name__)


class RoutingWorker:
    IDLE_SLEEP = 0.05
    ERROR_SLEEP = 1.0

    def __init__(self, db: Database, owner: str | None = None, keep_seconds: float | None = None) -> None:
        self.router = Router(db, owner)
        self.pruner = Pruner(db, keep_seconds)
        self._stop = threading.Event()
        self._failing: str | None = None  # the failure of the latest steps, while they fail
        self._thread = threading.Thread(target=self._run, name="segcio-router", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        try:
            self.router.release()
        except Exception:
            log.exception("could not release routing leases")

    def run_forever(self) -> None:
        """Run in the calling thread until `stop()` (used by `segcio worker`)."""
        self._run()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                routed = self.router.step()
            except Exception as exc:
                # A passing database condition (events that fail are parked, not retried here): one traceback
                # per distinct failure, not one per retry.
                reason = describe(exc)
                if reason != self._failing:
                    log.exception("routing step failed; retrying every %.0f s until it passes", self.ERROR_SLEEP)
                self._failing = reason
                self._stop.wait(self.ERROR_SLEEP)
                continue
            if self._failing is not None:
                log.warning("routing steps pass again")
                self._failing = None
            self.pruner.maybe_prune()
            if routed == 0:
                self._stop.wait(self.IDLE_SLEEP)


def run_until_stopped(
    db: Database, owner: str | None, keep_seconds: float | None, ready: Callable[[str], None] | None = None
) -> None:
    """Route and deliver in this process until SIGTERM or Ctrl-C, then release the leases (`segcio worker`, and
    the worker process of `segcio serve`); `ready` is told the worker's name once it runs."""
    from segcio import tuning
    from segcio.pipeline.senders import SenderSupervisor

    routing, senders = RoutingWorker(db, owner, keep_seconds), SenderSupervisor(db)
    tuning.tune_for_serving()
    signal.signal(signal.SIGTERM, lambda *_: routing.request_stop())
    senders.start()
    if ready is not None:
        ready(routing.router.owner)
    try:
        routing.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        routing.stop()
        senders.stop()
