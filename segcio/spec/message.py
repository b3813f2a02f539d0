"""Normalising one Segment message per the Spec, and rejecting what its type requires but lacks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from segcio.errors import Invalid
from segcio.spec.timestamps import format_iso, format_utc, parse_iso

TYPES = ("identify", "track", "page", "screen", "group", "alias")
MAX_MESSAGE_ID = 100
ID_FIELDS = ("userId", "anonymousId", "groupId", "previousId")
OBJECT_FIELDS = ("context", "integrations", "properties", "traits")


class Rejection(Invalid):
    """A message that cannot be accepted; `code` is stable, `reason` (the message) tells the sender what to fix."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason, code=code)
        self.reason = reason


@dataclass(frozen=True)
class BatchContext:
    """What a request contributes to each of its messages."""

    received_at: datetime
    received_iso: str
    sent_at: datetime | None = None
    sent_iso: str | None = None
    context: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None
    peer_ip: str | None = None
    route_type: str | None = None

    @cached_property
    def received_utc(self) -> datetime:
        """`received_at` as a naive UTC datetime: a naive result formats in half the time of an aware one (no
        offset to write), and every message of a batch is corrected from it."""
        moment = self.received_at
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def _present(value: Any) -> bool:
    return value is not None and value != ""


def _stringify_id(message: dict[str, Any], key: str, value: Any) -> str:
    if isinstance(value, bool):
        raise Rejection("invalid_" + _snake(key), f"'{key}' must be a string or a number, got a boolean.")
    if isinstance(value, int | float):
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        message[key] = text
        return text
    raise Rejection("invalid_" + _snake(key), f"'{key}' must be a string or a number, got {type(value).__name__}.")


def _nul(key: str) -> Rejection:
    """Ids are stored in columns of their own, and PostgreSQL text cannot hold NUL: refused on every backend."""
    return Rejection(
        "invalid_" + _snake(key), f"'{key}' contains a NUL character (\\u0000), which no id may hold; remove it."
    )


def _snake(key: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in key)


def normalise(raw: Any, batch: BatchContext) -> dict[str, Any]:
    """The message as segcio stores it; raises Rejection naming the field and the fix."""
    if not isinstance(raw, dict):
        raise Rejection("invalid_message", f"Each message must be a JSON object, got {type(raw).__name__}.")
    message = raw.copy()  # copied in C; the loop dropping nulls runs only for the few messages holding one
    if None in message.values():
        message = {k: v for k, v in raw.items() if v is not None}
    message.pop("writeKey", None)

    msg_type = batch.route_type or message.get("type")
    if msg_type not in TYPES:
        raise Rejection(
            "invalid_type",
            f"'type' must be one of {', '.join(TYPES)}; got {msg_type!r}. Set 'type' on every batch item.",
        )
    message["type"] = msg_type

    for key in ID_FIELDS:
        value = message.get(key)
        if value is not None:
            if type(value) is not str:
                value = _stringify_id(message, key, value)
            if "\x00" in value:
                raise _nul(key)
    _require(message, msg_type)

    message_id = message.get("messageId")
    if message_id is None or message_id == "":
        message["messageId"] = str(uuid.uuid4())
    elif type(message_id) is not str:
        if not isinstance(message_id, int):
            raise Rejection("invalid_message_id", "'messageId' must be a string.")
        message["messageId"] = str(message_id)
    if len(message["messageId"]) > MAX_MESSAGE_ID:
        raise Rejection("invalid_message_id", f"'messageId' is limited to {MAX_MESSAGE_ID} characters.")
    if "\x00" in message["messageId"]:
        raise _nul("messageId")

    for key in OBJECT_FIELDS:
        value = message.get(key)
        if value is not None and type(value) is not dict:
            raise Rejection("invalid_" + key, f"'{key}' must be a JSON object, got {type(value).__name__}.")
    context = message.get("context")
    if batch.context:
        context = message["context"] = {**batch.context, **context} if context else dict(batch.context)
    if batch.integrations:
        integrations = message.get("integrations")
        message["integrations"] = {**batch.integrations, **integrations} if integrations else dict(batch.integrations)
    if batch.peer_ip and (context is None or "ip" not in context):
        message["context"] = {**context, "ip": batch.peer_ip} if context else {"ip": batch.peer_ip}

    _timestamps(message, batch)
    message.setdefault("version", 2)
    return message


def _require(message: dict[str, Any], msg_type: str) -> None:
    if msg_type == "alias":
        if not _present(message.get("previousId")):
            raise Rejection("missing_previous_id", "An alias call needs 'previousId' (the id it replaces).")
        if not _present(message.get("userId")):
            raise Rejection("missing_user_id", "An alias call needs 'userId' (the new id).")
        return
    if not _present(message.get("userId")) and not _present(message.get("anonymousId")):
        raise Rejection("no_user_anon_id", "A 'userId' or an 'anonymousId' is required.")
    if msg_type == "track":
        event = message.get("event")
        if not isinstance(event, str) or not event.strip():
            raise Rejection("missing_event", "A track call needs 'event', a non-empty string naming the action.")
    if msg_type == "group" and not _present(message.get("groupId")):
        raise Rejection("missing_group_id", "A group call needs 'groupId'.")


def _timestamps(message: dict[str, Any], batch: BatchContext) -> None:
    """timestamp = receivedAt - (sentAt - originalTimestamp): corrects the device's clock skew.

    A correction that leaves the calendar (years 1-9999) is not applied: `timestamp` keeps the client's value. A
    time UTC cannot express within those years counts as unparsable."""
    raw_original = message.get("timestamp")
    original = parse_iso(raw_original)
    if original is None:
        raw_original = message.get("originalTimestamp")
        original = parse_iso(raw_original)
    own_sent = message.get("sentAt")
    if own_sent is None:
        sent, sent_iso = batch.sent_at, batch.sent_iso
    else:
        sent = parse_iso(own_sent)
        sent_iso = format_utc(sent) if sent is not None else None
        if sent_iso is None:
            sent = None
    timestamp = None
    if original is not None:
        try:
            timestamp = format_iso(batch.received_utc - (sent - original) if sent is not None else original)
        except OverflowError:
            timestamp = format_utc(original)
    if timestamp is None:
        message["originalTimestamp"] = message["timestamp"] = batch.received_iso
    else:
        # originalTimestamp is the client's value as received.
        message["originalTimestamp"] = raw_original
        message["timestamp"] = timestamp
    if sent is not None:
        message["sentAt"] = sent_iso
    else:
        message.pop("sentAt", None)
    message["receivedAt"] = batch.received_iso
