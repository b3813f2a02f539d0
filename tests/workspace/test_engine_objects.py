"""Objects, object types and relationships, including group calls held for anonymous people."""

from __future__ import annotations

from typing import Any

import pytest

from segcio.store import Database
from segcio.workspace import queries
from segcio.workspace.engine import Workspace
from tests.workspace.engine_helpers import apply1, by_id, event, everyone, log_types, must, new_workspace


@pytest.fixture
def ws(db: Database) -> Workspace:
    return new_workspace(db)


def group(object_id: str, people: list[dict[str, Any]], type_id: str = "1", **attributes: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "action": "identify",
        "identifiers": {"object_type_id": type_id, "object_id": object_id},
        "attributes": attributes,
        "cio_relationships": people,
    }


def obj(ws: Workspace, object_id: str, type_id: int = 1) -> queries.ObjectView:
    found = queries.find_object(ws.db, ws.workspace_id, type_id=type_id, object_id=object_id)
    assert found is not None
    return found


def test_group_creates_type_object_and_relationship(ws: Workspace) -> None:
    apply1(ws, by_id("u1"))
    assert apply1(
        ws, group("acme", [{"identifiers": {"id": "u1"}, "relationship_attributes": {"role": "admin"}}], name="Acme")
    ).ok
    acme = obj(ws, "acme")
    assert acme.attributes == {"name": "Acme"} and acme.cio_object_id.startswith("ob")
    (rel,) = queries.person_relationships(ws.db, ws.workspace_id, must(ws, id="u1").pk)
    assert rel.object is not None and rel.object.object_id == "acme" and rel.attributes == {"role": "admin"}
    (t,) = queries.object_types(ws.db, ws.workspace_id)
    assert t["id"] == 1 and t["auto_created"] and t["objects"] == 1
    assert "add_relationship" in log_types(ws, person_pk=must(ws, id="u1").pk)
    assert "_o:1:create" in log_types(ws, object_pk=acme.pk)


def test_object_types_are_named_after_distinct_animals(ws: Workspace) -> None:
    for type_id in ("1", "2", "7"):
        apply1(ws, group("x", [], type_id))
    names = [t["name"] for t in queries.object_types(ws.db, ws.workspace_id)]
    assert len(set(names)) == 3
    from segcio.workspace.objects import ANIMALS

    assert all(name in ANIMALS for name in names)


def test_object_type_auto_creation_stops_at_15(ws: Workspace) -> None:
    for type_id in range(1, 16):
        assert apply1(ws, group("x", [], str(type_id))).ok
    result = apply1(ws, group("x", [], "16"))
    assert not result.ok and result.reason == "limit" and result.field == "identifiers.object_type_id"
    assert len(queries.object_types(ws.db, ws.workspace_id)) == 15
    assert "_o:16:failed_attribute_change" in log_types(ws)


def test_same_object_id_in_two_types_are_two_objects(ws: Workspace) -> None:
    apply1(ws, group("a", [], "1", n=1))
    apply1(ws, group("a", [], "2", n=2))
    assert obj(ws, "a", 1).attributes == {"n": 1} and obj(ws, "a", 2).attributes == {"n": 2}


@pytest.mark.parametrize("removal", [None, ""])
def test_object_attribute_removal_and_relationship_name_refused(ws: Workspace, removal: object) -> None:
    apply1(ws, group("acme", [], name="Acme", plan="x"))
    result = apply1(ws, group("acme", [], plan=removal, relationship="nope", seats=5))
    assert not result.ok and result.field == "attributes.relationship"
    assert obj(ws, "acme").attributes == {"name": "Acme", "seats": 5}


def test_relationship_attributes_update_and_removal(ws: Workspace) -> None:
    apply1(ws, group("acme", [{"identifiers": {"id": "u1"}, "relationship_attributes": {"role": "admin", "x": 1}}]))
    apply1(ws, group("acme", [{"identifiers": {"id": "u1"}, "relationship_attributes": {"role": "viewer", "x": None}}]))
    (rel,) = queries.object_relationships(ws.db, ws.workspace_id, obj(ws, "acme").pk)
    assert rel.person is not None and rel.person.id == "u1" and rel.attributes == {"role": "viewer"}


def test_update_by_cio_object_id_but_never_create(ws: Workspace) -> None:
    apply1(ws, group("acme", []))
    cio = obj(ws, "acme").cio_object_id
    op = {"type": "object", "action": "identify", "identifiers": {"cio_object_id": cio}, "attributes": {"plan": "p"}}
    assert apply1(ws, op).ok and obj(ws, "acme").attributes == {"plan": "p"}
    missing = {**op, "identifiers": {"cio_object_id": "ob00000fffff"}}
    assert apply1(ws, missing).reason == "not_found"


def test_relationships_added_and_deleted_from_either_side(ws: Workspace) -> None:
    apply1(ws, by_id("u1"))
    ref = {"identifiers": {"object_type_id": "1", "object_id": "acme"}}
    person_op = {"type": "person", "identifiers": {"id": "u1"}, "cio_relationships": [ref]}
    assert apply1(ws, {**person_op, "action": "add_relationships"}).ok
    assert len(queries.person_relationships(ws.db, ws.workspace_id, must(ws, id="u1").pk)) == 1
    assert apply1(ws, {**person_op, "action": "delete_relationships"}).ok
    assert queries.person_relationships(ws.db, ws.workspace_id, must(ws, id="u1").pk) == []
    object_op = {**ref, "type": "object", "cio_relationships": [{"identifiers": {"id": "u1"}}]}
    apply1(ws, {**object_op, "action": "add_relationships"})
    assert len(queries.object_relationships(ws.db, ws.workspace_id, obj(ws, "acme").pk)) == 1
    apply1(ws, {**object_op, "action": "delete_relationships"})
    assert queries.object_relationships(ws.db, ws.workspace_id, obj(ws, "acme").pk) == []
    assert "delete_relationship" in log_types(ws, person_pk=must(ws, id="u1").pk)


def test_v1_identify_cio_relationships_form(ws: Workspace) -> None:
    rels = {
        "action": "add_relationships",
        "relationships": [
            {"identifiers": {"object_type_id": "1", "object_id": "01H5"}, "relationship_attributes": {"role": "admin"}}
        ],
    }
    assert apply1(ws, by_id("5", email="customer@example.com", cio_relationships=rels)).ok
    (rel,) = queries.person_relationships(ws.db, ws.workspace_id, must(ws, id="5").pk)
    assert rel.attributes == {"role": "admin"}
    assert "cio_relationships" not in must(ws, id="5").attributes


def test_deleting_an_object_removes_its_relationships(ws: Workspace) -> None:
    apply1(ws, group("acme", [{"identifiers": {"id": "u1"}}]))
    op = {"type": "object", "action": "delete", "identifiers": {"object_type_id": "1", "object_id": "acme"}}
    assert apply1(ws, op).ok
    assert queries.find_object(ws.db, ws.workspace_id, type_id=1, object_id="acme") is None
    assert queries.person_relationships(ws.db, ws.workspace_id, must(ws, id="u1").pk) == []


def anonymous_group(anonymous_id: str, object_id: str = "acme", type_id: str = "9", **attrs: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "action": "identify_anonymous",
        "identifiers": {"object_type_id": type_id, "object_id": object_id},
        "attributes": attrs,
        "cio_relationships": [
            {"identifiers": {"anonymous_id": anonymous_id}, "relationship_attributes": {"role": "viewer"}}
        ],
    }


def test_anonymous_group_waits_until_identify_then_applies_once(ws: Workspace) -> None:
    assert apply1(ws, anonymous_group("anon-1", name="Initech")).ok
    assert queries.object_types(ws.db, ws.workspace_id) == []  # no type, object or relationship yet
    assert queries.find_object(ws.db, ws.workspace_id, type_id=9, object_id="acme") is None
    assert len(queries.held_group_calls(ws.db, ws.workspace_id, "anon-1")) == 1
    apply1(ws, by_id("u1", anonymous_id="anon-1"))
    (rel,) = queries.person_relationships(ws.db, ws.workspace_id, must(ws, id="u1").pk)
    assert (
        rel.object is not None and rel.object.attributes == {"name": "Initech"} and rel.attributes == {"role": "viewer"}
    )
    assert queries.held_group_calls(ws.db, ws.workspace_id) == []
    apply1(ws, by_id("u1", anonymous_id="anon-1"))  # identifying again applies nothing twice
    assert log_types(ws, person_pk=must(ws, id="u1").pk).count("add_relationship") == 1


def test_anonymous_group_for_an_identified_anonymous_id_applies_at_once(ws: Workspace) -> None:
    apply1(ws, by_id("u1", anonymous_id="anon-1"))
    apply1(ws, anonymous_group("anon-1"))
    assert len(queries.person_relationships(ws.db, ws.workspace_id, must(ws, id="u1").pk)) == 1


def test_anonymous_group_root_anonymous_id_form(ws: Workspace) -> None:
    op = {
        "type": "object",
        "action": "identify_anonymous",
        "identifiers": {"object_type_id": "1", "object_id": "acme"},
        "anonymous_id": "anon-2",
    }
    apply1(ws, op)
    apply1(ws, by_id("u1", anonymous_id="anon-2"))
    assert len(queries.person_relationships(ws.db, ws.workspace_id, must(ws, id="u1").pk)) == 1


def test_relating_an_unknown_person_creates_them(ws: Workspace) -> None:
    apply1(ws, group("acme", [{"identifiers": {"email": "new@example.com"}}]))
    assert [p.email for p in everyone(ws)] == ["new@example.com"]
    apply1(ws, event({"id": "x"}))  # sanity: other operations unaffected


def test_segment_object_extras_anonymous_id_and_root_created_at(ws: Workspace) -> None:
    op = {
        "type": "object",
        "action": "identify",
        "created_at": 1577836800,
        "attributes": {"anonymous_id": "an1", "name": "Acme"},
        "cio_relationships": [{"identifiers": {"id": "u1"}}],
        "identifiers": {"object_id": "acme", "object_type_id": "3"},
    }
    assert apply1(ws, op).ok
    assert obj(ws, "acme", 3).attributes == {"name": "Acme", "created_at": 1577836800}
