"""Replay: send a bounded range of the log to a destination again, on request, after a preview (dry run).

The events go through the same processing and delivery as live traffic (the destination's processor, then
`deliver` with the failed-state isolation), in log order, so each person's events keep their order.

Into the local workspace an event is never applied twice: a replay skips the events a period of the destination
covered (it routed them live, or will: see `destination_periods`) and those an earlier replay applied
(`replayed_events`, claimed in the transaction that applies them). A remote destination does not tell what it
already received: every event of the range is sent again, and the answer says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from segcio.errors import Invalid
from segcio.pipeline import isolation
from segcio.pipeline.destinations import Destination, DestinationCache
from segcio.pipeline.logged import LoggedEvent
from segcio.store import Database
from segcio.store.tables.core import destinations, events
from segcio.store.tables.routing import destination_periods, replayed_events

CHUNK = 200
RELATIVE = re.compile(r"^(\d+)\s*([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ReplayError(Invalid, ValueError):
    """A replay that cannot run; the message names the option and the fix."""


def parse_time(value: str, option: str, now: float) -> float:
    """ISO-8601 (`2026-12-07T10:00:00Z`; no zone means UTC) or a duration before now (`90m`, `6h`, `2d`)."""
    text = value.strip()
    relative = RELATIVE.match(text)
    if relative:
        return now - int(relative.group(1)) * UNIT_SECONDS[relative.group(2)]
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ReplayError(
            f"{option}: {value!r} is not a time; give ISO-8601 (2026-12-07T10:00:00Z) or a duration ago (90m, 6h, 2d)"
        ) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


@dataclass
class Replay:
    destination_id: int
    since: float
    until: float | None = None
    user: str | None = None


@dataclass
class Outcome:
    destination_id: int
    target: str
    dry_run: bool
    events: int = 0  # in the range
    to_send: int = 0  # sent (or, in a dry run, would be)
    skipped_already_applied: int = 0
    failed: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "destination_id": self.destination_id,
            "target": self.target,
            "dry_run": self.dry_run,
            "events": self.events,
            "to_send": self.to_send,
            "skipped_already_applied": self.skipped_already_applied,
            "failed": self.failed,
            "actions": dict(sorted(self.actions.items())),
            "notes": self.notes,
        }


def _destination(db: Database, destination_id: int) -> Destination:
    with db.connect() as conn:
        exists = conn.execute(select(destinations.c.id).where(destinations.c.id == destination_id)).first()
        if exists is None:
            raise ReplayError(f"--destination: no destination {destination_id} (see `segcio destinations list`)")
        loaded = next((d for d in DestinationCache().load(conn) if d.id == destination_id), None)
    if loaded is None:
        raise ReplayError(f"--destination: destination {destination_id} is off; turn it on, then replay")
    return loaded


def _where(destination: Destination, replay: Replay) -> list[Any]:
    conditions = [events.c.source_id == destination.source_id, events.c.received_at >= replay.since]
    if replay.until is not None:
        conditions.append(events.c.received_at < replay.until)
    if replay.user is not None:
        conditions.append(or_(events.c.user_id == replay.user, events.c.anonymous_id == replay.user))
    return conditions


def _range(conn: Connection, destination: Destination, replay: Replay, after_seq: int) -> Any:
    query = select(events.c.seq, events.c.partition, events.c.message_id, events.c.body).where(
        *_where(destination, replay), events.c.seq > after_seq
    )
    return conn.execute(query.order_by(events.c.seq).limit(CHUNK)).all()


def _chunks(db: Database, destination: Destination, replay: Replay) -> Iterator[list[LoggedEvent]]:
    last = 0
    while True:
        with db.connect() as conn:
            rows = _range(conn, destination, replay, last)
        if not rows:
            return
        last = int(rows[-1].seq)
        yield [isolation.read(int(r.seq), r.partition, r.message_id, r.body) for r in rows]


def already_applied(conn: Connection, destination_id: int, seqs: list[int]) -> set[int]:
    """The seqs a period of the destination covers, or an earlier replay applied."""
    covered = set()
    periods = conn.execute(
        select(destination_periods.c.start_seq, destination_periods.c.end_seq).where(
            destination_periods.c.destination_id == destination_id
        )
    ).all()
    for seq in seqs:
        if any(seq > p.start_seq and (p.end_seq is None or seq <= p.end_seq) for p in periods):
            covered.add(seq)
    replayed = conn.execute(
        select(replayed_events.c.event_seq).where(
            and_(replayed_events.c.destination_id == destination_id, replayed_events.c.event_seq.in_(seqs))
        )
    ).scalars()
    return covered | {int(seq) for seq in replayed}


def _claim(conn: Connection, destination_id: int, seq: int, now: float) -> bool:
    """Record that this replay applies the event; False when another replay did (it waits for that one on
    PostgreSQL, then skips)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    row = {"destination_id": destination_id, "event_seq": seq, "replayed_at": now}
    claim = dialect.insert(replayed_events).values(row).on_conflict_do_nothing().returning(replayed_events.c.event_seq)
    return conn.execute(claim).first() is not None


def run(
    db: Database, replay: Replay, *, dry_run: bool, progress: Callable[[int, int], None] | None = None
) -> Outcome:
    """Preview (`dry_run`) or perform the replay; `progress(done, total)` is called after each chunk."""
    destination = _destination(db, replay.destination_id)
    target = str(destination.settings.get("target") or "local")
    outcome = Outcome(replay.destination_id, target, dry_run)
    with db.connect() as conn:
        oldest = conn.execute(
            select(func.min(events.c.received_at)).where(events.c.source_id == destination.source_id)
        ).scalar()
        counted = select(func.count()).select_from(events).where(*_where(destination, replay))
        total = int(conn.execute(counted).scalar_one())
    if oldest is None or replay.since < float(oldest):
        since = "the log is empty" if oldest is None else f"the oldest is from {_iso(float(oldest))}"
        outcome.notes.append(
            f"The range starts before the oldest event still in the log ({since}): older events were removed by "
            "retention (event_log_retention_hours) and cannot be replayed."
        )
    done = 0
    for chunk in _chunks(db, destination, replay):
        outcome.events += len(chunk)
        with db.begin() as conn:
            skip = already_applied(conn, destination.id, [i.seq for i in chunk]) if target == "local" else set()
            batch = []
            for item in chunk:
                if item.seq in skip:
                    outcome.skipped_already_applied += 1
                    continue
                if dry_run:
                    isolation.process(destination, item)
                    outcome.actions.update(_actions(destination, item))
                    outcome.to_send += 1
                    continue
                if target == "local" and not _claim(conn, destination.id, item.seq, _now()):
                    outcome.skipped_already_applied += 1
                    continue
                isolation.process(destination, item)
                outcome.actions.update(_actions(destination, item))
                batch.append(item)
            if batch:
                failures = isolation.deliver_isolated(conn, db, destination, batch)
                isolation.park(conn, destination, failures)  # replayable from the failed state, like live ones
                outcome.failed += len(failures)
                outcome.to_send += len(batch) - len(failures)
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    if target == "remote" and outcome.to_send:
        outcome.notes.append(
            f"Customer.io {'will receive' if dry_run else 'receives'} these {outcome.to_send} event(s) again: a "
            "remote destination does not tell what it already received, so campaigns they trigger may run again."
        )
    return outcome


def _actions(destination: Destination, item: LoggedEvent) -> list[str]:
    """The subscriptions (or classic calls) a processed event runs."""
    if item.failure is not None or item.processed.dropped:
        return []
    runner = getattr(destination.processor, "runner", None)
    if runner is not None and item.message.get("type") != "delete":
        return [result.name for result in runner.run(dict(item.message)) if result.matched]
    return [f"{destination.kind}: {item.message.get('type', '?')}"]


def _now() -> float:
    return datetime.now(UTC).timestamp()


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
