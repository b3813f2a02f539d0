"""People, objects, duplicates and workspace settings pages over a real workspace (plain HTTP)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from segcio.workspace import queries
from segcio.workspace.engine import Workspace
from tests.web.conftest import UI

SCRIPT = "<script>window.__xss=1</script>"
ESCAPED = "&lt;script&gt;window.__xss=1&lt;/script&gt;"


def apply(ui: UI, *ops: dict[str, Any]) -> list[Any]:
    return Workspace(ui.runtime.db, ui.runtime.defaults.workspace_id).apply(list(ops), source="test")


def identify(identifiers: dict[str, str], **attributes: Any) -> dict[str, Any]:
    return {"type": "person", "action": "identify", "identifiers": identifiers, "attributes": attributes}


def person(ui: UI, **lookup: str) -> queries.PersonView:
    found = queries.find_person(ui.runtime.db, ui.runtime.defaults.workspace_id, **lookup)
    assert found is not None
    return found


def test_lead_becomes_customer_then_search_and_profile(admin_both: UI) -> None:
    ui = admin_both
    apply(ui, identify({"email": "person@example.com"}, first_name="person", interested_in="baseball"))
    apply(ui, identify({"id": "userId123"}, email="person@example.com", account_created=1629224941))
    customer = person(ui, id="userId123")
    assert customer.email == "person@example.com"

    for query in ("person@example.com", "userId123", customer.cio_id):
        page = ui.client.get("/ui/people", params={"q": query, "by": "identifier"}).text
        assert f"/ui/people/{customer.cio_id}" in page, query
    page = ui.client.get("/ui/people", params={"q": "interested_in=baseball", "by": "attribute"}).text
    assert f"/ui/people/{customer.cio_id}" in page
    assert "Nobody matches." in ui.client.get("/ui/people", params={"q": "nobody@example.com"}).text

    profile = ui.client.get(f"/ui/people/{customer.cio_id}").text
    assert 'data-testid="person-id">userId123<' in profile
    assert 'data-testid="person-email">person@example.com<' in profile
    assert "baseball" in profile and "1629224941" in profile
    assert "attribute_change" in profile or "profile_create" in profile


def test_profile_shows_events_merged_anonymous_events_devices_relationships_and_failures(admin: UI) -> None:
    apply(
        admin,
        {
            "type": "person",
            "action": "page",
            "identifiers": {"anonymous_id": "anon-1"},
            "name": "/pricing",
            "attributes": {},
        },
        identify({"id": "u1"}, email="u1@example.com", anonymous_id="anon-1"),
        {
            "type": "person",
            "action": "event",
            "identifiers": {"id": "u1"},
            "name": "Order Completed",
            "attributes": {"total": 42},
        },
        {
            "type": "person",
            "action": "add_device",
            "identifiers": {"id": "u1"},
            "device": {"token": "tok-123", "platform": "ios"},
        },
        {
            "type": "object",
            "action": "identify",
            "identifiers": {"object_type_id": "1", "object_id": "acme"},
            "attributes": {"name": "Acme"},
            "cio_relationships": [{"identifiers": {"id": "u1"}, "relationship_attributes": {"role": "admin"}}],
        },
        identify({"id": "u2"}, email="u2@example.com"),
    )
    # The id and the email belong to different people: the change fails and is logged with its reason.
    results = apply(admin, identify({"id": "u1"}, email="u2@example.com"))
    p = person(admin, id="u1")
    page = admin.client.get(f"/ui/people/{p.cio_id}").text
    assert "Order Completed" in page
    assert "/pricing" in page and "merged anonymous" in page
    assert "tok-123" in page and "ios" in page
    assert "acme" in page and "role" in page and "admin" in page
    assert not results[0].ok
    failures = page.split("Failed changes", 1)[1].split("</section>", 1)[0]
    assert "belongs to a different person" in failures


def test_people_are_paginated(admin: UI) -> None:
    apply(admin, *(identify({"id": f"p{i:02d}"}, n=i) for i in range(30)))
    first = admin.client.get("/ui/people").text
    assert first.count('href="/ui/people/') - first.count('href="/ui/people/export') == 25
    next_link = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = admin.client.get(next_link).text
    assert second.count("<code>") >= 5 and "p29" in second and "p00" not in second


def test_export_to_csv(admin: UI) -> None:
    apply(admin, identify({"id": "a"}, email="a@example.com", plan="pro"), identify({"id": "b"}, city="Oslo"))
    response = admin.client.get("/ui/people/export.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["email"] == "a@example.com" and rows[0]["plan"] == "pro" and rows[0]["city"] == ""
    assert rows[1]["city"] == "Oslo" and rows[1]["cio_id"] == person(admin, id="b").cio_id
    assert list(rows[0])[:4] == ["cio_id", "id", "email", "created_at"]


def test_delete_suppress_and_unsuppress_need_confirmation(admin: UI) -> None:
    apply(admin, identify({"id": "gone"}), identify({"id": "blocked"}))
    gone = person(admin, id="gone")
    assert "Please confirm" in admin.post(f"/ui/people/{gone.cio_id}/delete").text
    assert queries.find_person(admin.runtime.db, 1, id="gone") is not None
    admin.post(f"/ui/people/{gone.cio_id}/delete", {"confirm": "yes"})
    assert queries.find_person(admin.runtime.db, 1, id="gone") is None

    blocked = person(admin, id="blocked")
    admin.post(f"/ui/people/{blocked.cio_id}/suppress", {"confirm": "yes"})
    suppressed = queries.suppressed(admin.runtime.db, 1)
    assert any(s["value"] == "blocked" for s in suppressed)
    assert "blocked" in admin.client.get("/ui/people").text.split('id="suppressed"')[1]
    entry = next(s for s in suppressed if s["value"] == "blocked")
    admin.post("/ui/people/unsuppress", {"kind": entry["kind"], "value": "blocked", "confirm": "yes"})
    assert not any(s["value"] == "blocked" for s in queries.suppressed(admin.runtime.db, 1))


def test_duplicates_keep_the_oldest_and_delete_the_rest(admin_both: UI) -> None:
    ui = admin_both
    Workspace(ui.runtime.db, 1).update_settings(identifiers="id_only")
    apply(ui, identify({"id": "old"}, email="dup@example.com", created_at=1000))
    apply(ui, identify({"id": "new"}, email="dup@example.com", created_at=2000))
    apply(ui, identify({"id": "alone"}, email="alone@example.com"))
    page = ui.client.get("/ui/duplicates").text
    assert "dup@example.com" in page and "alone@example.com" not in page
    assert "Please confirm" in ui.post("/ui/duplicates/resolve", {"email": "dup@example.com"}).text
    ui.post("/ui/duplicates/resolve", {"email": "dup@example.com", "confirm": "yes"})
    ids = {p.id for p in queries.iter_people(ui.runtime.db, 1)}
    assert ids == {"old", "alone"}
    assert "No duplicates." in ui.client.get("/ui/duplicates").text


def test_object_types_objects_and_related_people(admin: UI) -> None:
    apply(
        admin,
        identify({"id": "u1"}, email="u1@example.com"),
        {
            "type": "object",
            "action": "identify",
            "identifiers": {"object_type_id": "7", "object_id": "flight-9"},
            "attributes": {"from": "OSL"},
            "cio_relationships": [{"identifiers": {"id": "u1"}, "relationship_attributes": {"seat": "12A"}}],
        },
    )
    types = queries.object_types(admin.runtime.db, 1)
    flight_type = next(t for t in types if t["id"] == 7)
    page = admin.client.get("/ui/objects").text
    assert flight_type["name"] in page
    admin.post("/ui/objects/7/rename", {"name": "Flights"})
    assert next(t for t in queries.object_types(admin.runtime.db, 1) if t["id"] == 7)["name"] == "Flights"
    listing = admin.client.get("/ui/objects/7").text
    assert "Flights" in listing and "flight-9" in listing and "OSL" in listing
    obj = queries.find_object(admin.runtime.db, 1, type_id=7, object_id="flight-9")
    assert obj is not None
    detail = admin.client.get(f"/ui/objects/7/{obj.cio_object_id}").text
    assert "u1@example.com" in detail and "12A" in detail


def test_renaming_an_object_type_goes_through_the_workspace(admin_both: UI) -> None:
    """The Objects page renames with the workspace's own function: the same name rules, the same result."""
    ws = Workspace(admin_both.runtime.db, admin_both.runtime.defaults.workspace_id)
    group = {"type": "object", "action": "identify", "identifiers": {"object_type_id": "3", "object_id": "a"}}
    apply(admin_both, group)

    def name() -> str:
        return str(next(t for t in queries.object_types(ws.db, ws.workspace_id) if t["id"] == 3)["name"])

    animal = name()
    refused = admin_both.post("/ui/objects/3/rename", {"name": "x" * 201}, follow_redirects=True)
    assert "Name: give 1 to 200 characters." in refused.text and name() == animal
    admin_both.post("/ui/objects/3/rename", {"name": "  Trips  "})
    assert name() == "Trips"
    assert admin_both.post("/ui/objects/4/rename", {"name": "Nope"}).status_code == 404
    with pytest.raises(ValueError, match="Name: give 1 to 200 characters"):
        ws.rename_object_type(3, "   ")
    assert ws.rename_object_type(3, "  Journeys ") and name() == "Journeys"
    assert not ws.rename_object_type(4, "Nope")


def test_workspace_settings_are_saved(admin_both: UI) -> None:
    page = admin_both.client.get("/ui/settings").text
    assert 'value="email_or_id" checked' in page
    admin_both.post("/ui/settings", {"workspace": "1", "identifiers": "id_only", "anonymous_merge": "on"})
    saved = Workspace(admin_both.runtime.db, 1).settings()
    assert saved.identifiers == "id_only" and saved.anonymous_merge
    assert not saved.auto_merge and not saved.allow_email_update_by_id
    bad = admin_both.post("/ui/settings", {"workspace": "1", "identifiers": "phone"}).text
    assert "Identifiers: choose" in bad


def test_markup_in_traits_event_names_and_attribute_keys_is_escaped(admin: UI) -> None:
    apply(
        admin,
        identify({"id": "x"}, **{"nickname": SCRIPT, SCRIPT: "value"}),
        {"type": "person", "action": "event", "identifiers": {"id": "x"}, "name": SCRIPT, "attributes": {SCRIPT: 1}},
        {
            "type": "object",
            "action": "identify",
            "identifiers": {"object_type_id": "1", "object_id": SCRIPT},
            "attributes": {SCRIPT: SCRIPT},
            "cio_relationships": [{"identifiers": {"id": "x"}}],
        },
    )
    p = person(admin, id="x")
    obj = queries.find_object(admin.runtime.db, 1, type_id=1, object_id=SCRIPT)
    assert obj is not None
    for path in (
        f"/ui/people/{p.cio_id}",
        "/ui/people?q=nickname%3D" + SCRIPT + "&by=attribute",
        "/ui/objects/1",
        f"/ui/objects/1/{obj.cio_object_id}",
        "/ui/objects",
    ):
        page = admin.client.get(path).text
        assert SCRIPT not in page, path
    assert ESCAPED in admin.client.get(f"/ui/people/{p.cio_id}").text
