"""Keeps one outbox sender running per enabled remote destination (started, restarted on change, stopped)."""

from __future__ import annotations

import logging
import threading
from functools import partial
from typing import Any

from sqlalchemy import select

from segcio import jsonutil
from segcio.pipeline.credentials import destination_auth
from segcio.pipeline.leases import LEASE_SECONDS
from segcio.store import Database
from segcio.store.tables.core import destinations

log = logging.getLogger(__name__)


class SenderSupervisor:
    INTERVAL = 2.0

    def __init__(self, db: Database) -> None:
        self.db = db
        self._senders: dict[int, tuple[str, Any]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="segcio-senders", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)
        for _, sender in self._senders.values():
            sender.stop()
        self._senders.clear()

    def sync(self) -> None:
        """Match the running senders to the enabled remote destinations."""
        from segcio.delivery.sender import RemoteSender

        with self.db.connect() as conn:
            rows = conn.execute(
                select(destinations.c.id, destinations.c.settings).where(destinations.c.enabled.is_(True))
            ).all()
        wanted = {row.id: row.settings for row in rows if jsonutil.loads(row.settings).get("target") == "remote"}
        for destination_id in list(self._senders):
            fingerprint, sender = self._senders[destination_id]
            if wanted.get(destination_id) != fingerprint:
                sender.stop()
                del self._senders[destination_id]
        for destination_id, settings in wanted.items():
            if destination_id not in self._senders:
                # A sender's lease is as long as a routing partition's: a killed process's sending is taken
                # over as soon as its routing.
                sender = RemoteSender(
                    self.db,
                    destination_id,
                    jsonutil.loads(settings),
                    authenticate=partial(destination_auth, self.db),
                    lease_seconds=LEASE_SECONDS,
                )
                sender.start()
                self._senders[destination_id] = (settings, sender)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync()
            except Exception:
                log.exception("could not start the remote senders; retrying")
            self._stop.wait(self.INTERVAL)
