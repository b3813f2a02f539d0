"""What "failed" means, counted once for the Overview, the Deliveries page, `/metrics` and the CLI.

A destination's failures are what did not reach it and will not without someone acting:

* **refused**: events an action or the destination's workspace refused (a mapping or validation error); counted
  since the start (counter `failed` of scope `destination:<id>`); sending them again needs a replay of the log.
* **parked**: events in the destination's failed state now (processing or delivering them raised); replayable.
* **dead letters**: requests in the dead-letter queue now (Customer.io refused them, or they ran out of
  attempts); replayable.

`total` is their sum. Requests being retried are not failures (yet): they are counted apart as `retrying`. The
delivery log's `failed` filter shows the rows of all three kinds (`segcio.delivery.log.OUTCOME_GROUPS`), but the
log is bounded and so is never what is counted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from segcio.pipeline import failed
from segcio.store.tables.core import counters, destinations
from segcio.store.tables.delivery import dead_letters, outbox

REFUSED_COUNTER = "failed"  # the outcome counter the router increments for a refused event


@dataclass(frozen=True)
class Failures:
    refused: int = 0
    parked: int = 0
    dead_letters: int = 0
    retrying: int = 0  # not failed: shown beside them

    @property
    def total(self) -> int:
        return self.refused + self.parked + self.dead_letters

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total": self.total}

    def __add__(self, other: Failures) -> Failures:
        return Failures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def by_destination(conn: Connection) -> dict[int, Failures]:
    """Failures of every destination that has any (or requests being retried)."""
    refused = {
        int(scope.split(":", 1)[1]): int(value)
        for scope, value in conn.execute(
            sa.select(counters.c.scope, counters.c.value).where(
                counters.c.scope.like("destination:%"), counters.c.name == REFUSED_COUNTER
            )
        )
        if scope.split(":", 1)[1].isdigit()
    }
    parked = failed.counts(conn)
    dead = _grouped(conn, dead_letters)
    retrying = _grouped(conn, outbox, outbox.c.attempts > 0)
    # Only destinations that exist: what a removed destination left behind is on no Deliveries page to add up to.
    ids = set(conn.execute(sa.select(destinations.c.id)).scalars())
    ids &= refused.keys() | parked.keys() | dead.keys() | retrying.keys()
    return {i: Failures(refused.get(i, 0), parked.get(i, 0), dead.get(i, 0), retrying.get(i, 0)) for i in sorted(ids)}


def failures(conn: Connection, destination_id: int | None = None) -> Failures:
    """The failures of one destination, or of all of them."""
    every = by_destination(conn)
    if destination_id is not None:
        return every.get(destination_id, Failures())
    return sum(every.values(), Failures())


def _grouped(conn: Connection, table: sa.Table, *where: Any) -> dict[int, int]:
    query = sa.select(table.c.destination_id, sa.func.count()).where(*where).group_by(table.c.destination_id)
    return {int(d): int(n) for d, n in conn.execute(query)}
