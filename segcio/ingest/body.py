"""Request bodies: reading with a cap, decompression, size limits and JSON parsing, with Segment-shaped errors."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Any

import orjson

from segcio import jsonutil
from segcio.errors import Invalid
from segcio.spec.storable import MAX_DEPTH

MAX_MESSAGE_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024


class BadRequest(Invalid):
    """Answered as 400 `{"code": code, "message": message}`."""

    def __init__(self, message: str, code: str = "invalid_request", status: int = 400) -> None:
        super().__init__(message, code=code, status=status)


async def read_capped(chunks: AsyncIterator[bytes], content_length: str | None, limit: int) -> bytes:
    """The body as sent, read only while it stays within `limit` bytes: a declared length over it is refused
    before anything is read, and a chunked body is refused as soon as it passes it (the rest is never read)."""
    declared = (content_length or "").strip()
    if declared.isascii() and declared.isdigit() and (len(declared) > 15 or int(declared) > limit):
        raise BadRequest(too_large(limit))
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BadRequest(too_large(limit))
        parts.append(chunk)
    return b"".join(parts)


def decode(raw: bytes, content_encoding: str | None, limit: int) -> bytes:
    """The body after gzip/deflate; never inflates past `limit` bytes (a larger body is refused)."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("", "identity"):
        data = raw
    elif encoding in ("gzip", "x-gzip", "deflate"):
        data = _inflate(raw, encoding, limit)
    else:
        raise BadRequest(f"Unsupported Content-Encoding '{content_encoding}': send gzip, deflate or no encoding.")
    if len(data) > limit:
        raise BadRequest(too_large(limit))
    return data


def _inflate(raw: bytes, encoding: str, limit: int) -> bytes:
    wbits = 16 + zlib.MAX_WBITS if encoding != "deflate" else zlib.MAX_WBITS
    try:
        inflater = zlib.decompressobj(wbits)
        data = inflater.decompress(raw, limit + 1)
    except zlib.error:
        if encoding == "deflate":  # some clients send raw deflate without the zlib header
            try:
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                data = inflater.decompress(raw, limit + 1)
            except zlib.error as exc:
                raise BadRequest(f"The body is not valid {encoding} data: {exc}.") from exc
        else:
            raise BadRequest("The body is not valid gzip data; check the Content-Encoding header.") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise BadRequest(too_large(limit))
    if not inflater.eof:
        raise BadRequest(
            f"The {encoding} body is truncated (its end{' and checksum' if encoding != 'deflate' else ''} "
            "never came); send the whole body."
        )
    return data


def too_large(limit: int) -> str:
    kind = "a single message" if limit == MAX_MESSAGE_BYTES else "a batch request"
    return f"Exceed payload limit: {kind} may be at most {limit // 1024} KB; split it into smaller requests."


def parse_json(data: bytes) -> Any:
    if not data.strip():
        raise BadRequest("The request body is empty: send a JSON object.")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        try:
            return jsonutil.loads(data)  # valid JSON with integers beyond 64 bits, or with lone surrogates
        except jsonutil.TooDeep:
            raise BadRequest(
                f"The request body is nested too deeply to parse; a message may be nested at most {MAX_DEPTH} "
                "levels deep."
            ) from None
        except ValueError:
            raise BadRequest(f"The request body is not valid JSON: {exc}.") from None
