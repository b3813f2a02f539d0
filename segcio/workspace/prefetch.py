"""What a batch will look up, loaded with a few bulk queries before its operations run.

Each operation declares its keys beside its handler (`engine.HANDLERS`): a function that notes them on a
`Wanted`. One pass over the batch fills it; `load` then asks the unit for everything at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from segcio import values
from segcio.workspace.identity import fold_email, person_pk_for
from segcio.workspace.unit import Unit

Needs = Callable[["Wanted", dict[str, Any]], None]


class Wanted:
    """The people, objects, devices, events and anonymous ids a batch names."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.emails: list[str] = []
        self.pks: list[int] = []
        self.event_ids: list[str] = []
        self.anonymous_ids: list[str] = []
        self.tokens: list[str] = []
        self.related: list[Any] = []  # person identifiers whose relationships the batch may change
        self.objects: list[tuple[int, str]] = []
        self._sinks = {"id": self.ids.append, "email": self.emails.append, "anonymous_id": self.anonymous_ids.append}

    def person(self, identifiers: Any) -> None:
        """A person's identifiers (id, email, cio_id, anonymous_id); values that cannot be one are skipped."""
        if not isinstance(identifiers, dict):
            return
        for key, value in identifiers.items():
            if type(value) is not str:
                if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
                    continue
                value = str(value)
            elif not value:
                continue
            sink = self._sinks.get(key)
            if sink is not None:
                sink(value)
            elif key == "cio_id":
                pk = person_pk_for(value[4:] if value.startswith("cio_") else value)
                if pk is not None:
                    self.pks.append(pk)

    def person_of(self, op: dict[str, Any]) -> None:
        """The needs of an operation that names one person in `identifiers` and nothing else."""
        self.person(op.get("identifiers"))

    def nothing(self, op: dict[str, Any]) -> None:
        """The needs of an operation that looks nothing up."""

    def object(self, ref: Any) -> None:
        if isinstance(ref, dict) and isinstance(ref.get("object_id"), str):
            type_id = values.optional_object_type_id(ref.get("object_type_id", "1"))
            if type_id is not None:
                self.objects.append((type_id, ref["object_id"]))

    def event_id(self, value: Any) -> None:
        if isinstance(value, str):
            self.event_ids.append(value)

    def device(self, device: Any) -> None:
        if isinstance(device, dict):
            self.tokens.append(str(device.get("token", device.get("id"))))

    def relationships(self, op: dict[str, Any]) -> None:
        """`cio_relationships` (a list; other shapes name nothing): on a person's operation the entries are
        objects related to that person, on an object's they are people."""
        relationships = op.get("cio_relationships")
        if not isinstance(relationships, list):
            return
        entries = [entry.get("identifiers") for entry in relationships if isinstance(entry, dict)]
        for entry in entries:
            self.person(entry)
        if relationships:
            self.related.extend([op.get("identifiers")] if op.get("type") == "person" else entries)
        if op.get("type") == "person":
            for entry in entries:
                self.object(entry)

    def load(self, unit: Unit) -> None:
        unit.prefetch_people(self.ids, self.emails, self.pks)
        if self.tokens:
            unit.devices.prefetch(self.tokens)
        related: list[int] = []
        for ref in self.related:
            if isinstance(ref, dict) and len(ref) == 1:
                ((key, value),) = ref.items()
                if isinstance(value, str) and key in ("id", "email", "cio_id"):
                    found = unit.find(key, value)
                    if found is not None:
                        related.append(found.pk)
        if related:
            unit.prefetch_relationships(related)
        if self.objects:
            unit.prefetch_objects(self.objects)
        emails = [fold_email(e) for e in self.emails] if unit.settings.email_is_identifier else []
        unit.prefetch_suppressed(self.ids, emails)
        if self.event_ids:
            unit.seen_event_ids.prefetch(self.event_ids)
        if self.anonymous_ids:
            unit.anonymous_owner.prefetch(self.anonymous_ids)
            unit.prefetch_people([], [], [owner[0] for owner in unit.anonymous_owner.values.values()])
            unit.unmerged_anonymous.prefetch(self.anonymous_ids)
            unit.pending_anonymous.prefetch(self.anonymous_ids)
