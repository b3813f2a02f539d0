"""Deliveries: per destination, recent requests and failures with request/response, the events in the failed
state, the dead-letter queue."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio.delivery import dlq
from segcio.delivery import log as delivery_log
from segcio.pipeline import failed
from segcio.pipeline.replay_failed import replay_failed
from segcio.runtime import Runtime, get_runtime
from segcio.web.confirm import confirmation_needed
from segcio.web.data import core, delivery
from segcio.web.params import LogId
from segcio.web.render import redirect, render
from segcio.web.session import posted_form, require_login

router = APIRouter(dependencies=[Depends(require_login)])
LIMIT = 100


@router.get("/deliveries")
def deliveries_page(
    request: Request, destination: int | None = None, runtime: Runtime = Depends(get_runtime)
) -> Response:
    with runtime.db.connect() as conn:
        destinations = core.list_destinations(conn)
        if destination is None and destinations:
            destination = destinations[0]["id"]
        current = next((d for d in destinations if d["id"] == destination), None)
        if current is None and destinations:
            raise HTTPException(404, f"No destination with id {destination}.")
        log = delivery_log.recent(conn, destination, LIMIT)
        counts = delivery.summary(conn, destination)
        outcomes = core.counter_table(conn).get(f"destination:{destination}", {})
        failed_events = failed.list_failed(conn, destination, LIMIT) if destination is not None else []
        failed_total = failed.counts(conn).get(destination or 0, 0)
    dead = dlq.list_dead(runtime.db, destination, LIMIT)
    return render(
        request,
        "deliveries.html",
        title="Deliveries",
        destinations=destinations,
        current=current,
        log=log,
        dead=dead,
        failed_events=failed_events,
        failed_total=failed_total,
        counts=counts,
        outcomes=outcomes,
        failed_outcomes=delivery.FAILED_OUTCOMES,
    )


@router.get("/deliveries/dead/{dead_id}")
def dead_letter_page(request: Request, dead_id: LogId, runtime: Runtime = Depends(get_runtime)) -> Response:
    item = dlq.show(runtime.db, dead_id)
    if item is None:
        raise HTTPException(404, f"No dead letter {dead_id} (it may have been replayed or dropped).")
    return render(request, "dead_letter.html", title=f"Dead letter {dead_id}", item=item)


def _ids(form: FormData) -> list[int] | None:
    raw = form.get("id")
    if raw in (None, ""):
        return None
    try:
        return [int(str(raw))]
    except ValueError:
        raise HTTPException(400, "id: a dead letter number.") from None


def _destination_id(form: FormData) -> int:
    try:
        return int(str(form.get("destination") or ""))
    except ValueError:
        raise HTTPException(400, "destination: the destination whose dead letters to act on.") from None


@router.post("/deliveries/replay")
def replay(
    request: Request, form: FormData = Depends(posted_form), runtime: Runtime = Depends(get_runtime)
) -> Response:
    destination_id = _destination_id(form)
    ids = _ids(form)
    if ids is None:
        asked = confirmation_needed(request, form, "Replay every dead letter of this destination?")
        if asked is not None:
            return asked
    moved = dlq.replay(runtime.db, ids=ids, destination_id=destination_id)
    return redirect(
        request,
        f"/ui/deliveries?destination={destination_id}",
        notice=f"{moved} request(s) moved back to the outbox; they are sent again shortly.",
    )


@router.post("/deliveries/drop")
def drop(request: Request, form: FormData = Depends(posted_form), runtime: Runtime = Depends(get_runtime)) -> Response:
    destination_id = _destination_id(form)
    ids = _ids(form)
    asked = confirmation_needed(
        request,
        form,
        "Delete " + ("this dead letter" if ids else "every dead letter of this destination") + " for good?",
    )
    if asked is not None:
        return asked
    dropped = dlq.drop(runtime.db, ids=ids, destination_id=destination_id)
    return redirect(
        request, f"/ui/deliveries?destination={destination_id}", notice=f"{dropped} dead letter(s) deleted."
    )


@router.post("/deliveries/failed/replay")
def replay_failed_events(
    request: Request, form: FormData = Depends(posted_form), runtime: Runtime = Depends(get_runtime)
) -> Response:
    destination_id = _destination_id(form)
    raw = form.get("id")
    try:
        failed_id = None if raw in (None, "") else int(str(raw))
    except ValueError:
        raise HTTPException(400, "id: a failed event number.") from None
    if failed_id is None:
        asked = confirmation_needed(request, form, "Replay every failed event of this destination?")
        if asked is not None:
            return asked
    outcome = replay_failed(runtime.db, destination_id=destination_id, failed_id=failed_id)
    return redirect(
        request,
        f"/ui/deliveries?destination={destination_id}",
        notice=f"{outcome.replayed} event(s) replayed, {outcome.failed} still failed.",
    )
