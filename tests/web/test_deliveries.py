"""Deliveries page: delivery log, dead-letter queue, replay and delete (plain HTTP)."""

from __future__ import annotations

import time

from sqlalchemy import func, insert, select

from segcio import jsonutil
from segcio.delivery import log as delivery_log
from segcio.store.tables.delivery import dead_letters, outbox
from tests.web.conftest import UI


def bury_one(ui: UI, destination_id: int, person: str = "u1") -> int:
    """A dead letter as the sender leaves it after Customer.io refused the credentials."""
    with ui.runtime.db.begin() as conn:
        result = conn.execute(
            insert(dead_letters).values(
                destination_id=destination_id,
                person_key=person,
                event_seq=1,
                method="POST",
                url="https://track.customer.io/api/v2/batch",
                headers=jsonutil.dumps({"content-type": "application/json"}),  # never credentials
                body=jsonutil.dumps(
                    {"batch": [{"type": "person", "action": "identify", "identifiers": {"id": person}}]}
                ),
                reason="HTTP 401 Unauthorized (check the destination's siteId and apiKey)",
                status=401,
                response_body='{"meta":{"error":"Unauthorized request"}}',
                attempts=1,
                created_at=time.time(),
            )
        )
        delivery_log.write(
            conn,
            [
                delivery_log.LogEntry(
                    destination_id,
                    "dead_letter",
                    time.time(),
                    "POST",
                    "https://track.customer.io/api/v2/batch",
                    401,
                    1,
                    12.0,
                    person,
                    1,
                    "identify u1",
                    "Unauthorized request",
                )
            ],
        )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def counts(ui: UI) -> tuple[int, int]:
    with ui.runtime.db.connect() as conn:
        dead = conn.execute(select(func.count()).select_from(dead_letters)).scalar_one()
        queued = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
    return int(dead), int(queued)


def test_dead_letters_are_listed_shown_and_replayed(admin_both: UI) -> None:
    ui = admin_both
    d = ui.runtime.defaults.destination_id
    ui.post(
        f"/ui/destinations/{d}/settings",
        {"name": "Remote", "target": "remote", "siteId": "fixed", "apiKey": "right", "accountRegion": "US"},
    )
    dead_id = bury_one(ui, d)
    page = ui.client.get(f"/ui/deliveries?destination={d}").text
    assert "HTTP 401 Unauthorized" in page and 'data-testid="dead-count">1<' in page
    assert "Unauthorized request" in page  # the log's response summary
    detail = ui.client.get(f"/ui/deliveries/dead/{dead_id}").text
    assert "content-type: application/json" in detail and "Basic" not in detail

    ui.post("/ui/deliveries/replay", {"destination": str(d), "id": str(dead_id)})
    assert counts(ui) == (0, 1)
    with ui.runtime.db.connect() as conn:
        headers = jsonutil.loads(conn.execute(select(outbox.c.headers)).scalar_one())
    assert headers == {"content-type": "application/json"}  # the sender authenticates it when it sends it
    assert "No dead letters." in ui.client.get(f"/ui/deliveries?destination={d}").text


def test_replay_all_and_delete_ask_first(admin: UI) -> None:
    d = admin.runtime.defaults.destination_id
    bury_one(admin, d, "a")
    bury_one(admin, d, "b")
    assert "Please confirm" in admin.post("/ui/deliveries/replay", {"destination": str(d)}).text
    assert "Please confirm" in admin.post("/ui/deliveries/drop", {"destination": str(d)}).text
    assert counts(admin) == (2, 0)
    admin.post("/ui/deliveries/drop", {"destination": str(d), "confirm": "yes"})
    assert counts(admin) == (0, 0)


def test_overview_shows_failures_and_dead_letters(admin: UI) -> None:
    bury_one(admin, admin.runtime.defaults.destination_id)
    page = admin.client.get("/ui/").text
    assert 'data-testid="failures-dead">1</span> in the dead-letter queue' in page
    assert 'data-testid="failures-total">1<' in page


def test_deliveries_page_shows_what_a_local_destination_did(admin: UI) -> None:
    from segcio.store.counters import increment

    d = admin.runtime.defaults.destination_id
    with admin.runtime.db.begin() as conn:
        increment(conn, f"destination:{d}", {"delivered": 3, "failed": 1, "no_match": 2})
    page = admin.client.get(f"/ui/deliveries?destination={d}").text
    section = page.split("Events processed by this destination", 1)[1].split("</section>", 1)[0]
    assert "no match" in section and ">3<" in section and ">2<" in section
    assert 'data-testid="failures-refused">1</span> events refused by a destination' in admin.client.get("/ui/").text
