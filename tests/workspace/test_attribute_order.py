"""The newest attribute update wins: person, object and relationship attributes are applied per attribute by the
operation's timestamp, not by arrival order (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segcio.store import Database
from segcio.workspace import queries
from segcio.workspace.engine import Workspace
from tests.workspace.engine_helpers import apply1, by_cio, by_id, must, new_workspace

RECEIVED = 1_800_000_000.0  # receipt times: later than every timestamp the updates carry
ACME = {"object_type_id": "1", "object_id": "acme"}


def person_update(attributes: dict[str, Any], timestamp: float | None) -> dict[str, Any]:
    op: dict[str, Any] = {"type": "person", "action": "identify", "identifiers": {"id": "p1"}, "attributes": attributes}
    if timestamp is not None:
        op["timestamp"] = timestamp
    return op


def object_update(attributes: dict[str, Any], timestamp: float) -> dict[str, Any]:
    return {
        "type": "object",
        "action": "identify",
        "identifiers": ACME,
        "attributes": attributes,
        "timestamp": timestamp,
    }


def relationship_update(attributes: dict[str, Any], timestamp: float) -> dict[str, Any]:
    return {
        "type": "person",
        "action": "add_relationships",
        "identifiers": {"id": "p1"},
        "cio_relationships": [{"identifiers": ACME, "relationship_attributes": attributes}],
        "timestamp": timestamp,
    }


BUILDERS = {"person": person_update, "object": object_update, "relationship": relationship_update}


def state(ws: Workspace) -> dict[str, Any]:
    """Attributes of p1, of object acme and of their relationship, with the time each attribute was set."""
    found: dict[str, Any] = {}
    person = queries.find_person(ws.db, ws.workspace_id, id="p1")
    if person is not None:
        found["person"] = (person.attributes, {k: person.timestamps.get(k) for k in person.attributes})
    obj = queries.find_object(ws.db, ws.workspace_id, type_id=1, object_id="acme")
    if obj is not None:
        found["object"] = (obj.attributes, {k: obj.timestamps.get(k) for k in obj.attributes})
        found["relationships"] = [r.attributes for r in queries.object_relationships(ws.db, ws.workspace_id, obj.pk)]
    return found


# An update is (entity, timestamp, attribute names); the value an attribute gets is fixed per (entity, attribute,
# timestamp), so updates that tie on a timestamp agree on it (ties between different values are decided by
# arrival, see test_equal_timestamps_the_later_arrival_wins).
ENTITIES = ["person", "object", "relationship"]
NAMES = ["plan", "seats", "tier"]
TIMES = [1_700_000_001, 1_700_000_002, 1_700_000_003, 1_700_000_004]
VALUES = st.sampled_from([None, "", "free", "pro", 3, 4.5, True])
UPDATES = st.lists(
    st.tuples(st.sampled_from(ENTITIES), st.sampled_from(TIMES), st.sets(st.sampled_from(NAMES), min_size=1)),
    min_size=1,
    max_size=7,
)
VALUE_TABLE = st.fixed_dictionaries({(e, n, t): VALUES for e in ENTITIES for n in NAMES for t in TIMES})


def operations(updates: list[tuple[str, int, set[str]]], table: dict[Any, Any]) -> list[dict[str, Any]]:
    return [
        BUILDERS[entity]({name: table[(entity, name, at)] for name in sorted(names)}, at)
        for entity, at, names in updates
    ]


def apply_in_chunks(ws: Workspace, ops: list[dict[str, Any]], chunk: int) -> None:
    """Apply in batches of `chunk` (each its own transaction), each batch received a second after the last."""
    for number, start in enumerate(range(0, len(ops), chunk)):
        results = ws.apply(ops[start : start + chunk], now=RECEIVED + number)
        assert all(r.ok for r in results), results


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    updates=UPDATES,
    table=VALUE_TABLE,
    order=st.randoms(use_true_random=False),
    chunk=st.integers(min_value=1, max_value=3),
)
def test_any_arrival_order_reaches_the_state_of_timestamp_order(
    db: Database, updates: list[tuple[str, int, set[str]]], table: dict[Any, Any], order: Any, chunk: int
) -> None:
    ops = operations(updates, table)
    in_time_order = sorted(ops, key=lambda op: op["timestamp"])
    shuffled = list(ops)
    order.shuffle(shuffled)

    expected_ws = new_workspace(db)
    apply_in_chunks(expected_ws, in_time_order, 1)
    arrived_ws = new_workspace(db)
    apply_in_chunks(arrived_ws, shuffled, chunk)

    assert state(arrived_ws) == state(expected_ws)


def test_an_older_update_arriving_later_does_not_overwrite(db: Database) -> None:
    ws = new_workspace(db)
    apply1(ws, person_update({"plan": "pro", "seats": 5}, 1_700_000_020), now=RECEIVED)
    apply1(ws, person_update({"plan": "free", "city": "Oslo"}, 1_700_000_010), now=RECEIVED + 1)
    person = must(ws, id="p1")
    assert person.attributes == {"plan": "pro", "seats": 5, "city": "Oslo"}
    assert person.timestamps["plan"] == 1_700_000_020
    assert person.timestamps["city"] == 1_700_000_010


def test_equal_timestamps_the_later_arrival_wins(db: Database) -> None:
    ws = new_workspace(db)
    apply1(ws, person_update({"plan": "pro"}, 1_700_000_020), now=RECEIVED)
    apply1(ws, person_update({"plan": "free"}, 1_700_000_020), now=RECEIVED + 1)
    assert must(ws, id="p1").attributes["plan"] == "free"


def test_a_removal_is_remembered_so_an_older_set_does_not_bring_it_back(db: Database) -> None:
    ws = new_workspace(db)
    apply1(ws, person_update({"plan": "pro"}, 1_700_000_010), now=RECEIVED)
    apply1(ws, person_update({"plan": None}, 1_700_000_030), now=RECEIVED + 1)
    apply1(ws, person_update({"plan": "free"}, 1_700_000_020), now=RECEIVED + 2)
    assert "plan" not in must(ws, id="p1").attributes
    apply1(ws, person_update({"plan": "team"}, 1_700_000_040), now=RECEIVED + 3)
    assert must(ws, id="p1").attributes["plan"] == "team"


def test_a_repeated_value_with_a_newer_timestamp_still_outranks_an_older_change(db: Database) -> None:
    ws = new_workspace(db)
    apply1(ws, person_update({"plan": "pro"}, 1_700_000_010), now=RECEIVED)
    apply1(ws, person_update({"plan": "pro"}, 1_700_000_030), now=RECEIVED + 1)
    apply1(ws, person_update({"plan": "free"}, 1_700_000_020), now=RECEIVED + 2)
    person = must(ws, id="p1")
    assert person.attributes["plan"] == "pro"
    assert person.timestamps["plan"] == 1_700_000_030


def test_an_update_without_a_timestamp_is_ordered_by_its_receipt_time(db: Database) -> None:
    ws = new_workspace(db)
    apply1(ws, person_update({"plan": "pro"}, None), now=1_700_000_050)
    apply1(ws, person_update({"plan": "free"}, 1_700_000_040), now=1_700_000_060)
    assert must(ws, id="p1").attributes["plan"] == "pro"
    apply1(ws, person_update({"plan": "team"}, None), now=1_700_000_070)
    assert must(ws, id="p1").attributes["plan"] == "team"


def test_timestamps_in_the_same_batch_are_ordered_too(db: Database) -> None:
    ws = new_workspace(db)
    ws.apply(
        [
            object_update({"name": "Acme Inc"}, 1_700_000_020),
            object_update({"name": "Acme"}, 1_700_000_010),
            relationship_update({"role": "owner"}, 1_700_000_020),
            relationship_update({"role": "viewer"}, 1_700_000_010),
        ],
        now=RECEIVED,
    )
    assert state(ws)["object"][0] == {"name": "Acme Inc"}
    assert state(ws)["relationships"] == [{"role": "owner"}]


def test_iso_8601_timestamps_order_like_unix_seconds(db: Database) -> None:
    ws = new_workspace(db)
    apply1(ws, person_update({"plan": "pro"}, None) | {"timestamp": "2023-11-14T22:13:40Z"}, now=RECEIVED)
    apply1(ws, person_update({"plan": "free"}, None) | {"timestamp": "2023-11-14T22:13:30Z"}, now=RECEIVED + 1)
    assert must(ws, id="p1").attributes["plan"] == "pro"


def test_an_unreadable_timestamp_fails_the_update_naming_the_field(db: Database) -> None:
    ws = new_workspace(db)
    result = apply1(ws, person_update({"plan": "pro"}, None) | {"timestamp": "soon"}, now=RECEIVED)
    assert not result.ok
    assert result.field == "timestamp"
    assert result.message is not None and "Unix seconds" in result.message
    assert queries.find_person(ws.db, ws.workspace_id, id="p1") is None


def test_identifier_changes_follow_arrival_order_not_timestamps(db: Database) -> None:
    """id and email are identifiers, not attributes: an older change through cio_id arriving later applies."""
    ws = new_workspace(db)
    apply1(ws, by_id("p1", email="new@example.com") | {"timestamp": 1_700_000_020}, now=RECEIVED)
    cio = must(ws, id="p1").cio_id
    apply1(ws, by_cio(cio, email="old@example.com") | {"timestamp": 1_700_000_010}, now=RECEIVED + 1)
    assert must(ws, id="p1").email == "old@example.com"
