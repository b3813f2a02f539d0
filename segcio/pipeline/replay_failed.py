"""Replaying failed events after a fix: the same processing and delivery as the router, for one destination.

Each event is replayed in its own transaction, holding its failed-state row: delivered, the row is deleted in
that transaction (so two replays at once apply it once); failing again, it stays with the new reason.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from segcio.delivery.log import LogEntry
from segcio.delivery.log import write as log_entries
from segcio.pipeline import failed, isolation
from segcio.pipeline.destinations import DestinationCache
from segcio.store import Database


@dataclass
class ReplayOutcome:
    replayed: int = 0  # delivered, and removed from the failed state
    failed: int = 0  # failed again, kept with the new reason

    def as_dict(self) -> dict[str, int]:
        return {"replayed": self.replayed, "failed": self.failed}


def replay_failed(db: Database, *, destination_id: int | None = None, failed_id: int | None = None) -> ReplayOutcome:
    """Replay one failed event (`failed_id`), or every one (of `destination_id` if given), oldest first."""
    with db.connect() as conn:
        selected = [failed_id] if failed_id is not None else failed.ids(conn, destination_id)
    cache = DestinationCache()
    outcome = ReplayOutcome()
    for one in selected:
        with db.begin() as conn:
            event = failed.get(conn, one, for_update=True)
            if event is None or destination_id not in (None, event.destination_id):
                continue  # replayed meanwhile, or another destination's
            destination = next((d for d in cache.load(conn) if d.id == event.destination_id), None)
            item = isolation.read(event.event_seq, 0, event.message_id, event.body)
            if destination is None:
                item.failure = f"destination {event.destination_id} is not enabled (enable it, then replay)"
            else:
                isolation.process(destination, item)
                isolation.deliver_isolated(conn, db, destination, [item])
            if item.failure is None:
                failed.resolve(conn, event.id)
                log_entries(conn, [replayed_entry(event)])
            else:
                failed.failed_again(conn, event.id, item.failure)
        if item.failure is None:
            outcome.replayed += 1
        else:
            outcome.failed += 1
            isolation.log_failure(event.destination_id, item, item.failure)
    return outcome



def replayed_entry(event: failed.FailedEvent) -> LogEntry:
    """The delivery-log row that keeps a replayed failed event in its history (its failed-state row is gone)."""
    return LogEntry(
        destination_id=event.destination_id,
        outcome="replayed",
        created_at=time.time(),
        person_key=event.person_key,
        event_seq=event.event_seq,
        response_summary=f"failed event {event.id} replayed and delivered (it had failed {event.attempts} time(s): "
        f"{event.reason[:300]})",
    )
