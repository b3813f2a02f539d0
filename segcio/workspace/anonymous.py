"""Anonymous ids: merging anonymous events into the person identified with them, applying held group calls,
and expiring what waited too long."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from segcio import jsonutil
from segcio.store.tables.workspace import ws_anonymous_ids, ws_events, ws_pending_relationships
from segcio.workspace import activity
from segcio.workspace.objects import object_identify
from segcio.workspace.results import OpFailure
from segcio.workspace.unit import Unit
from segcio.workspace.unit_state import PersonState


def consume_anonymous_id(unit: Unit, person: PersonState, anonymous_id: str) -> None:
    """An identify carried `anonymous_id`. The id belongs to the first person identified with it ("must be
    unique and is not reusable"); identifying that person with it again merges what arrived since."""
    owner = unit.anonymous_owner.get(anonymous_id)
    if owner is not None and owner[0] != person.pk and unit.by_pk(owner[0]) is not None:
        unit.add_activity(
            activity.SKIPPED_UPDATE,
            person_pk=person.pk,
            name="anonymous_id",
            data={"message": f"anonymous_id {anonymous_id!r} already belongs to another person; nothing merged"},
        )
        return
    unmerged = unit.settings.anonymous_merge and bool(unit.unmerged_anonymous.get(anonymous_id))
    pending = bool(unit.pending_anonymous.get(anonymous_id))
    if owner is not None and not unmerged and not pending:
        return  # already this person's, nothing waiting
    if owner is None:
        unit.new_anonymous_owners.append(
            {"workspace_id": unit.ws, "anonymous_id": anonymous_id, "person_id": person.pk, "consumed_at": unit.now}
        )
    else:
        unit.conn.execute(
            update(ws_anonymous_ids)
            .where(ws_anonymous_ids.c.workspace_id == unit.ws, ws_anonymous_ids.c.anonymous_id == anonymous_id)
            .values(person_id=person.pk, consumed_at=unit.now)
        )
    unit.anonymous_owner.set(anonymous_id, (person.pk, unit.now))

    if unmerged:
        # Events still in this batch's buffer join at once; stored ones are moved when the batch is written.
        for row in unit.events:
            if row["anonymous_id"] == anonymous_id and row["person_id"] is None:
                row["person_id"] = person.pk
        unit.anonymous_merges.append(
            {
                "b_ws": unit.ws,
                "b_anonymous_id": anonymous_id,
                "b_person": person.pk,
                "b_oldest": unit.now - unit.settings.anonymous_retention_days * 86400,
            }
        )
        unit.unmerged_anonymous.set(anonymous_id, None)
        unit.add_activity(activity.ANON_MERGE, person_pk=person.pk, name=anonymous_id)
    if pending:
        apply_held(unit, person, anonymous_id)


def apply_held(unit: Unit, person: PersonState, anonymous_id: str) -> None:
    """Apply the group calls held for this anonymous id, once, relating their objects to the person."""
    where = (
        ws_pending_relationships.c.workspace_id == unit.ws,
        ws_pending_relationships.c.anonymous_id == anonymous_id,
    )
    rows = unit.conn.execute(
        select(ws_pending_relationships.c.operation).where(*where).order_by(ws_pending_relationships.c.id)
    ).all()
    unit.conn.execute(delete(ws_pending_relationships).where(*where))
    unit.pending_anonymous.set(anonymous_id, None)
    for row in rows:
        try:
            object_identify(unit, jsonutil.loads(row.operation), held_for=person)
        except OpFailure as exc:
            unit.add_activity(
                activity.FAILED_ATTRIBUTE_CHANGE,
                person_pk=person.pk,
                name=exc.result.field,
                data={"reason": exc.result.reason, "message": exc.result.message, "held_for": anonymous_id},
            )


def expire_anonymous(unit: Unit, limit: int | None = None) -> tuple[int, int]:
    """Delete anonymous events and held group calls older than the retention period, at most `limit` of each;
    (events, held) counts."""
    oldest = unit.now - unit.settings.anonymous_retention_days * 86400
    # anonymous_id IS NOT NULL (true of every anonymous event) lets the partial index of anonymous ids find them.
    expired_events = select(ws_events.c.id).where(
        ws_events.c.workspace_id == unit.ws,
        ws_events.c.anonymous_id.isnot(None),
        ws_events.c.person_id.is_(None),
        ws_events.c.received_at < oldest,
    )
    expired_held = select(ws_pending_relationships.c.id).where(
        ws_pending_relationships.c.workspace_id == unit.ws, ws_pending_relationships.c.received_at < oldest
    )
    if limit is not None:
        expired_events, expired_held = expired_events.limit(limit), expired_held.limit(limit)
    events = unit.conn.execute(delete(ws_events).where(ws_events.c.id.in_(expired_events))).rowcount
    held = unit.conn.execute(
        delete(ws_pending_relationships).where(ws_pending_relationships.c.id.in_(expired_held))
    ).rowcount
    return int(events), int(held)
