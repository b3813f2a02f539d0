"""One test per statement of the seed documents about the workspace ("Segment Destination Actions" and
"Segment destination (classic)" pages), applied as the Track v2 operations the destinations produce."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from segcio.store import Database
from segcio.workspace import queries
from segcio.workspace.engine import Workspace
from tests.workspace.engine_helpers import apply1, by_cio, by_email, by_id, event, everyone, must, new_workspace


def group(
    object_id: str, user: dict[str, str] | None, anonymous_id: str | None = None, **traits: Any
) -> dict[str, Any]:
    """What Create or Update Object sends for `analytics.group(object_id, traits)`."""
    type_id = str(traits.pop("object_type_id", "1"))
    relationship = traits.pop("relationshipAttributes", None)
    ref: dict[str, Any] = {"identifiers": user or {"anonymous_id": anonymous_id}}
    if relationship:
        ref["relationship_attributes"] = relationship
    return {
        "type": "object",
        "action": "identify" if user else "identify_anonymous",
        "identifiers": {"object_type_id": type_id, "object_id": object_id},
        "attributes": traits,
        "cio_relationships": [ref],
    }


def add_device(user: str, token: str, platform: str) -> dict[str, Any]:
    return {
        "type": "person",
        "action": "add_device",
        "identifiers": {"id": user},
        "device": {"token": token, "platform": platform},
    }


def delete_device(user: str, token: str) -> dict[str, Any]:
    return {"type": "person", "action": "delete_device", "identifiers": {"id": user}, "device": {"token": token}}


def s_new_user_is_added(ws: Workspace) -> None:
    apply1(ws, by_id("userId123", email="john.doe@example.com"))
    assert must(ws, id="userId123").email == "john.doe@example.com"


def s_existing_user_is_updated(ws: Workspace) -> None:
    apply1(ws, by_id("userId123", plan="a"))
    apply1(ws, by_id("userId123", plan="b"))
    assert [p.attributes["plan"] for p in everyone(ws)] == ["b"]


def s_lead_by_email_then_assigned_an_id(ws: Workspace) -> None:
    apply1(ws, by_email("person@example.com", first_name="person", interested_in="baseball"))
    assert must(ws, email="person@example.com").id is None
    apply1(ws, by_id("userId123", email="person@example.com", account_created=1629224941))
    (p,) = everyone(ws)
    assert p.id == "userId123" and p.attributes["interested_in"] == "baseball"


def s_lead_not_given_an_id_that_exists(ws: Workspace) -> None:
    ws.update_settings(auto_merge=False)
    apply1(ws, by_email("person@example.com"))
    apply1(ws, by_id("userId123"))
    assert not apply1(ws, by_id("userId123", email="person@example.com")).ok
    assert must(ws, email="person@example.com").id is None


def s_lead_already_with_an_id_keeps_it(ws: Workspace) -> None:
    apply1(ws, by_email("person@example.com", id="first"))
    assert not apply1(ws, by_id("second", email="person@example.com")).ok
    assert must(ws, email="person@example.com").id == "first" and len(everyone(ws)) == 1


def s_id_and_email_on_different_people_is_an_error(ws: Workspace) -> None:
    ws.update_settings(auto_merge=False)
    apply1(ws, by_email("person@example.com"))
    apply1(ws, by_id("userId123"))
    result = apply1(ws, by_id("userId123", email="person@example.com"))
    assert not result.ok and result.reason == "conflict" and len(everyone(ws)) == 2


def s_email_change_needs_cio_id_unless_allowed_by_id(ws: Workspace) -> None:
    apply1(ws, by_id("u", email="old@example.com"))
    assert not apply1(ws, by_id("u", email="new@example.com")).ok
    ws.update_settings(allow_email_update_by_id=True)
    assert apply1(ws, by_id("u", email="new@example.com")).ok
    assert must(ws, id="u").email == "new@example.com"


def s_id_change_needs_cio_id(ws: Workspace) -> None:
    apply1(ws, by_id("old", email="e@example.com"))
    cio = must(ws, id="old").cio_id
    apply1(ws, by_cio(f"cio_{cio}", email="new.email@example.com", id="new-id-value"))
    p = must(ws, cio_id=cio)
    assert (p.id, p.email) == ("new-id-value", "new.email@example.com")


def s_unsubscribed_true_unsubscribes(ws: Workspace) -> None:
    apply1(ws, by_id("userId123", email="john.doe@example.com", unsubscribed=True))
    assert must(ws, id="userId123").unsubscribed


def s_id_only_workspace_email_is_a_trait(ws: Workspace) -> None:
    ws.update_settings(identifiers="id_only")
    apply1(ws, by_id("a", email="same@example.com"))
    apply1(ws, by_id("b", email="same@example.com"))  # classic: a new id with a known email is a duplicate
    assert len(queries.people_by_email(ws.db, ws.workspace_id, "same@example.com")) == 2


def s_group_creates_unknown_object_and_animal_type(ws: Workspace) -> None:
    apply1(ws, by_id("u"))
    apply1(ws, group("initech", {"id": "u"}, name="Initech", employees=329, object_type_id=4))
    (t,) = queries.object_types(ws.db, ws.workspace_id)
    from segcio.workspace.objects import ANIMALS

    assert t["id"] == 4 and t["name"] in ANIMALS
    o = queries.find_object(ws.db, ws.workspace_id, type_id=4, object_id="initech")
    assert o is not None and o.attributes == {"name": "Initech", "employees": 329}
    assert must(ws, id="u").attributes == {}  # group traits are not person attributes


def s_group_type_defaults_to_1(ws: Workspace) -> None:
    apply1(ws, group("acme", {"id": "u"}))
    assert queries.find_object(ws.db, ws.workspace_id, type_id=1, object_id="acme") is not None


def s_group_null_or_empty_removes_and_relationship_is_reserved(ws: Workspace) -> None:
    apply1(ws, group("acme", {"id": "u"}, plan="x", size="y"))
    result = apply1(ws, group("acme", {"id": "u"}, plan=None, size="", relationship="z"))
    assert not result.ok and result.field == "attributes.relationship"
    o = queries.find_object(ws.db, ws.workspace_id, type_id=1, object_id="acme")
    assert o is not None and o.attributes == {}


def s_group_relationship_attributes(ws: Workspace) -> None:
    apply1(ws, group("class", {"id": "u"}, relationshipAttributes={"buyer_type": "coyote", "total_spend": 1000000}))
    (rel,) = queries.person_relationships(ws.db, ws.workspace_id, must(ws, id="u").pk)
    assert rel.attributes == {"buyer_type": "coyote", "total_spend": 1000000}


def s_group_before_identify_waits(ws: Workspace) -> None:
    apply1(ws, group("newco", None, anonymous_id="anon", object_type_id=3, name="NewCo"))
    assert queries.object_types(ws.db, ws.workspace_id) == []
    assert queries.find_object(ws.db, ws.workspace_id, type_id=3, object_id="newco") is None
    apply1(ws, by_id("u", anonymous_id="anon"))
    (rel,) = queries.person_relationships(ws.db, ws.workspace_id, must(ws, id="u").pk)
    assert rel.object is not None and rel.object.object_id == "newco" and rel.object.attributes == {"name": "NewCo"}


def s_deletion_removes_the_person(ws: Workspace) -> None:
    apply1(ws, by_id("gone"))
    apply1(ws, {"type": "person", "action": "delete", "identifiers": {"id": "gone"}})
    assert everyone(ws) == []


def s_anonymous_events_merge_when_identified(ws: Workspace) -> None:
    apply1(ws, event({"anonymous_id": "anon"}, "Viewed"))
    apply1(ws, by_id("u", anonymous_id="anon"))
    assert [e.name for e in queries.events(ws.db, ws.workspace_id, must(ws, id="u").pk)] == ["Viewed"]


def s_devices_added_updated_and_removed(ws: Workspace) -> None:
    token = "ff15bc0c20c4aa6cd50854ff165fd265c838e5405bfeb9571066395b8c9da449"
    apply1(ws, add_device("019mr8mf4r", token, "ios"))  # Application Installed
    apply1(ws, add_device("019mr8mf4r", token, "ios"))  # Application Opened
    assert len(queries.devices(ws.db, ws.workspace_id, must(ws, id="019mr8mf4r").pk)) == 1
    apply1(ws, delete_device("019mr8mf4r", token))  # Application Uninstalled
    assert queries.devices(ws.db, ws.workspace_id, must(ws, id="019mr8mf4r").pk) == []


def s_export_finds_duplicates_keeping_the_oldest(ws: Workspace) -> None:
    ws.update_settings(identifiers="id_only")
    apply1(ws, by_id("a", email="dup@example.com", created_at=100))
    apply1(ws, by_id("b", email="dup@example.com", created_at=50))
    rows = [r for r in queries.export_rows(ws.db, ws.workspace_id) if r["email"] == "dup@example.com"]
    assert [r["id"] for r in sorted(rows, key=lambda r: int(r["created_at"]))] == ["b", "a"]
    apply1(ws, {"type": "person", "action": "delete", "identifiers": {"id": "a"}})
    assert [p.id for p in everyone(ws)] == ["b"]


SEED_STATEMENTS: list[Callable[[Workspace], None]] = [
    s_new_user_is_added,
    s_existing_user_is_updated,
    s_lead_by_email_then_assigned_an_id,
    s_lead_not_given_an_id_that_exists,
    s_lead_already_with_an_id_keeps_it,
    s_id_and_email_on_different_people_is_an_error,
    s_email_change_needs_cio_id_unless_allowed_by_id,
    s_id_change_needs_cio_id,
    s_unsubscribed_true_unsubscribes,
    s_id_only_workspace_email_is_a_trait,
    s_group_creates_unknown_object_and_animal_type,
    s_group_type_defaults_to_1,
    s_group_null_or_empty_removes_and_relationship_is_reserved,
    s_group_relationship_attributes,
    s_group_before_identify_waits,
    s_deletion_removes_the_person,
    s_anonymous_events_merge_when_identified,
    s_devices_added_updated_and_removed,
    s_export_finds_duplicates_keeping_the_oldest,
]


@pytest.mark.parametrize("statement", SEED_STATEMENTS, ids=lambda f: f.__name__[2:])
def test_seed_statement(db: Database, statement: Callable[[Workspace], None]) -> None:
    statement(new_workspace(db))
