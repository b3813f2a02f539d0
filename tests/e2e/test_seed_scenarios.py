"""The seed documents' scenarios, from `segment-analytics-python` to the workspace, read through the App API."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.e2e.conftest import Stack


def test_identify_creates_then_updates_a_person(stack: Stack) -> None:
    stack.segment.identify("u1", {"email": "jane@example.com", "plan": "free"})
    stack.settle()
    person = stack.customer("u1")
    assert person is not None
    assert person["attributes"]["plan"] == "free"
    assert person["identifiers"]["email"] == "jane@example.com"
    stack.segment.identify("u1", {"plan": "pro"})
    stack.settle()
    person = stack.customer("u1")
    assert person is not None and person["attributes"]["plan"] == "pro"
    assert len(stack.people("jane@example.com")) == 1


def test_a_lead_created_by_email_is_given_an_id_later(stack: Stack) -> None:
    stack.segment.identify(anonymous_id="anon-lead", traits={"email": "lead@example.com", "source": "form"})
    stack.settle()
    [lead] = stack.people("lead@example.com")
    assert lead["id"] in (None, "")
    stack.segment.identify("customer-7", {"email": "lead@example.com"})
    stack.settle()
    [customer] = stack.people("lead@example.com")
    assert customer["id"] == "customer-7"
    assert customer["cio_id"] == lead["cio_id"]
    person = stack.customer("customer-7")
    assert person is not None and person["attributes"]["source"] == "form"


def test_id_and_email_of_different_people_fail_and_change_nothing(stack: Stack) -> None:
    stack.segment.identify("a1", {"email": "a@example.com"})
    stack.segment.identify("b1", {"email": "b@example.com"})
    stack.settle()
    stack.segment.identify("a1", {"email": "b@example.com", "plan": "stolen"})
    stack.settle()
    a, b = stack.customer("a1"), stack.customer("b1")
    assert a is not None and b is not None
    assert a["identifiers"]["email"] == "a@example.com" and "plan" not in a["attributes"]
    assert b["identifiers"]["email"] == "b@example.com"
    failures = [x for x in stack.activities("a1") if x["type"] == "failed_attribute_change"]
    assert failures, "the conflict is visible in the person's activity log"


def test_email_and_id_change_through_cio_id(stack: Stack) -> None:
    stack.segment.identify("old-id", {"email": "old@example.com"})
    stack.settle()
    person = stack.customer("old-id")
    assert person is not None
    cio_id = person["identifiers"]["cio_id"]
    stack.segment.identify(f"cio_{cio_id}", {"email": "new@example.com"})
    stack.settle()
    stack.segment.identify(f"cio_{cio_id}", {"id": "new-id"})
    stack.settle()
    changed = stack.customer("new-id")
    assert changed is not None
    assert changed["identifiers"] == {"id": "new-id", "email": "new@example.com", "cio_id": cio_id}
    assert stack.customer("old-id") is None


def test_unsubscribed_true_unsubscribes(stack: Stack) -> None:
    stack.segment.identify("u-unsub", {"email": "unsub@example.com", "unsubscribed": True})
    stack.settle()
    person = stack.customer("u-unsub")
    assert person is not None and person["unsubscribed"] is True


def test_group_before_identify_waits_then_relates_the_person(stack: Stack) -> None:
    stack.segment.group(
        anonymous_id="anon-g",
        group_id="acme",
        traits={"name": "Acme", "plan": "enterprise", "relationshipAttributes": {"role": "admin"}},
    )
    stack.settle()
    assert stack.object_types() == []
    assert stack.object_attributes("1", "acme") is None
    stack.segment.identify("u-g", {"email": "g@example.com"}, anonymous_id="anon-g")
    stack.settle()
    [object_type] = stack.object_types()
    assert object_type["id"] in ("1", 1)
    assert object_type["name"] and object_type["name"] != "1"  # named after an animal
    obj = stack.object_attributes("1", "acme")
    assert obj is not None and obj["attributes"]["name"] == "Acme"
    [relationship] = stack.relationships("u-g")
    assert relationship["identifiers"]["object_id"] == "acme"
    assert relationship["relationship_attributes"] == {"role": "admin"}


def test_null_removes_an_object_attribute(stack: Stack) -> None:
    stack.segment.group("u-o", "globex", {"name": "Globex", "plan": "pro"})
    stack.settle()
    obj = stack.object_attributes("1", "globex")
    assert obj is not None and obj["attributes"]["plan"] == "pro"
    stack.segment.group("u-o", "globex", {"plan": None})
    stack.settle()
    obj = stack.object_attributes("1", "globex")
    assert obj is not None and "plan" not in obj["attributes"] and obj["attributes"]["name"] == "Globex"


def test_anonymous_events_are_merged_on_identify(stack: Stack) -> None:
    stack.segment.track(anonymous_id="anon-m", event="Viewed Product", properties={"sku": "A1"})
    stack.segment.page(anonymous_id="anon-m", name="Pricing", properties={"url": "https://example.com/pricing"})
    stack.settle()
    stack.segment.identify("u-m", {"email": "m@example.com"}, anonymous_id="anon-m")
    stack.settle()
    names = {(a["type"], a["name"]) for a in stack.activities("u-m")}
    assert ("event", "Viewed Product") in names
    assert ("page", "https://example.com/pricing") in names


def _device_tokens(stack: Stack, user: str) -> dict[str, str]:
    person = stack.customer(user)
    assert person is not None
    return {d["id"]: d["platform"] for d in person["devices"]}


def test_application_lifecycle_events_manage_devices(stack: Stack) -> None:
    device = {"device": {"token": "tok-ios-1", "type": "ios"}}
    stack.segment.identify("u-d", {"email": "d@example.com"})
    stack.segment.track("u-d", "Application Installed", {"version": "1.0"}, context=device)
    stack.settle()
    assert _device_tokens(stack, "u-d") == {"tok-ios-1": "ios"}
    stack.segment.track("u-d", "Application Opened", {}, context=device)
    stack.settle()
    assert _device_tokens(stack, "u-d") == {"tok-ios-1": "ios"}
    stack.segment.track("u-d", "Application Uninstalled", {}, context=device)
    stack.settle()
    assert _device_tokens(stack, "u-d") == {}


def test_identify_with_a_device_token_adds_the_device(stack: Stack) -> None:
    stack.segment.identify(
        "u-d2", {"email": "d2@example.com"}, context={"device": {"token": "tok-android-9", "type": "android"}}
    )
    stack.settle()
    assert _device_tokens(stack, "u-d2") == {"tok-android-9": "android"}


def test_user_deleted_event_and_delete_only_regulation_remove_the_person(stack: Stack) -> None:
    stack.segment.identify("u-del", {"email": "del@example.com"})
    stack.segment.identify("u-reg", {"email": "reg@example.com"})
    stack.settle()
    stack.segment.track("u-del", "User Deleted")
    response = stack.admin.post(
        "/regulations", json={"regulationType": "DELETE_ONLY", "subjectType": "USER_ID", "subjectIds": ["u-reg"]}
    )
    assert response.status_code == 200, response.text
    stack.settle()
    assert stack.customer("u-del") is None
    assert stack.customer("u-reg") is None
    regulation_id = response.json()["data"]["regulateId"]
    status = stack.admin.get(f"/regulations/{regulation_id}").json()["data"]["regulation"]["overallStatus"]
    assert status == "FINISHED"


def test_suppressed_user_is_dropped_at_ingestion(stack: Stack) -> None:
    response = stack.admin.post(
        "/regulations", json={"regulationType": "SUPPRESS", "subjectType": "USER_ID", "subjectIds": ["u-quiet"]}
    )
    assert response.status_code == 200
    stack.segment.identify("u-quiet", {"email": "quiet@example.com"})
    stack.settle()
    assert stack.customer("u-quiet") is None
    assert stack.people("quiet@example.com") == []


def test_classic_duplicates_in_an_id_only_workspace_are_resolved(stack: Stack, tmp_path: Path) -> None:
    stack.cli("workspace", "config", "--identifiers", "id_only")
    stack.cli("destination", "use", "classic")
    stack.segment.identify("c-old", {"email": "dup@example.com", "plan": "a"})
    stack.settle()
    stack.segment.identify("c-new", {"email": "dup@example.com", "plan": "b"})
    stack.settle()
    assert sorted(p["id"] for p in stack.people("dup@example.com")) == ["c-new", "c-old"]

    export, duplicates = tmp_path / "people.csv", tmp_path / "duplicates.csv"
    stack.cli("people", "export", "--csv", str(export))
    exported = list(csv.DictReader(export.open()))
    assert {row["id"] for row in exported} >= {"c-old", "c-new"}
    stack.cli("people", "duplicates", "--by", "email", "--csv", str(duplicates))
    rows = list(csv.DictReader(duplicates.open()))
    assert {(row["id"], row["keep"]) for row in rows} == {("c-old", "true"), ("c-new", "false")}
    stack.cli("people", "delete", "--csv", str(duplicates))
    assert [p["id"] for p in stack.people("dup@example.com")] == ["c-old"]


def test_migration_with_both_destinations_sends_duplicates_until_classic_is_removed(stack: Stack) -> None:
    stack.segment.identify("mig", {"email": "mig@example.com"})
    stack.settle()
    stack.cli("destination", "use", "both")
    stack.segment.track("mig", "Clicked", {"n": 1})
    stack.settle()
    clicked = [a for a in stack.activities("mig") if a["name"] == "Clicked"]
    assert len(clicked) == 2, "both destinations delivered the event: duplicates are expected"
    stack.cli("destination", "use", "actions")
    stack.segment.track("mig", "Clicked", {"n": 2})
    stack.settle()
    clicked = [a for a in stack.activities("mig") if a["name"] == "Clicked"]
    assert len(clicked) == 3
