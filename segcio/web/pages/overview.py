"""Overview: sources, destinations, ingestion counters, backlog, throughput."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from segcio.pipeline import failures
from segcio.pipeline.backlog import event_backlog
from segcio.runtime import Runtime, get_runtime
from segcio.web import chart
from segcio.web.data import core
from segcio.web.render import render
from segcio.web.session import require_login

router = APIRouter(dependencies=[Depends(require_login)])


@router.get("/")
def overview(request: Request, runtime: Runtime = Depends(get_runtime)) -> Response:
    with runtime.db.connect() as conn:
        table = core.counter_table(conn)
        buckets = core.throughput(conn)
        context: dict[str, Any] = {
            "sources": core.list_sources(conn),
            "destinations": core.list_destinations(conn),
            "received": core.counter_total(table, "received"),
            "accepted": core.counter_total(table, "accepted"),
            "rejected": core.counter_total(table, "rejected"),
            "deduplicated": core.counter_total(table, "deduplicated"),
            "counters": table,
            "backlog": event_backlog(conn),
            "failures": failures.failures(conn),
        }
    return render(
        request,
        "overview.html",
        title="Overview",
        bars=chart.bars(buckets),
        chart_width=chart.WIDTH,
        chart_height=chart.HEIGHT,
        total_recent=sum(b.count for b in buckets),
        **context,
    )
