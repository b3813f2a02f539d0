"""Event Tester: run one event through a destination's subscriptions and show what each one does."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio import jsonutil
from segcio.destinations.runner import DestinationRunner
from segcio.destinations.tester import filtered, report
from segcio.runtime import Runtime, get_runtime
from segcio.web import local_apply
from segcio.web.data import destinations as dest_data
from segcio.web.params import ConfigId
from segcio.web.render import render
from segcio.web.samples import SAMPLE_TYPES, samples
from segcio.web.session import posted_form, require_login

router = APIRouter(dependencies=[Depends(require_login)])
MAX_EVENT_BYTES = 32 * 1024


def _page(request: Request, runtime: Runtime, destination_id: int, **context: Any) -> Response:
    with runtime.db.connect() as conn:
        destination = dest_data.actions_destination(conn, destination_id)
        if destination is None:
            raise HTTPException(404, f"No Customer.io (Actions) destination with id {destination_id}.")
        subscriptions = dest_data.subscriptions(conn, destination_id)
    shown_samples = samples()
    context.setdefault("event_type", "track")
    context.setdefault("event_text", jsonutil.dumps(shown_samples[context["event_type"]]))
    context.setdefault("results", None)
    context.setdefault("error", "")
    context.setdefault("apply_local", False)
    context.setdefault("filtered", None)
    return render(
        request,
        "tester.html",
        title="Event Tester",
        destination=destination,
        subscriptions=subscriptions,
        samples=shown_samples,
        local_target=destination["settings"].get("target", "local") == "local",
        **context,
    )


@router.get("/destinations/{destination_id}/tester")
def tester_page(request: Request, destination_id: ConfigId, runtime: Runtime = Depends(get_runtime)) -> Response:
    return _page(request, runtime, destination_id)


def _parse_event(text: str) -> tuple[dict[str, Any] | None, str]:
    if len(text.encode()) > MAX_EVENT_BYTES:
        return None, f"The event is larger than {MAX_EVENT_BYTES // 1024} KB; shorten it."
    try:
        event = jsonutil.loads(text)
    except ValueError as exc:
        return None, f"The event is not valid JSON ({exc}); fix the JSON and send again."
    if not isinstance(event, dict):
        return None, 'The event must be a JSON object such as {"type": "track", "event": "Signed Up"}.'
    return event, ""


@router.post("/destinations/{destination_id}/tester")
def run_tester(
    request: Request,
    destination_id: ConfigId,
    form: FormData = Depends(posted_form),
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    event_type = str(form.get("type") or "track")
    if event_type not in SAMPLE_TYPES:
        event_type = "track"
    text = str(form.get("event") or "")
    apply_local = form.get("apply_local") == "on"
    event, error = _parse_event(text)
    shown: dict[str, Any] = {"event_type": event_type, "event_text": text, "apply_local": apply_local}
    if event is None:
        return _page(request, runtime, destination_id, error=error, **shown)
    if reason := filtered(event):
        return _page(request, runtime, destination_id, filtered=reason, **shown)
    with runtime.db.connect() as conn:
        destination = dest_data.actions_destination(conn, destination_id)
        if destination is None:
            raise HTTPException(404, f"No Customer.io (Actions) destination with id {destination_id}.")
        subscriptions = [s for s in dest_data.subscriptions(conn, destination_id) if s.get("enabled", True)]
    results = DestinationRunner(destination["settings"], subscriptions).run(event)
    answer = report(results)
    responses: dict[int, list[dict[str, Any]]] = {}
    if apply_local and destination["settings"].get("target", "local") == "local":
        responses = local_apply.apply_results(runtime, destination["settings"], results)
    requests = answer["requests"]
    rows = [
        {**detail, "why": "matched" if detail["status"] == "sent" else detail["why"],
         "requests": [requests[i] for i in detail["request_indexes"]], "responses": responses.get(i)}
        for i, detail in enumerate(answer["details"])
    ]
    return _page(request, runtime, destination_id, results=rows, **shown)
