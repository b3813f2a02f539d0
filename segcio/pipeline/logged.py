"""One event of the log as the router hands it to a destination."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from segcio.pipeline.processors import Processed


@dataclass
class LoggedEvent:
    seq: int
    partition: int
    message: dict[str, Any]
    message_id: str = ""
    body: str = "{}"  # the event as stored in the log (what a failed event keeps for its replay)
    processed: Processed = field(default_factory=Processed)
    # Why the event could not be read or processed (exception class and message); set, it is not delivered.
    failure: str | None = None

    @property
    def person_key(self) -> str:
        return str(self.message.get("userId") or self.message.get("anonymousId") or "")
