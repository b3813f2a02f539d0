"""The messages one request had rejected, stored as one row per reason (code): a count and a few examples.

Whatever a request holds (a 500 KB body can carry 250,000 items), its rejections cost one row per code (there are
about twenty codes) and a few encoded message bodies: the first MAX_EXAMPLES, plus the first of each further code.
The Sources page and `segcio events rejected` add the rows up by code (`grouped`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection

from segcio import metrics
from segcio.store.tables.core import rejected_events

MAX_EXAMPLES = 5
EXAMPLE_BODY_LIMIT = 4096
REASON_LIMIT = 1000


@dataclass
class Rejections:
    count: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    reasons: dict[str, str] = field(default_factory=dict)  # the first reason given for each code
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, index: int, code: str, reason: str, item: Any, count: int = 1) -> None:
        """`count` messages rejected for one reason, from the message at `index` on. Cheap past the examples:
        a request may bring thousands of rejections."""
        self.count += count
        if code not in self.reasons or len(self.examples) < MAX_EXAMPLES:
            reason = storable_text(reason)[:REASON_LIMIT]
            self.reasons.setdefault(code, reason)
            self.examples.append({"index": index, "code": code, "reason": reason, "body": example_body(item)})
        self.codes[code] += count

    def finish(self) -> Counter[str]:
        """Count the rejections in the metrics; returns the counter deltas (`rejected`, `rejected:<code>`)."""
        deltas: Counter[str] = Counter()
        for code, n in self.codes.items():
            metrics.ingest_rejected.labels(code).inc(n)
            deltas["rejected:" + code] = n
        if self.count:
            metrics.ingest_messages.labels("rejected").inc(self.count)
            deltas["rejected"] = self.count
        return deltas

    def rows(self, source_id: int | None, received_at: float) -> list[dict[str, Any]]:
        """The rejected_events rows: one per code, most messages first, each with its own examples."""
        out = []
        for code, count in self.codes.most_common():
            examples = [example for example in self.examples if example["code"] == code]
            out.append(
                {
                    "source_id": source_id,
                    "received_at": received_at,
                    "code": code,
                    "reason": self.reasons[code],
                    "body": examples[0]["body"],
                    "count": count,
                    "examples": orjson.dumps(examples).decode(),
                }
            )
        return out


@dataclass
class Group:
    """The rejections of one reason (code) still kept (retention deletes the old ones)."""

    code: str
    reason: str  # the newest one given (the text may name a field: it varies within a code)
    messages: int
    requests: int
    first_at: float
    last_at: float
    source_ids: list[int | None]
    examples: list[dict[str, Any]]


def grouped(conn: Connection, source_id: int | None = None, examples: int = 3) -> list[Group]:
    """One entry per code, the most recently seen first, with its totals and its newest `examples`."""
    t = rejected_events.c
    scope = [] if source_id is None else [t.source_id == source_id]
    totals = conn.execute(
        sa.select(
            t.code,
            sa.func.sum(t.count),
            sa.func.count(),
            sa.func.min(t.received_at),
            sa.func.max(t.received_at),
            sa.func.max(t.id),
        )
        .where(*scope)
        .group_by(t.code)
        .order_by(sa.func.max(t.id).desc())
    ).all()
    sources: dict[str, list[int | None]] = {}
    for code, source in conn.execute(sa.select(t.code, t.source_id).where(*scope).distinct()):
        sources.setdefault(code, []).append(source)
    out = []
    for code, messages, requests, first_at, last_at, _ in totals:
        newest = conn.execute(
            sa.select(rejected_events).where(t.code == code, *scope).order_by(t.id.desc()).limit(examples)
        ).all()
        shown = [example for row in newest for example in examples_of(row)][:examples]
        source_ids = sorted(sources.get(code, []), key=lambda s: (s is None, s or 0))
        out.append(
            Group(
                code=code,
                reason=newest[0].reason,
                messages=int(messages),
                requests=int(requests),
                first_at=float(first_at),
                last_at=float(last_at),
                source_ids=source_ids,
                examples=shown,
            )
        )
    return out


def recent(
    conn: Connection, source_id: int | None = None, code: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest rejection rows (one per request and code), each with its `examples` as a list."""
    query = sa.select(rejected_events).order_by(rejected_events.c.id.desc()).limit(limit)
    if source_id is not None:
        query = query.where(rejected_events.c.source_id == source_id)
    if code is not None:
        query = query.where(rejected_events.c.code == code)
    return [{**row._mapping, "examples": examples_of(row)} for row in conn.execute(query)]


def examples_of(row: Any) -> list[dict[str, Any]]:
    """The examples of a rejected_events row; a row of a single rejection is its own example."""
    if row.examples:
        examples: list[dict[str, Any]] = orjson.loads(row.examples)
        return examples
    return [{"index": None, "code": row.code, "reason": row.reason, "body": row.body}]


def example_body(item: Any) -> str:
    """A rejected message as JSON text any column can hold (non-ASCII escaped when it is not valid Unicode)."""
    try:
        text = orjson.dumps(item).decode()
    except TypeError:
        try:
            text = json.dumps(item, separators=(",", ":"), default=str)
        except (RecursionError, ValueError):
            return "(not shown: nested too deep to write out)"
    return text[:EXAMPLE_BODY_LIMIT]


def storable_text(text: str) -> str:
    """Text without NUL or lone surrogates (a reason may quote a field name the sender chose)."""
    return text.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\u0000")
