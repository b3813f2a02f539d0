"""The messages one request had rejected, stored as one row: a count, per-code counts and a few examples.

Whatever a request holds (a 500 KB body can carry 250,000 items), its rejections cost one row and a few encoded
message bodies: the first MAX_EXAMPLES, plus the first of each further code (there are about twenty codes).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from segcio import metrics

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

    def row(self, source_id: int | None, received_at: float) -> dict[str, Any] | None:
        """The rejected_events row; the code that rejected the most messages names it."""
        if not self.count:
            return None
        code = self.codes.most_common(1)[0][0]
        first = next(example for example in self.examples if example["code"] == code)
        return {
            "source_id": source_id,
            "received_at": received_at,
            "code": code,
            "reason": self.reasons[code],
            "body": first["body"],
            "count": self.count,
            "examples": orjson.dumps(self.examples).decode(),
        }


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
