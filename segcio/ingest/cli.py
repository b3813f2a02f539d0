"""`segcio events ...`: inspect what ingestion rejected."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from segcio.cli_options import DatabaseUrl, DataDir, open_cli_database
from segcio.ingest.rejections import examples_of
from segcio.store.tables.core import rejected_events

events_app = typer.Typer(help="Inspect the event log, rejected messages and failed events.", no_args_is_help=True)


@events_app.command("rejected")
def rejected(
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List rejected messages with their reasons, newest first: one row per request, with how many messages it
    had rejected and up to five of them (plus the first of any other reason)."""
    db = open_cli_database(data_dir, database)
    with db.connect() as conn:
        rows = conn.execute(select(rejected_events).order_by(rejected_events.c.id.desc()).limit(limit)).all()
    db.dispose()
    if as_json:
        for row in rows:
            typer.echo(
                json.dumps(
                    {
                        "id": row.id,
                        "source_id": row.source_id,
                        "received_at": row.received_at,
                        "code": row.code,
                        "reason": row.reason,
                        "count": row.count,
                        "body": row.body,
                        "examples": examples_of(row),
                    }
                )
            )
        return
    table = Table("id", "received", "messages", "code", "reason", "first message")
    for row in rows:
        when = datetime.fromtimestamp(row.received_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(str(row.id), when, str(row.count), row.code, row.reason, row.body[:80])
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(events_app, name="events")
