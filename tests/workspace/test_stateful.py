"""Random sequences of identify, track, merge, suppress, unsuppress, delete, group and device operations keep the
workspace's invariants (SQLite and PostgreSQL):

* identifiers are unique (id; email case-insensitively);
* every event belongs to exactly one existing person or to one anonymous id;
* suppressed identifiers never come back until unsuppressed;
* a group call held for an anonymous person is applied exactly once (its object exists xor it is still held).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from segcio.store import Database
from segcio.store.tables.workspace import ws_activities, ws_events, ws_people, ws_suppressions
from segcio.workspace import queries
from segcio.workspace.engine import Workspace
from tests.ci import examples
from tests.workspace.engine_helpers import new_workspace

IDS = ["u1", "u2", "u3", "U1"]
EMAILS = ["a@x.io", "A@X.io", "b@x.io", "c@x.io"]
ANONYMOUS = ["an1", "an2", "an3"]
TOKENS = ["t1", "t2"]

ids = st.sampled_from(IDS)
emails = st.sampled_from(EMAILS)
anonymous = st.sampled_from(ANONYMOUS)
person_ref = st.one_of(ids.map(lambda v: {"id": v}), emails.map(lambda v: {"email": v}))


def person_op(action: str, identifiers: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"type": "person", "action": action, "identifiers": identifiers, **extra}


def machine_for(db: Database) -> type[RuleBasedStateMachine]:
    class WorkspaceMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.ws: Workspace = new_workspace(db)
            self.now = 1_700_000_000.0
            self.suppressed: set[tuple[str, str]] = set()
            self.held: list[str] = []  # object ids of group calls sent for anonymous people

        def apply(self, ops: list[dict[str, Any]]) -> None:
            self.now += 1
            results = self.ws.apply(ops, now=self.now)
            assert len(results) == len(ops)
            assert not any(r.reason == "invalid" for r in results), results

        @rule(ref=person_ref, body_id=st.none() | ids, body_email=st.none() | emails, anon=st.none() | anonymous)
        def identify(self, ref: dict[str, str], body_id: str | None, body_email: str | None, anon: str | None) -> None:
            attrs: dict[str, Any] = {"n": int(self.now)}
            if body_id:
                attrs["id"] = body_id
            if body_email:
                attrs["email"] = body_email
            if anon:
                attrs["anonymous_id"] = anon
            self.apply([person_op("identify", ref, attributes=attrs)])

        @rule(ref=st.one_of(person_ref, anonymous.map(lambda v: {"anonymous_id": v})), dup=st.booleans())
        def track(self, ref: dict[str, str], dup: bool) -> None:
            self.apply([person_op("event", ref, name="e", id=f"ev{int(self.now) % 3 if dup else int(self.now)}")])

        @rule(primary=person_ref, secondary=person_ref)
        def merge(self, primary: dict[str, str], secondary: dict[str, str]) -> None:
            self.apply([{"type": "person", "action": "merge", "primary": primary, "secondary": secondary}])

        @rule(ref=person_ref)
        def suppress(self, ref: dict[str, str]) -> None:
            ((kind, value),) = ref.items()
            found = queries.find_person(self.ws.db, self.ws.workspace_id, **ref)
            if found is not None:
                blocked = {("id", found.id), ("email", (found.email or "").lower() or None)}
                self.suppressed |= {(k, v) for k, v in blocked if v}
            else:
                self.suppressed.add((kind, value.lower() if kind == "email" else value))
            self.apply([person_op("suppress", ref)])

        @rule(ref=person_ref)
        def unsuppress(self, ref: dict[str, str]) -> None:
            ((kind, value),) = ref.items()
            value = value.lower() if kind == "email" else value
            rows = queries.suppressed(self.ws.db, self.ws.workspace_id)
            groups = {r["group"] for r in rows if (r["kind"], r["value"]) == (kind, value)}
            self.suppressed -= {(r["kind"], r["value"]) for r in rows if r["group"] in groups}
            self.apply([person_op("unsuppress", ref)])

        @rule(ref=person_ref)
        def delete(self, ref: dict[str, str]) -> None:
            self.apply([person_op("delete", ref)])

        @rule(anon=anonymous)
        def group_anonymous(self, anon: str) -> None:
            object_id = f"held{len(self.held)}"
            self.held.append(object_id)
            rel = [{"identifiers": {"anonymous_id": anon}, "relationship_attributes": {"role": "r"}}]
            identifiers = {"object_type_id": "1", "object_id": object_id}
            op = {
                "type": "object",
                "action": "identify_anonymous",
                "identifiers": identifiers,
                "cio_relationships": rel,
            }
            self.apply([op])

        @rule(ref=person_ref, object_id=st.sampled_from(["o1", "o2"]))
        def group(self, ref: dict[str, str], object_id: str) -> None:
            identifiers = {"object_type_id": "2", "object_id": object_id}
            rel = [{"identifiers": ref, "relationship_attributes": {"role": "x"}}]
            self.apply([{"type": "object", "action": "identify", "identifiers": identifiers, "cio_relationships": rel}])

        @rule(ref=person_ref, token=st.sampled_from(TOKENS), remove=st.booleans())
        def device(self, ref: dict[str, str], token: str, remove: bool) -> None:
            if remove:
                self.apply([person_op("delete_device", ref, device={"token": token})])
            else:
                self.apply([person_op("add_device", ref, device={"token": token, "platform": "android"})])

        @rule(refs=st.lists(person_ref, min_size=2, max_size=5), anon=anonymous)
        def batch(self, refs: list[dict[str, str]], anon: str) -> None:
            """Several operations in one apply() see each other's effects."""
            ops = [person_op("event", {"anonymous_id": anon}, name="a")]
            for i, ref in enumerate(refs):
                ops.append(person_op("identify", ref, attributes={"i": i, "anonymous_id": anon if i == 0 else None}))
                ops.append(person_op("event", ref, name="b"))
            self.apply(ops)

        # -- invariants ----------------------------------------------------------------------------------------

        @invariant()
        def identifiers_are_unique(self) -> None:
            people = queries.iter_people(self.ws.db, self.ws.workspace_id)
            seen_ids: Counter[str] = Counter()
            seen_emails: Counter[str] = Counter()
            for p in people:
                if p.id is not None:
                    seen_ids[p.id] += 1
                if p.email is not None:
                    seen_emails[p.email.lower()] += 1
            assert all(n == 1 for n in seen_ids.values()), seen_ids
            assert all(n == 1 for n in seen_emails.values()), seen_emails

        @invariant()
        def events_belong_to_one_person_or_one_anonymous_id(self) -> None:
            with self.ws.db.connect() as conn:
                rows = conn.execute(
                    sa.select(ws_events.c.person_id, ws_events.c.anonymous_id, ws_people.c.id)
                    .select_from(ws_events.outerjoin(ws_people, ws_people.c.id == ws_events.c.person_id))
                    .where(ws_events.c.workspace_id == self.ws.workspace_id)
                ).all()
            for person_id, anonymous_id, live in rows:
                if person_id is None:
                    assert anonymous_id is not None
                else:
                    assert live == person_id, "event of a person who no longer exists"

        @invariant()
        def suppressed_identifiers_stay_away(self) -> None:
            with self.ws.db.connect() as conn:
                stored = {
                    (r.kind, r.value)
                    for r in conn.execute(
                        sa.select(ws_suppressions).where(ws_suppressions.c.workspace_id == self.ws.workspace_id)
                    )
                }
            assert stored == self.suppressed
            for p in queries.iter_people(self.ws.db, self.ws.workspace_id):
                assert ("id", p.id) not in stored
                assert ("email", (p.email or "").lower()) not in stored

        @invariant()
        def held_group_calls_apply_exactly_once(self) -> None:
            held = {
                h["operation"]["identifiers"]["object_id"]
                for h in queries.held_group_calls(self.ws.db, self.ws.workspace_id)
            }
            with self.ws.db.connect() as conn:
                creates = Counter(
                    r.name
                    for r in conn.execute(
                        sa.select(ws_activities.c.name).where(
                            ws_activities.c.workspace_id == self.ws.workspace_id, ws_activities.c.type == "_o:1:create"
                        )
                    )
                )
            for call in queries.held_group_calls(self.ws.db, self.ws.workspace_id):
                owner = queries.anonymous_owner(self.ws.db, self.ws.workspace_id, call["anonymous_id"])
                assert owner is None, "a group call is still held although its anonymous person was identified"
            for object_id in self.held:
                exists = (
                    queries.find_object(self.ws.db, self.ws.workspace_id, type_id=1, object_id=object_id) is not None
                )
                assert exists != (object_id in held), object_id
                assert creates[object_id] == (1 if exists else 0)

    return WorkspaceMachine


def test_random_operation_sequences_keep_the_invariants(db: Database) -> None:
    count = 50 if db.is_sqlite else 15
    run_state_machine_as_test(
        machine_for(db),
        settings=settings(
            max_examples=examples(count),
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


@pytest.mark.parametrize("mode", ["id_only"])
def test_id_only_workspaces_keep_ids_unique(db: Database, mode: str) -> None:
    ws = new_workspace(db, identifiers=mode)
    ws.apply([person_op("identify", {"id": "u1"}, attributes={"email": "a@x.io"}) for _ in range(3)])
    ws.apply([person_op("identify", {"id": "u2"}, attributes={"email": "a@x.io"})])
    assert sorted(p.id or "" for p in queries.people_by_email(db, ws.workspace_id, "a@x.io")) == ["u1", "u2"]
