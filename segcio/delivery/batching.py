"""Grouping ready outbox rows into HTTP requests without breaking any person's order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from segcio.delivery.outbox import OutboxRow

ENTITY_PATH = "/api/v2/entity"
BATCH_PATH = "/api/v2/batch"
_PREFIX = b'{"batch":['
_SUFFIX = b"]}"


def is_batchable(row: OutboxRow) -> bool:
    """v2 entity operations travel in /api/v2/batch; everything else (v1 metrics, deletions, classic v1 calls)
    is sent as planned, one request each."""
    return row.method == "POST" and row.body is not None and row.url.endswith(ENTITY_PATH)


@dataclass
class Unit:
    """One HTTP request to make: a v2 batch of entity rows, or one row sent as planned."""

    rows: list[OutboxRow]
    batched: bool
    bodies: list[bytes] = field(default_factory=list)  # encoded bodies of batched rows

    @property
    def url(self) -> str:
        first = self.rows[0].url
        return first[: -len(ENTITY_PATH)] + BATCH_PATH if self.batched else first

    def content(self) -> bytes | None:
        if self.batched:
            return batch_body(self.bodies)
        body = self.rows[0].body
        return None if body is None else body.encode()


def batch_body(bodies: Sequence[bytes]) -> bytes:
    # The stored bodies are already JSON: splice them, no re-encoding.
    return _PREFIX + b",".join(bodies) + _SUFFIX


def batch_size(bodies: Sequence[bytes]) -> int:
    return len(_PREFIX) + len(_SUFFIX) + sum(len(b) for b in bodies) + max(0, len(bodies) - 1)


@dataclass
class Plan:
    units: list[Unit]
    oversize: list[OutboxRow]  # items above the per-item limit: they can never be accepted


def plan_round(rows: Sequence[OutboxRow], max_batch_bytes: int, max_item_bytes: int, max_units: int) -> Plan:
    """Requests for one round, each touching people no other request of the round touches, so they may run
    concurrently. `rows` are ready rows in queue order. A person's rows go in order into at most one request
    per round; once a person's turn ends (their batch closed, or a non-batchable row), their later rows wait
    for the next round."""
    units: list[Unit] = []
    oversize: list[OutboxRow] = []
    stopped: set[str] = set()
    open_rows: list[OutboxRow] = []
    open_bodies: list[bytes] = []
    open_people: set[str] = set()
    open_size = len(_PREFIX) + len(_SUFFIX)
    open_key: tuple[str, str] | None = None

    def close() -> None:
        nonlocal open_rows, open_bodies, open_people, open_size, open_key
        if open_rows:
            units.append(Unit(open_rows, True, open_bodies))
            stopped.update(open_people)
        open_rows, open_bodies, open_people = [], [], set()
        open_size, open_key = len(_PREFIX) + len(_SUFFIX), None

    for row in rows:
        if len(units) >= max_units:
            break
        person = row.person_key
        if person in stopped:
            continue
        if not is_batchable(row):
            if person in open_people:
                stopped.add(person)  # after the open batch is delivered
                continue
            units.append(Unit([row], False))
            stopped.add(person)
            continue
        body = row.body.encode() if row.body is not None else b""
        if len(body) > max_item_bytes or len(body) + len(_PREFIX) + len(_SUFFIX) > max_batch_bytes:
            if person in open_people:
                stopped.add(person)
            else:
                oversize.append(row)
            continue
        key = (row.url, row.headers)  # one batch = one host and one set of credentials
        extra = len(body) + (1 if open_rows else 0)
        if open_rows and (open_size + extra > max_batch_bytes or key != open_key):
            close()
            if person in stopped or len(units) >= max_units:
                continue
            extra = len(body)
        open_rows.append(row)
        open_bodies.append(body)
        open_people.add(person)
        open_size += extra
        open_key = key
    close()
    return Plan(units, oversize)
