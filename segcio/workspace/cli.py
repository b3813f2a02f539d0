"""`segcio workspace ...`: the workspaces' identity settings and credentials."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from segcio.cli_options import AsJson, DatabaseUrl, DataDir, cli_database
from segcio.store import Database
from segcio.store.tables.core import workspaces

workspace_app = typer.Typer(help="Workspace settings and credentials.", no_args_is_help=True)

WorkspaceId = Annotated[int | None, typer.Option("--workspace", help="Workspace id (default: the default workspace).")]


class Identifiers(StrEnum):
    email_or_id = "email_or_id"
    id_only = "id_only"


class OnOff(StrEnum):
    on = "on"
    off = "off"


def _default_workspace(db: Database) -> int:
    from segcio.bootstrap import ensure_defaults

    return ensure_defaults(db).workspace_id


def _switch(value: OnOff | None) -> bool | None:
    return None if value is None else value is OnOff.on


@workspace_app.command("config")
def config(
    identifiers: Annotated[
        Identifiers | None, typer.Option(help="How people are identified: by email or id, or by id only.")
    ] = None,
    anonymous_merge: Annotated[
        OnOff | None, typer.Option("--anonymous-merge", help="Merge anonymous events into people identified later.")
    ] = None,
    allow_email_update_by_id: Annotated[
        OnOff | None,
        typer.Option("--allow-email-update-by-id", help="Let an identify addressed by id change the email."),
    ] = None,
    auto_merge: Annotated[
        OnOff | None, typer.Option("--auto-merge", help="Merge an id-only and an email-only profile on conflict.")
    ] = None,
    workspace: WorkspaceId = None,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Show the workspace's identity settings, changing the ones given."""
    from segcio.workspace.engine import Workspace
    from segcio.workspace.settings import SettingsError

    changes = {
        "identifiers": None if identifiers is None else identifiers.value,
        "anonymous_merge": _switch(anonymous_merge),
        "allow_email_update_by_id": _switch(allow_email_update_by_id),
        "auto_merge": _switch(auto_merge),
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    with cli_database(data_dir, database) as db:
        ws = Workspace(db, workspace if workspace is not None else _default_workspace(db))
        try:
            current = (ws.update_settings(**changes) if changes else ws.settings()).as_dict()
        except LookupError as exc:  # no such workspace
            raise typer.BadParameter(f"{exc}; see `segcio workspace list`", param_hint="--workspace") from exc
        except SettingsError as exc:
            raise typer.BadParameter(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(current))
        return
    table = Table("setting", "value")
    for key, value in current.items():
        table.add_row(key, _display(value))
    Console().print(table)


def _display(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _rows(db: Database) -> list[dict[str, Any]]:
    with db.connect() as conn:
        rows = conn.execute(select(workspaces).order_by(workspaces.c.id)).all()
    return [
        {
            "id": row.id,
            "name": row.name,
            "site_id": row.site_id,
            "api_key": row.api_key,
            "app_api_key": row.app_api_key,
            "settings": json.loads(row.settings or "{}"),
        }
        for row in rows
    ]


@workspace_app.command("list")
def list_workspaces(data_dir: DataDir = None, database: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """List the workspaces with their Track API (site id, API key) and App API credentials."""
    with cli_database(data_dir, database) as db:
        _default_workspace(db)
        rows = _rows(db)
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("id", "name", "site id", "Track API key", "App API key", "identifiers")
    for row in rows:
        identifiers = str(row["settings"].get("identifiers", ""))
        table.add_row(str(row["id"]), row["name"], row["site_id"], row["api_key"], row["app_api_key"], identifiers)
    Console().print(table)


@workspace_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="A name for the workspace.")],
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Create a workspace with fresh credentials (default settings) and print them."""
    from segcio.bootstrap import create_workspace

    if not name.strip():
        raise typer.BadParameter("give the workspace a non-empty name", param_hint="NAME")
    with cli_database(data_dir, database) as db:
        _default_workspace(db)
        with db.begin() as conn:
            workspace_id = create_workspace(conn, name.strip())
        row = next(r for r in _rows(db) if r["id"] == workspace_id)
    if as_json:
        typer.echo(json.dumps(row))
        return
    for key in ("id", "name", "site_id", "api_key", "app_api_key"):
        typer.echo(f"{key:12} {row[key]}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `segcio` CLI."""
    app.add_typer(workspace_app, name="workspace")
