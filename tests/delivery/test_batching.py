"""Properties of the round planner (pure function): size limits, one request per person per round, order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from segcio.delivery.batching import BATCH_PATH, batch_body, batch_size, plan_round
from segcio.delivery.outbox import OutboxRow
from tests.ci import examples

BASE = "https://track.customer.io"


@st.composite
def outboxes(draw: st.DrawFn) -> list[OutboxRow]:
    rows = []
    for i in range(draw(st.integers(0, 60))):
        person = draw(st.sampled_from("abcdef"))
        single = draw(st.booleans()) and draw(st.booleans())
        size = draw(st.integers(1, 400))
        body = '{"x":"' + "y" * size + '"}'
        url = f"{BASE}/api/v1/metrics" if single else f"{BASE}/api/v2/entity"
        rows.append(OutboxRow(i, person, i, "POST", url, "{}", body, 0, None))
    return rows


@settings(max_examples=examples(300), deadline=None)
@given(outboxes(), st.integers(200, 2000), st.integers(1, 10))
def test_plan_round(rows: list[OutboxRow], max_batch: int, max_units: int) -> None:
    max_item = 300
    plan = plan_round(rows, max_batch, max_item, max_units)
    seen: set[str] = set()
    taken: list[int] = []
    for unit in plan.units:
        people = {r.person_key for r in unit.rows}
        assert not people & seen, "a person in two requests of one round"
        seen |= people
        taken.extend(r.id for r in unit.rows)
        if unit.batched:
            assert unit.url == BASE + BATCH_PATH
            assert len(batch_body(unit.bodies)) == batch_size(unit.bodies) <= max_batch
        else:
            assert len(unit.rows) == 1
    assert len(plan.units) <= max_units + 1
    oversize = {r.id for r in plan.oversize}
    assert all(len(r.body or "") > min(max_item, max_batch - len('{"batch":[]}')) for r in plan.oversize)
    # each person's rows that go out this round are the first of theirs, in order (oversize ones are resolved)
    for person in {r.person_key for r in rows}:
        theirs = [r.id for r in rows if r.person_key == person]
        sent = [i for i in taken if i in theirs]
        resolved = sorted(sent + [i for i in theirs if i in oversize])
        assert resolved == theirs[: len(resolved)]
        assert sent == sorted(sent)
