"""Deliveries: per destination, recent requests and failures with request/response, the events in the failed
state, the dead-letter queue."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from segcio import values
from segcio.delivery import dlq
from segcio.delivery import log as delivery_log
from segcio.delivery.outbox import backlog
from segcio.pipeline import failed, failures
from segcio.pipeline.replay_failed import replay_failed
from segcio.runtime import Runtime, get_runtime
from segcio.web.confirm import confirmation_needed
from segcio.web.data import core
from segcio.web.params import LogId
from segcio.web.render import redirect, render
from segcio.web.session import posted_form, require_login

router = APIRouter(dependencies=[Depends(require_login)])
LIMIT = 100
PAGE_SIZE = 50
SEQS_LINKED = 5  # a batch row links to the traces of its first few events
Cursor = Annotated[int | None, Query(ge=0, le=values.MAX_BIGINT)]
Text = Annotated[str, Query(max_length=400)]


def _instant(field: str, text: str) -> float | None:
    """A `since`/`until` filter: an ISO date and time (UTC unless it says otherwise), or empty."""
    if not text.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(400, f"{field}: a date and time such as 2026-12-07T10:00 (UTC), got {text!r}.") from None
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()


@router.get("/deliveries")
def deliveries_page(
    request: Request,
    destination: int | None = None,
    outcome: Text = "",
    person: Text = "",
    event: Text = "",
    since: Text = "",
    until: Text = "",
    before: Cursor = None,
    after: Cursor = None,
    runtime: Runtime = Depends(get_runtime),
) -> Response:
    if outcome and outcome not in delivery_log.OUTCOME_GROUPS:
        raise HTTPException(400, f"outcome: one of {', '.join(delivery_log.OUTCOME_GROUPS)}, got {outcome!r}.")
    where = delivery_log.LogFilter(
        destination,
        outcome or None,
        person.strip() or None,
        event.strip() or None,
        _instant("since", since),
        _instant("until", until),
    )
    with runtime.db.connect() as conn:
        destinations = core.list_destinations(conn)
        if destination is None and destinations:
            destination = destinations[0]["id"]
            where = dataclasses.replace(where, destination_id=destination)
        current = next((d for d in destinations if d["id"] == destination), None)
        if current is None and destinations:
            raise HTTPException(404, f"No destination with id {destination}.")
        page = delivery_log.search(conn, where, PAGE_SIZE, before=before, after=after)
        counts = failures.failures(conn, destination) if destination is not None else failures.Failures()
        outcomes = core.counter_table(conn).get(f"destination:{destination}", {})
        failed_events = failed.list_failed(conn, destination, LIMIT) if destination is not None else []
    dead = dlq.list_dead(runtime.db, destination, LIMIT)
    pending = backlog(runtime.db, destination).pending if destination is not None else 0
    filters = {"destination": destination, "outcome": outcome, "person": person, "event": event}
    filters |= {"since": since, "until": until}
    kept = {k: v for k, v in filters.items() if v not in (None, "")}
    return render(
        request,
        "deliveries.html",
        title="Deliveries",
        destinations=destinations,
        current=current,
        log=page.rows,
        newer_url=None if page.newer is None else "/ui/deliveries?" + urlencode({**kept, "after": page.newer}),
        older_url=None if page.older is None else "/ui/deliveries?" + urlencode({**kept, "before": page.older}),
        filters=filters,
        filtered=any(filters[k] for k in ("outcome", "person", "event", "since", "until")),
        outcome_groups=list(delivery_log.OUTCOME_GROUPS),
        failed_outcomes=delivery_log.OUTCOME_GROUPS["failed"],
        local_workspace=delivery_log.LOCAL_WORKSPACE,
        seqs_linked=SEQS_LINKED,
        dead=dead,
        failed_events=failed_events,
        counts=counts,
        pending=pending,
        outcomes=outcomes,
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
