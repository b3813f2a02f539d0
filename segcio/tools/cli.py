"""`segcio people export|duplicates|delete`: the duplicate-resolution recipe from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from segcio.cli_options import DatabaseUrl, DataDir, cli_database
from segcio.store import Database

people_app = typer.Typer(
    help="People in the local workspace: export, find and delete duplicates.", no_args_is_help=True
)

WorkspaceId = Annotated[int | None, typer.Option("--workspace", help="Workspace id (default: the first one).")]


@contextmanager
def _open(data_dir: Path | None, database: str | None, workspace: int | None) -> Iterator[tuple[Database, int]]:
    from segcio.bootstrap import ensure_defaults

    with cli_database(data_dir, database) as db:
        yield db, workspace or ensure_defaults(db).workspace_id


@people_app.command("export")
def export(
    csv_file: Annotated[Path, typer.Option("--csv", help="Where to write the CSV.")],
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    workspace: WorkspaceId = None,
) -> None:
    """Export every person with every attribute to CSV."""
    from segcio.tools.people import export_people
    from segcio.workspace.queries import count_people

    with _open(data_dir, database, workspace) as (db, workspace_id), Progress(transient=True) as progress:
        task = progress.add_task("exporting people", total=count_people(db, workspace_id))
        count = export_people(db, workspace_id, csv_file, lambda n: progress.advance(task, n))
    typer.echo(json.dumps({"exported": count, "csv": str(csv_file)}))


@people_app.command("duplicates")
def duplicates(
    by: Annotated[str, typer.Option(help="The attribute people share (default email).")] = "email",
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the groups to this CSV.")] = None,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    workspace: WorkspaceId = None,
) -> None:
    """Find people sharing a value; the one with the oldest created_at is marked keep=true."""
    from segcio.tools.people import find_duplicates, write_duplicates

    with _open(data_dir, database, workspace) as (db, workspace_id):
        found = find_duplicates(db, workspace_id, by)
    if csv_file is not None:
        write_duplicates(found, csv_file)
    groups = len({d.group for d in found})
    typer.echo(
        json.dumps(
            {
                "groups": groups,
                "people": len(found),
                "to_delete": sum(not d.keep for d in found),
                "duplicates": [d.row() for d in found] if csv_file is None else None,
            }
        )
    )


@people_app.command("delete")
def delete(
    csv_file: Annotated[Path, typer.Option("--csv", help="CSV with cio_id (or id) columns; keep=true rows stay.")],
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    workspace: WorkspaceId = None,
) -> None:
    """Delete the people a CSV lists (rows marked keep=true are skipped)."""
    from segcio.tools.people import delete_people

    with _open(data_dir, database, workspace) as (db, workspace_id):
        report = delete_people(db, workspace_id, csv_file)
    typer.echo(json.dumps({"deleted": report.deleted, "not_found": report.not_found, "skipped": report.skipped}))


def register(app: typer.Typer) -> None:
    app.add_typer(people_app, name="people")
