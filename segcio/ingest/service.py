"""The ingestion service: write keys, suppressions, normalisation and the group-commit writer together."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from segcio import jsonutil, metrics
from segcio.eventlog.append import EventRow, event_log
from segcio.eventlog.dedupe import DEFAULT_CAPACITY
from segcio.eventlog.partitions import partition_of
from segcio.ingest.body import MAX_MESSAGE_BYTES, BadRequest
from segcio.ingest.suppression import SuppressionSet
from segcio.ingest.writekey import SourceDirectory
from segcio.ingest.writer import EventWriter, WriteRequest
from segcio.spec.message import BatchContext, Rejection, normalise
from segcio.spec.storable import encode
from segcio.spec.timestamps import format_iso, format_utc, parse_iso
from segcio.store import Database

log = logging.getLogger(__name__)

# A message's size as sent is measured only when its stored form passes this: normalisation drops top-level
# nulls and `writeKey` and adds a few hundred bytes, so a smaller stored message cannot have been over 32 KB
# unless it carried kilobytes of null fields.
RAW_SIZE_CHECK_FROM = 16 * 1024


UNPROCESSABLE = (
    "segcio could not process this message (see its log); it was not stored. Please report it with this example."
)


class IngestService:
    def __init__(
        self,
        db: Database,
        max_batch_messages: int = 2500,
        dedupe_window_seconds: float = 24 * 3600,
        dedupe_capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self.db = db
        self.sources = SourceDirectory(db)
        self.suppressions = SuppressionSet(db)
        self.writer = EventWriter(event_log(db, dedupe_window_seconds, dedupe_capacity))
        self.max_batch_messages = max_batch_messages

    def start(self) -> None:
        self.writer.start()

    def stop(self) -> None:
        self.writer.stop()

    def prepare(
        self, source_id: int, body: Any, *, batch: bool, route_type: str | None, peer_ip: str | None
    ) -> WriteRequest:
        """Normalise every message of a request into rows to store, rejections and counts."""
        if not isinstance(body, dict):
            raise BadRequest(f"The request body must be a JSON object, got {type(body).__name__}.")
        received_at = datetime.now(UTC)
        received_iso = format_iso(received_at)
        if batch:
            items = body.get("batch")
            if not isinstance(items, list):
                raise BadRequest("'batch' must be an array of messages: {\"batch\": [{...}, ...]}.")
            sent_at = parse_iso(body.get("sentAt"))
            sent_iso = format_utc(sent_at) if sent_at is not None else None
            context = BatchContext(
                received_at=received_at,
                received_iso=received_iso,
                sent_at=sent_at if sent_iso is not None else None,
                sent_iso=sent_iso,
                context=body.get("context") if isinstance(body.get("context"), dict) else None,
                integrations=body.get("integrations") if isinstance(body.get("integrations"), dict) else None,
                peer_ip=peer_ip,
            )
        else:
            items = [body]
            context = BatchContext(
                received_at=received_at, received_iso=received_iso, route_type=route_type, peer_ip=peer_ip
            )
        request = WriteRequest(source_id=source_id, rows=[])
        counts: Counter[str] = request.counts
        counts["received"] += len(items)
        suppressed = self.suppressions.current()
        received_ts = received_at.timestamp()
        rejected = request.rejected
        # Only the first max_batch_messages items are looked at; the rest are counted in one rejection.
        for index, item in enumerate(items[: self.max_batch_messages]):
            try:
                message = normalise(item, context)
                stored = encode(message)
            except Rejection as rejection:
                rejected.add(index, rejection.code, rejection.reason, item)
                continue
            except Exception:  # a defect, not the sender's fault; still one message, refused alone, never retried
                if "unprocessable" not in rejected.codes:
                    log.exception("ingest: message %d of a request could not be normalised", index)
                rejected.add(index, "unprocessable", UNPROCESSABLE, item)
                continue
            if suppressed and message.get("userId") in suppressed:
                counts["suppressed"] += 1
                metrics.ingest_messages.labels("suppressed").inc()
                continue
            if len(stored) > RAW_SIZE_CHECK_FROM:
                _check_size(index, item)
            request.rows.append(_row(source_id, message, received_ts, stored))
        excess = len(items) - self.max_batch_messages
        if excess > 0:
            rejected.add(
                self.max_batch_messages,
                "batch_limit",
                f"A batch holds at most {self.max_batch_messages} messages; the {excess} from message "
                f"{self.max_batch_messages} on were dropped. Send them in another request.",
                items[self.max_batch_messages],
                count=excess,
            )
        counts.update(rejected.finish())
        return request

    async def write(self, request: WriteRequest) -> None:
        await self.writer.write(request)

    async def record_invalid_key(self) -> None:
        """Unknown write keys are counted (not stored: the body belongs to nobody we know)."""
        metrics.ingest_messages.labels("invalid_write_key").inc()
        await self.writer.write(WriteRequest(source_id=None, rows=[], counts=Counter(invalid_write_key=1)))


def _row(source_id: int, message: dict[str, Any], received_at: float, body: str) -> EventRow:
    return (
        source_id,
        message["messageId"],
        message["type"],
        message.get("userId"),
        message.get("anonymousId"),
        partition_of(message),
        received_at,
        body,
    )


def _check_size(index: int, item: Any) -> None:
    """A message may be at most 32 KB as sent (one over it fails the whole request, as Segment does)."""
    size = len(jsonutil.dumpb(item))
    if size > MAX_MESSAGE_BYTES:
        raise BadRequest(
            f"Exceed payload limit: message {index} of the batch is {size} bytes; a message may be "
            f"at most {MAX_MESSAGE_BYTES // 1024} KB."
        )
