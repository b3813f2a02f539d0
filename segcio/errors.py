"""The one shape of a refusal: input segcio cannot use, with what to fix and where.

Every error that means "this input (a request, a setting, an event, an operation) is invalid" derives from
`Invalid`; each API renders it in its own shape (`ingest.routes` for the Segment Tracking API,
`workspace.http_errors` for the Track API v1 and v2 and the App API, `pipeline.destinations_http` for the admin
API). Any other exception is a bug: code that confines failures (the router's failed state) parks it with its type
rather than treating it as bad input.
"""

from __future__ import annotations


class Invalid(Exception):
    """`message` says what is wrong and how to fix it, `field` where (None: the input as a whole), `code` is a
    stable name for it and `status` the HTTP status an API answers it with."""

    code: str = "invalid"
    status: int = 400
    field: str | None = None

    def __init__(
        self, message: str, *, field: str | None = None, code: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
