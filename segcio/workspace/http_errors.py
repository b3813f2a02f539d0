"""Response bodies of the Customer.io-compatible APIs: success and the three error shapes clients parse.

Track API v1 errors are `{"meta":{"errors":[...]}}` (merge: `{"meta":{"error":...}}`), Track API v2 errors are
`{"errors":[{"reason","field","message"}]}` (plus `batch_index` in a batch), App API errors are
`{"errors":[{"detail","status"}]}`. Customer.io's clients take their error messages from exactly these keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.responses import Response

from segcio import jsonutil
from segcio.errors import Invalid

JSON = "application/json"
# Track API v1 and v2 answer every success with exactly `200 {}`; some clients accept nothing else.
EMPTY_OK = b"{}"


def ok() -> Response:
    return Response(EMPTY_OK, status_code=200, media_type=JSON)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(jsonutil.dumpb(body), status_code=status, media_type=JSON, headers=headers)


def v1_errors(messages: Sequence[str], status: int = 400) -> Response:
    return json_response({"meta": {"errors": list(messages)}}, status)


def v1_error(message: str, status: int = 400) -> Response:
    """The singular shape, used by `merge_customers` and by our 401 answers."""
    return json_response({"meta": {"error": message}}, status)


def v2_error_item(reason: str, field: str, message: str, batch_index: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"reason": reason, "field": field, "message": message}
    if batch_index is not None:
        item = {"batch_index": batch_index, **item}
    return item


def v2_errors(items: list[dict[str, Any]], status: int = 400) -> Response:
    return json_response({"errors": items}, status)


def app_error(detail: str, status: int) -> Response:
    return json_response({"errors": [{"detail": detail, "status": str(status)}]}, status)


def v1_refusal(exc: Invalid, *, singular: bool = False) -> Response:
    """A refusal in the v1 shape (`singular`: merge_customers' `{"meta":{"error":...}}`)."""
    return v1_error(exc.message, exc.status) if singular else v1_errors([exc.message], exc.status)


def v2_refusal(exc: Invalid, field: str) -> Response:
    """A refusal of the whole request in the v2 shape; `field` is where the route read what was refused."""
    return v2_errors([v2_error_item(exc.code, field, exc.message)], exc.status)


def app_refusal(exc: Invalid) -> Response:
    return app_error(exc.message, exc.status)


BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="segcio Track API"'}
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="segcio App API"'}
