"""Reading requests the way Customer.io's clients send them: bounded bodies, optional JSON, raw path segments."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request

from segcio import jsonutil
from segcio.errors import Invalid


class BodyError(Invalid, ValueError):
    """The body cannot be used at all (too large, not JSON, not an object); `message` says how to fix it."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing more than `limit` bytes without reading all of it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdecimal() and int(declared) > limit:
        raise BodyError(f"Request body is {int(declared)} bytes; the limit is {limit} bytes.", too_large=True)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyError(f"Request body is larger than the limit of {limit} bytes.", too_large=True)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_object(raw: bytes, *, empty_ok: bool = True) -> dict[str, Any]:
    """A JSON object body; an empty body is `{}` (some clients send no body on DELETE/suppress)."""
    if not raw.strip():
        if empty_ok:
            return {}
        raise BodyError("Request body is empty; send a JSON object.")
    try:
        value = jsonutil.loads(raw)
    except ValueError as exc:
        raise BodyError(f"Request body is not valid JSON ({exc}); send a JSON object.") from exc
    if not isinstance(value, dict):
        raise BodyError(f"Request body must be a JSON object, not {type(value).__name__}.")
    return value


def raw_segments(request: Request, prefix: str) -> list[str] | None:
    """The percent-decoded path segments after `prefix`, split on the *raw* path.

    Splitting before decoding keeps `%2F` inside an identifier, and `unquote` (not `unquote_plus`) keeps `+`
    a plus sign, as Customer.io's clients expect. Returns None when the raw path does not start with `prefix`.
    """
    raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    path = raw.split(b"?", 1)[0]
    root = request.scope.get("root_path", "").encode()
    if root and path.startswith(root + b"/"):
        path = path[len(root) :]
    head = prefix.encode()
    if not path.startswith(head):
        return None
    return [unquote_to_bytes(segment).decode("utf-8", "replace") for segment in path[len(head) :].split(b"/")]


class _AnyPath(Convertor[str]):
    """Like Starlette's `path`, but also across newlines (`%0A` in an identifier), so such ids reach our routes."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


# Route pattern suffix for the routes that read their identifiers with `raw_segments`.
register_url_convertor("anypath", _AnyPath())
REST = "{rest:anypath}"
