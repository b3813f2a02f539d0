"""Per-workspace identity settings, stored as JSON in `workspaces.settings`, and workspace lookups."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import Connection, select, update

from segcio import jsonutil
from segcio.errors import Invalid
from segcio.store import Database
from segcio.store.tables.core import workspaces

IDENTIFIER_MODES = ("email_or_id", "id_only")


class SettingsError(Invalid, ValueError):
    """A setting named or valued wrongly; the message names the setting and the allowed values."""


@dataclass(frozen=True)
class WorkspaceSettings:
    # "email_or_id": id and email both identify people; "id_only" ("classic"): email is an ordinary attribute.
    identifiers: str = "email_or_id"
    # Merge anonymous events into the person identified with their anonymous_id.
    anonymous_merge: bool = True
    # Let an identify addressed by id change the person's email (else only the cio_ form may).
    allow_email_update_by_id: bool = False
    # Merge an id-only profile and an email-only profile when one identify names both.
    auto_merge: bool = True
    # Days anonymous events (and held group calls) are kept waiting for their person.
    anonymous_retention_days: float = 30.0
    # How many object types unknown object_type_ids may create ("up to 15 times").
    object_type_auto_create_limit: int = 15

    @property
    def email_is_identifier(self) -> bool:
        return self.identifiers == "email_or_id"

    @classmethod
    def from_json(cls, text: str | None) -> WorkspaceSettings:
        stored = jsonutil.loads(text) if text else {}
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in stored.items() if k in known})

    def with_changes(self, **changes: Any) -> WorkspaceSettings:
        known = {f.name: f for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise SettingsError(f"unknown workspace setting {name!r}; known settings: {', '.join(known)}")
            if name == "identifiers" and value not in IDENTIFIER_MODES:
                raise SettingsError(f"identifiers must be one of {', '.join(IDENTIFIER_MODES)}, not {value!r}")
            expected = type(getattr(self, name))
            if expected is bool and not isinstance(value, bool):
                raise SettingsError(f"{name} must be true or false, not {value!r}")
            if expected in (int, float) and (
                isinstance(value, bool) or not isinstance(value, int | float) or value < 0
            ):
                raise SettingsError(f"{name} must be a non-negative number, not {value!r}")
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_settings(conn: Connection, workspace_id: int) -> WorkspaceSettings:
    # Driver-level SQL: this runs for every apply() batch.
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    text = conn.exec_driver_sql(f"SELECT settings FROM workspaces WHERE id = {mark}", (workspace_id,)).scalar()
    if text is None:
        raise LookupError(f"workspace {workspace_id} does not exist")
    return WorkspaceSettings.from_json(text)


def save_settings(conn: Connection, workspace_id: int, settings: WorkspaceSettings) -> None:
    stored_text = conn.execute(select(workspaces.c.settings).where(workspaces.c.id == workspace_id)).scalar()
    stored = jsonutil.loads(stored_text) if stored_text else {}
    stored.update(settings.as_dict())
    conn.execute(update(workspaces).where(workspaces.c.id == workspace_id).values(settings=jsonutil.dumps(stored)))


def workspace_for_site(db: Database, site_id: str) -> int | None:
    """The workspace whose Track API site id this is."""
    with db.connect() as conn:
        found = conn.execute(select(workspaces.c.id).where(workspaces.c.site_id == site_id)).scalar()
    return None if found is None else int(found)


def workspace_for_app_key(db: Database, app_api_key: str) -> int | None:
    """The workspace whose App API key this is."""
    with db.connect() as conn:
        found = conn.execute(select(workspaces.c.id).where(workspaces.c.app_api_key == app_api_key)).scalar()
    return None if found is None else int(found)
