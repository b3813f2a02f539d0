"""Identify outcomes of the reference table (customerio-workspace.md §3.2) and the seed documents, one test each,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from segcio.store import Database
from segcio.workspace.engine import Workspace
from tests.workspace.engine_helpers import (
    NOW,
    apply1,
    by_cio,
    by_email,
    by_id,
    everyone,
    log,
    log_types,
    must,
    new_workspace,
    person,
)


@pytest.fixture
def ws(db: Database) -> Workspace:
    return new_workspace(db)


def test_create_person_with_id_and_email(ws: Workspace) -> None:
    assert apply1(ws, by_id("u1", email="a@example.com", plan="pro")).ok
    p = must(ws, id="u1")
    assert (p.id, p.email, p.attributes["plan"]) == ("u1", "a@example.com", "pro")
    assert log_types(ws, person_pk=p.pk) == ["attribute_change", "profile_create"]  # newest first
    (change,) = [a for a in log(ws, person_pk=p.pk) if a.type == "attribute_change"]
    assert change.data["changes"] == {"plan": "pro", "id": "u1", "email": "a@example.com"}


def test_update_person_found_by_path_id(ws: Workspace) -> None:
    apply1(ws, by_id("u1", plan="basic"))
    assert apply1(ws, by_id("u1", plan="pro", seats=3)).ok
    (p,) = everyone(ws)
    assert p.attributes == {"plan": "pro", "seats": 3}


def test_lead_created_by_email_then_given_an_id(ws: Workspace) -> None:
    apply1(ws, by_email("person@example.com", first_name="person"))
    lead = must(ws, email="person@example.com")
    assert lead.id is None
    assert apply1(ws, by_id("userId123", email="person@example.com", account_created=1629224941)).ok
    (p,) = everyone(ws)
    assert (p.pk, p.id, p.attributes["first_name"]) == (lead.pk, "userId123", "person")
    newest = next(a for a in log(ws, person_pk=p.pk) if a.type == "attribute_change")
    assert newest.data["changes"] == {"account_created": 1629224941, "id": "userId123"}


def test_lead_with_an_id_already_is_not_given_another(ws: Workspace) -> None:
    apply1(ws, by_id("first", email="person@example.com"))
    result = apply1(ws, by_id("second", email="person@example.com", plan="x"))
    assert not result.ok and result.reason == "conflict"
    (p,) = everyone(ws)
    assert p.id == "first" and "plan" not in p.attributes


def test_path_email_unknown_body_id_known_assigns_the_email(ws: Workspace) -> None:
    apply1(ws, by_id("u1"))
    assert apply1(ws, by_email("new@example.com", id="u1")).ok
    (p,) = everyone(ws)
    assert (p.id, p.email) == ("u1", "new@example.com")


def test_id_and_email_of_different_people_fail_and_change_nothing(ws: Workspace) -> None:
    apply1(ws, by_id("u1", email="one@example.com"))
    apply1(ws, by_id("u2", email="two@example.com"))
    before = {p.pk: (p.id, p.email, p.attributes) for p in everyone(ws)}
    result = apply1(ws, by_id("u1", email="two@example.com", plan="changed"))
    assert not result.ok and result.reason == "conflict" and result.field == "attributes.email"
    assert "different person" in (result.message or "")
    assert {p.pk: (p.id, p.email, p.attributes) for p in everyone(ws)} == before
    failed = [a for a in log(ws, person_pk=must(ws, id="u1").pk) if a.type == "failed_attribute_change"]
    assert failed and failed[0].data["reason"] == "conflict"


def test_email_is_case_insensitive_and_id_case_sensitive(ws: Workspace) -> None:
    apply1(ws, by_email("Mixed@Example.com"))
    apply1(ws, by_email("mixed@example.COM", plan="x"))
    assert len(everyone(ws)) == 1
    apply1(ws, by_id("ABC"))
    apply1(ws, by_id("abc"))
    assert {p.id for p in everyone(ws)} == {None, "ABC", "abc"}


def test_changing_a_set_id_needs_cio_id(ws: Workspace) -> None:
    apply1(ws, by_email("a@example.com", id="old"))
    result = apply1(ws, by_email("a@example.com", id="new", plan="kept"))
    assert not result.ok and result.field == "attributes.id"
    p = must(ws, email="a@example.com")
    assert p.id == "old" and p.attributes["plan"] == "kept"  # the rest of the identify is applied
    assert apply1(ws, by_cio(p.cio_id, id="new")).ok
    assert must(ws, email="a@example.com").id == "new"


def test_changing_a_set_email_needs_cio_id(ws: Workspace) -> None:
    apply1(ws, by_id("u1", email="old@example.com"))
    result = apply1(ws, by_id("u1", email="new@example.com"))
    assert not result.ok and result.field == "attributes.email"
    assert must(ws, id="u1").email == "old@example.com"
    p = must(ws, id="u1")
    assert apply1(ws, by_cio(f"cio_{p.cio_id}", email="new@example.com")).ok
    assert must(ws, id="u1").email == "new@example.com"
    assert person(ws, email="old@example.com") is None


def test_email_may_change_by_id_when_allowed(ws: Workspace) -> None:
    ws.update_settings(allow_email_update_by_id=True)
    apply1(ws, by_id("u1", email="old@example.com"))
    apply1(ws, by_id("u2", email="taken@example.com"))
    assert apply1(ws, by_id("u1", email="new@example.com")).ok
    assert must(ws, id="u1").email == "new@example.com"
    refused = apply1(ws, by_id("u1", email="taken@example.com"))
    assert not refused.ok and refused.reason == "conflict"
    assert must(ws, id="u1").email == "new@example.com"


def test_cio_id_cannot_take_an_identifier_of_another_person(ws: Workspace) -> None:
    apply1(ws, by_id("u1"))
    apply1(ws, by_id("u2"))
    p = must(ws, id="u1")
    result = apply1(ws, by_cio(p.cio_id, id="u2"))
    assert not result.ok and result.reason == "conflict"
    assert must(ws, id="u1").pk == p.pk


def test_update_only_never_creates(ws: Workspace) -> None:
    result = apply1(ws, by_id("ghost", _update=True, plan="x"))
    assert not result.ok and result.reason == "not_found"
    assert everyone(ws) == []
    assert "failed_attribute_change" in log_types(ws)
    apply1(ws, by_id("u1"))
    assert apply1(ws, by_id("u1", _update=True, plan="x")).ok
    assert must(ws, id="u1").attributes == {"plan": "x"}


def test_auto_merge_joins_id_only_and_email_only_profiles_older_survives(ws: Workspace) -> None:
    apply1(ws, by_email("a@example.com", source="lead", shared="lead"), now=NOW)
    apply1(ws, by_id("u1", shared="user", plan="pro"), now=NOW + 10)
    older = must(ws, email="a@example.com")
    assert apply1(ws, by_id("u1", email="a@example.com"), now=NOW + 20).ok
    (p,) = everyone(ws)
    assert p.pk == older.pk and p.cio_id == older.cio_id
    assert (p.id, p.email) == ("u1", "a@example.com")
    assert p.attributes == {"source": "lead", "shared": "lead", "plan": "pro"}
    assert "profile_merge" in log_types(ws, person_pk=p.pk)


def test_no_auto_merge_when_off(ws: Workspace) -> None:
    ws.update_settings(auto_merge=False)
    apply1(ws, by_email("a@example.com"))
    apply1(ws, by_id("u1"))
    result = apply1(ws, by_id("u1", email="a@example.com"))
    assert not result.ok and result.reason == "conflict"
    assert len(everyone(ws)) == 2


def test_no_auto_merge_when_profiles_have_both_identifiers(ws: Workspace) -> None:
    apply1(ws, by_email("a@example.com", id="x"))
    apply1(ws, by_id("u1"))
    assert not apply1(ws, by_id("u1", email="a@example.com")).ok
    assert len(everyone(ws)) == 2


def test_unknown_cio_id_is_dropped_and_recorded(ws: Workspace) -> None:
    result = apply1(ws, by_cio("03ffffff", plan="x"))
    assert not result.ok and result.reason == "not_found"
    assert everyone(ws) == []
    (entry,) = log(ws, failed_only=True)
    assert entry.data["identifiers"] == {"cio_id": "03ffffff"}


def test_deleted_cio_id_is_dropped(ws: Workspace) -> None:
    apply1(ws, by_id("u1"))
    cio = must(ws, id="u1").cio_id
    apply1(ws, {"type": "person", "action": "delete", "identifiers": {"id": "u1"}})
    result = apply1(ws, by_cio(cio, plan="x"))
    assert result.reason == "not_found" and everyone(ws) == []


def test_cio_id_is_immutable_and_never_reused(ws: Workspace) -> None:
    apply1(ws, by_id("u1"))
    first = must(ws, id="u1").cio_id
    apply1(ws, {"type": "person", "action": "delete", "identifiers": {"id": "u1"}})
    apply1(ws, by_id("u1"))
    assert must(ws, id="u1").cio_id != first


def test_id_only_workspace_treats_email_as_an_attribute(ws: Workspace) -> None:
    ws.update_settings(identifiers="id_only")
    apply1(ws, by_id("u1", email="same@example.com"))
    assert apply1(ws, by_id("u2", email="same@example.com")).ok  # a duplicate, as documented for classic
    assert {p.id for p in everyone(ws)} == {"u1", "u2"}
    assert apply1(ws, by_id("u1", email="other@example.com")).ok  # an ordinary attribute changes freely
    assert must(ws, id="u1").email == "other@example.com"
    refused = apply1(ws, by_email("same@example.com"))
    assert not refused.ok and refused.reason == "invalid" and refused.field == "identifiers.email"


def test_identifiers_unique_per_workspace_not_across(ws: Workspace) -> None:
    from segcio.bootstrap import create_workspace

    with ws.db.begin() as conn:
        other = Workspace(ws.db, create_workspace(conn, "other"))
    apply1(ws, by_id("u1", email="a@example.com"))
    assert apply1(other, by_id("u1", email="a@example.com")).ok
    assert len(everyone(ws)) == 1 and len(everyone(other)) == 1
    assert must(ws, id="u1").pk != must(other, id="u1").pk


def test_malformed_identifiers_are_invalid(ws: Workspace) -> None:
    for identifiers, field in [
        ({}, "identifiers"),
        ({"id": "a", "email": "b@c.d"}, "identifiers"),
        ({"id": ""}, "identifiers"),
        ({"id": "x" * 151}, "identifiers.id"),
        ({"phone": "+14155552671"}, "identifiers.phone"),
    ]:
        result = apply1(ws, {"type": "person", "action": "identify", "identifiers": identifiers})
        assert not result.ok and result.reason == "invalid" and result.field == field, identifiers
    assert everyone(ws) == []


def test_several_operations_in_one_batch_see_each_other(ws: Workspace) -> None:
    results = ws.apply(
        [by_email("l@example.com", a=1), by_id("u1", email="l@example.com", b=2), by_id("u1", c=3)], now=NOW
    )
    assert all(r.ok for r in results)
    (p,) = everyone(ws)
    assert (p.id, p.email, p.attributes) == ("u1", "l@example.com", {"a": 1, "b": 2, "c": 3})


def test_identifiers_can_swap_between_people_within_a_batch(ws: Workspace) -> None:
    apply1(ws, by_id("a"))
    apply1(ws, by_id("b"))
    a, b = must(ws, id="a"), must(ws, id="b")
    results = ws.apply([by_cio(a.cio_id, id="tmp"), by_cio(b.cio_id, id="a"), by_cio(a.cio_id, id="b")], now=NOW)
    assert all(r.ok for r in results)
    assert must(ws, id="a").pk == b.pk and must(ws, id="b").pk == a.pk
