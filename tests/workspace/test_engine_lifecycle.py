"""Delete, suppress, unsuppress and merge."""

from __future__ import annotations

from typing import Any

import pytest

from segcio.store import Database
from segcio.workspace import queries
from segcio.workspace.engine import Workspace
from tests.workspace.engine_helpers import (
    NOW,
    apply1,
    by_email,
    by_id,
    event,
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


def act(action: str, **identifiers: str) -> dict[str, Any]:
    return {"type": "person", "action": action, "identifiers": identifiers}


def merge(primary: dict[str, str], secondary: dict[str, str]) -> dict[str, Any]:
    return {"type": "person", "action": "merge", "primary": primary, "secondary": secondary}


def test_delete_removes_the_person_and_all_their_data(ws: Workspace) -> None:
    apply1(ws, by_id("u1", email="a@example.com", plan="x"))
    apply1(ws, event({"id": "u1"}))
    apply1(
        ws,
        {
            "type": "person",
            "action": "add_device",
            "identifiers": {"id": "u1"},
            "device": {"token": "t", "platform": "ios"},
        },
    )
    pk = must(ws, id="u1").pk
    assert apply1(ws, act("delete", id="u1")).ok
    assert everyone(ws) == [] and queries.events(ws.db, ws.workspace_id, pk) == []
    assert queries.device(ws.db, ws.workspace_id, "t") is None
    (entry,) = log(ws, type="profile_delete")
    assert entry.data["identifiers"]["id"] == "u1"
    apply1(ws, by_id("u1"))  # later identify creates a fresh profile
    fresh = must(ws, id="u1")
    assert fresh.pk != pk and fresh.attributes == {} and fresh.email is None


def test_delete_of_unknown_person_is_harmless(ws: Workspace) -> None:
    result = apply1(ws, act("delete", id="nobody"))
    assert result.ok and result.reason == "not_found"


def test_suppress_removes_and_blocks_both_identifiers(ws: Workspace) -> None:
    apply1(ws, by_id("u1", email="a@example.com"))
    assert apply1(ws, act("suppress", id="u1")).ok
    assert everyone(ws) == []
    for op in (by_id("u1"), by_email("A@example.com"), event({"id": "u1"}), by_id("u2", email="a@example.com")):
        result = apply1(ws, op)
        assert not result.ok and result.reason == "suppressed"
    assert everyone(ws) == []
    assert {(s["kind"], s["value"]) for s in queries.suppressed(ws.db, ws.workspace_id)} == {
        ("id", "u1"),
        ("email", "a@example.com"),
    }
    assert len(log(ws, failed_only=True)) == 4


def test_unsuppress_unblocks_only(ws: Workspace) -> None:
    apply1(ws, by_id("u1", email="a@example.com", plan="x"))
    apply1(ws, act("suppress", email="a@example.com"))
    assert apply1(ws, act("unsuppress", id="u1")).ok
    assert everyone(ws) == []  # not recreated
    assert queries.suppressed(ws.db, ws.workspace_id) == []  # both identifiers freed
    assert apply1(ws, by_email("a@example.com")).ok
    assert must(ws, email="a@example.com").attributes == {}  # no history


def test_suppressing_an_unknown_identifier_blocks_it(ws: Workspace) -> None:
    apply1(ws, act("suppress", id="later"))
    assert apply1(ws, by_id("later")).reason == "suppressed"


def test_merge_primary_keeps_values_and_gains_the_rest(ws: Workspace) -> None:
    apply1(ws, by_id("p", email="p@example.com", plan="pro", empty="x"), now=NOW)
    apply1(ws, by_id("p", empty=""), now=NOW)
    apply1(ws, by_id("s", plan="free", extra="yes", empty="from s"), now=NOW)
    apply1(ws, event({"id": "s"}, "s-event"))
    apply1(
        ws,
        {
            "type": "person",
            "action": "add_device",
            "identifiers": {"id": "s"},
            "device": {"token": "t", "platform": "ios"},
        },
    )
    rel = [{"identifiers": {"object_type_id": "1", "object_id": "acme"}}]
    apply1(ws, {"type": "person", "action": "add_relationships", "identifiers": {"id": "s"}, "cio_relationships": rel})
    primary = must(ws, id="p")
    assert apply1(ws, merge({"email": "p@example.com"}, {"id": "s"})).ok
    (p,) = everyone(ws)
    assert p.pk == primary.pk and p.cio_id == primary.cio_id and p.id == "p"
    assert p.attributes == {"plan": "pro", "extra": "yes", "empty": "from s"}
    assert [e.name for e in queries.events(ws.db, ws.workspace_id, p.pk)] == ["s-event"]
    assert [d.token for d in queries.devices(ws.db, ws.workspace_id, p.pk)] == ["t"]
    assert len(queries.person_relationships(ws.db, ws.workspace_id, p.pk)) == 1
    assert "profile_merge" in log_types(ws, person_pk=p.pk)
    assert person(ws, id="s") is None


def test_merge_adopts_identifiers_the_primary_lacks(ws: Workspace) -> None:
    apply1(ws, by_id("p"))
    apply1(ws, by_email("s@example.com"))
    apply1(ws, merge({"id": "p"}, {"email": "s@example.com"}))
    (p,) = everyone(ws)
    assert (p.id, p.email) == ("p", "s@example.com")


def test_merge_needs_an_existing_primary(ws: Workspace) -> None:
    apply1(ws, by_id("s"))
    result = apply1(ws, merge({"id": "nobody"}, {"id": "s"}))
    assert result.reason == "not_found" and result.field == "primary"
    assert [p.id for p in everyone(ws)] == ["s"]


def test_merge_by_cio_id_and_malformed_parties(ws: Workspace) -> None:
    apply1(ws, by_id("p"))
    apply1(ws, by_id("s"))
    assert apply1(ws, merge({"cio_id": must(ws, id="p").cio_id}, {"id": "s"})).ok
    assert len(everyone(ws)) == 1
    bad = apply1(ws, merge({"id": "p", "email": "x@example.com"}, {"id": "s"}))
    assert bad.reason == "invalid" and bad.field == "primary"


def test_a_persons_log_spans_id_buckets_for_reads_merges_and_deletes(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Buckets of 2 ids: each person's events and activities end up in many buckets, interleaved with others'.
    monkeypatch.setattr("segcio.workspace.unit.ID_BUCKET", 2)
    for n in range(5):
        ws.apply(
            [by_id("u1", n=n), event({"id": "u1"}, name=f"a{n}"), by_id("u2", n=n), event({"id": "u2"}, name=f"b{n}")]
        )
    u1, u2 = must(ws, id="u1").pk, must(ws, id="u2").pk
    assert sorted(e.name for e in queries.events(ws.db, ws.workspace_id, u1)) == [f"a{n}" for n in range(5)]
    assert len(log(ws, person_pk=u1, type="attribute_change")) == 5
    assert len(log(ws, person_pk=u1, type="event")) == 5
    assert apply1(ws, merge({"id": "u1"}, {"id": "u2"})).ok
    assert len(queries.events(ws.db, ws.workspace_id, u1)) == 10
    assert queries.events(ws.db, ws.workspace_id, u2) == [] and log(ws, person_pk=u2) == []
    assert len(log(ws, person_pk=u1, type="attribute_change")) == 10
    assert apply1(ws, act("delete", id="u1")).ok
    assert queries.events(ws.db, ws.workspace_id, u1) == [] and log(ws, person_pk=u1) == []
