"""Event Tester option: apply the requests a subscription would send to the local workspace instead."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from segcio.actions.runtime import SubscriptionResult
from segcio.pipeline.operations import UnsupportedRequest, operations_for
from segcio.runtime import Runtime

SOURCE = "event_tester"


def apply_results(
    runtime: Runtime, settings: Mapping[str, Any], results: Sequence[SubscriptionResult]
) -> dict[int, list[dict[str, Any]]]:
    """Apply each matched subscription's requests to the destination's workspace; the outcome per result index."""
    from segcio.workspace.engine import Workspace

    workspace = Workspace(runtime.db, int(settings.get("workspace_id") or runtime.defaults.workspace_id))
    email_identifiers = workspace.settings().identifiers == "email_or_id"
    out: dict[int, list[dict[str, Any]]] = {}
    for index, result in enumerate(results):
        outcomes: list[dict[str, Any]] = []
        for request in result.requests:
            try:
                ops = operations_for(request, email_identifiers=email_identifiers)
            except UnsupportedRequest as exc:
                outcomes.append({"ok": False, "message": str(exc)})
                continue
            for op, res in zip(ops, workspace.apply(ops, source=SOURCE), strict=True):
                outcomes.append(
                    {
                        "operation": f"{op.get('type')} {op.get('action')}",
                        "ok": res.ok,
                        "reason": res.reason,
                        "field": res.field,
                        "message": res.message,
                    }
                )
        if result.requests:
            out[index] = outcomes
    return out
