"""The Deliveries page's log (columns, filters, paging, links) and one count of failures everywhere: Overview,
Deliveries, /metrics and `segcio delivery status` (plain HTTP and the CLI, on SQLite and PostgreSQL)."""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from segcio.cli import app
from segcio.delivery.sender import RemoteSender
from segcio.pipeline.credentials import destination_auth
from segcio.pipeline.leases import LEASE_SECONDS
from segcio.pipeline.router import Router
from segcio.store.tables.delivery import delivery_log
from segcio.web.pages import deliveries
from tests.conftest import run_coroutine
from tests.delivery.conftest import FAST
from tests.delivery.standin import Fault, StandIn
from tests.pipeline.test_failed_events import POSTGRES_FAULT, SQLITE_FAULT
from tests.web.conftest import UI

ROW = re.compile(r'<tr data-outcome="([a-z_]+)">(.*?)</tr>', re.S)


def send(ui: UI, *messages: dict[str, Any]) -> None:
    batch = [{"messageId": str(uuid.uuid4()), **m} for m in messages]
    response = ui.client.post("/v1/batch", json={"batch": batch}, auth=(ui.runtime.defaults.write_key, ""))
    assert response.status_code == 200, response.text


def route(ui: UI) -> None:
    """Route what was sent with the destinations' current settings, then let the partitions go."""
    router = Router(ui.runtime.db)
    try:
        for _ in range(100):
            if not router.step():
                return
        raise AssertionError("the router never went idle")
    finally:
        router.release()


def log_rows(ui: UI, query: str) -> list[tuple[str, str]]:
    """(outcome, row HTML) of the delivery log as the page shows it."""
    response = ui.client.get("/ui/deliveries?" + query)
    assert response.status_code == 200, response.text
    return ROW.findall(response.text)


def identify(user: str) -> dict[str, Any]:
    return {"type": "identify", "userId": user, "traits": {"plan": "pro"}}


def track(user: str, event: str) -> dict[str, Any]:
    return {"type": "track", "userId": user, "event": event}


REFUSED = {"type": "screen", "userId": "u3"}  # Track Screen View needs a name: the action refuses it


def test_local_rows_show_items_time_where_and_their_events(admin_both: UI) -> None:
    ui = admin_both
    d = ui.runtime.defaults.destination_id
    send(ui, identify("u1"), track("u1", "Order Completed"))
    route(ui)
    rows = log_rows(ui, f"destination={d}")
    assert [outcome for outcome, _ in rows] == ["delivered", "delivered"]
    page = ui.client.get(f"/ui/deliveries?destination={d}").text
    assert "built-in method" not in page and "track.customer.io" not in page
    for _, row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert cells[2] == "local workspace"
        assert cells[4] == "1"  # items
        assert float(cells[5]) >= 0  # ms
    assert re.search(r'<a href="/ui/events/\d+"[^>]*>Order Completed #\d+</a>', rows[0][1])
    with ui.runtime.db.connect() as conn:  # what is recorded, not only what is shown
        assert set(conn.execute(select(delivery_log.c.url)).scalars()) == {"local workspace"}


def test_filters_find_failed_rows_and_pages_keep_them(admin_both: UI, monkeypatch: pytest.MonkeyPatch) -> None:
    ui = admin_both
    d = ui.runtime.defaults.destination_id
    send(ui, *(track("u1", "Order Completed") for _ in range(7)), *(track("u2", "Signed Up") for _ in range(3)))
    send(ui, REFUSED)
    route(ui)

    [(outcome, row)] = log_rows(ui, f"destination={d}&outcome=failed")
    assert outcome == "failed" and "u3" in row and "missing the required field" in row
    assert {o for o, _ in log_rows(ui, f"destination={d}&outcome=ok")} == {"delivered"}
    assert len(log_rows(ui, f"destination={d}&person=u2")) == 3
    assert len(log_rows(ui, f"destination={d}&event=Order+Completed")) == 7
    assert log_rows(ui, f"destination={d}&until=2000-01-01T00:00") == []
    assert len(log_rows(ui, f"destination={d}&since=2000-01-01T00:00&person=u2")) == 3
    bad = ui.client.get(f"/ui/deliveries?destination={d}&since=yesterday")
    assert bad.status_code == 400 and "since" in bad.text
    assert ui.client.get(f"/ui/deliveries?destination={d}&outcome=great").status_code == 400

    monkeypatch.setattr(deliveries, "PAGE_SIZE", 4)
    first = ui.client.get(f"/ui/deliveries?destination={d}&event=Order+Completed").text
    older = re.search(r'href="(/ui/deliveries\?[^"]+)#log" rel="next"', first)
    assert older is not None and 'rel="prev"' not in first
    older_url = older.group(1).replace("&amp;", "&")
    assert "event=Order+Completed" in older_url and f"destination={d}" in older_url
    second = ui.client.get(older_url).text
    assert len(ROW.findall(first)) == 4 and len(ROW.findall(second)) == 3 and 'rel="next"' not in second
    newer = re.search(r'href="(/ui/deliveries\?[^"]+)#log" rel="prev"', second)
    assert newer is not None and "event=Order+Completed" in newer.group(1)
    assert ROW.findall(ui.client.get(newer.group(1).replace("&amp;", "&")).text) == ROW.findall(first)


@pytest.fixture
def standin() -> Iterator[StandIn]:
    s = StandIn("site-x", "key-x")
    s.start()
    try:
        yield s
    finally:
        s.stop()


def cli(ui: UI, *args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--database", ui.runtime.db.url])
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def test_overview_deliveries_metrics_and_cli_count_the_same_failures(admin_both: UI, standin: StandIn) -> None:
    ui = admin_both
    d = ui.runtime.defaults.destination_id
    with ui.runtime.db.begin() as conn:  # the local workspace cannot store this group's object: it is parked
        for statement in POSTGRES_FAULT if "postgresql" in ui.runtime.db.url else SQLITE_FAULT:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql("INSERT INTO test_faults (object_id) VALUES ('poison')")
    send(ui, {"type": "group", "userId": "p1", "groupId": "poison", "traits": {"name": "Acme"}})
    route(ui)

    cli(ui, "destination", "target", "remote", "--site-id", "site-x", "--api-key", "key-x", "--base-url", standin.url)
    sender = RemoteSender(
        ui.runtime.db, d, FAST, authenticate=functools.partial(destination_auth, ui.runtime.db),
        lease_seconds=LEASE_SECONDS,
    )  # fmt: skip

    standin.reject_ids = {"bad-1"}  # a 207 refusing this person's operation
    send(ui, identify("ok-1"), identify("bad-1"), REFUSED)
    route(ui)
    run_coroutine(sender.drain(30))
    standin.plan(Fault("404"))  # the whole batch refused
    send(ui, identify("gone-1"), identify("gone-2"))
    route(ui)
    run_coroutine(sender.drain(30))
    standin.plan(Fault("500"))  # retried: not a failure
    send(ui, identify("later-1"))
    route(ui)
    run_coroutine(sender.run_once())

    expected = {"total": 5, "refused": 1, "parked": 1, "dead": 3}
    for path in ("/ui/", f"/ui/deliveries?destination={d}"):
        page = ui.client.get(path).text
        shown = {k: int(re.findall(rf'data-testid="failures-{k}">(\d+)<', page)[0]) for k in expected}
        assert shown == expected, path

    metrics = ui.client.get("/metrics").text
    assert f'segcio_destination_failed{{destination="{d}"}} 5.0' in metrics
    for kind, n in (("refused", 1), ("parked", 1), ("dead_letters", 3)):
        assert f'segcio_destination_failures{{destination="{d}",kind="{kind}"}} {n}.0' in metrics

    for args in ((), ("--destination", str(d))):
        status = cli(ui, "delivery", "status", *args, "--json")
        assert status["failures"] == {
            "refused": 1, "parked": 1, "dead_letters": 3, "retrying": 1, "total": 5
        }  # fmt: skip
    assert "failed        5 (1 refused, 1 failed events, 3 dead letters)" in cli(ui, "delivery", "status")

    # The delivery log's failed filter shows where each came from; the retry is not among them.
    outcomes = [o for o, _ in log_rows(ui, f"destination={d}&outcome=failed")]
    assert sorted(outcomes) == ["dead_letter", "failed", "parked", "partial"]
    [(_, retry)] = log_rows(ui, f"destination={d}&outcome=retried")
    assert standin.url in retry and "/ui/events/" in retry
    [(_, dead)] = log_rows(ui, f"destination={d}&outcome=dead-lettered&person=gone-1")
    assert re.findall(r'href="/ui/events/(\d+)"', dead)  # the batch row links to its events
    assert ">2 people<" in dead
    assert log_rows(ui, f"destination={d}&outcome=dead-lettered&person=GONE-1") == []  # ids are exact
    assert log_rows(ui, f"destination={d}&person=gone-%25") == []  # and no pattern
