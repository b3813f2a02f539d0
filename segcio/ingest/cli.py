"""`segcio events ...`: inspect what ingestion rejected."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from segcio.cli_options import DatabaseUrl, DataDir, open_cli_database, print_table
from segcio.ingest import rejections

events_app = typer.Typer(help="Inspect the event log, rejected messages and failed events.", no_args_is_help=True)


@events_app.command("rejected")
def rejected(
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    each: Annotated[
        bool, typer.Option("--each", help="One row per request and reason, newest first, instead of by reason.")
    ] = False,
    code: Annotated[str | None, typer.Option(help="Only this reason code (e.g. batch_limit).")] = None,
    limit: Annotated[int, typer.Option(help="With --each: how many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Rejected messages by reason (code), the most recently seen first: how many messages, in how many requests,
    when, and a few examples. `--each` lists the rows one by one instead."""
    db = open_cli_database(data_dir, database)
    try:
        with db.connect() as conn:
            if each:
                rows = rejections.recent(conn, code=code, limit=limit)
            else:
                groups = [g for g in rejections.grouped(conn) if code is None or g.code == code]
    finally:
        db.dispose()
    if each:
        if as_json:
            for row in rows:
                typer.echo(json.dumps(row))
            return
        table = Table("id", "received (UTC)", "messages", "code", "reason", "first message")
        for row in rows:
            table.add_row(
                str(row["id"]), _when(row["received_at"]), str(row["count"]), row["code"], row["reason"],
                row["body"][:80],
            )  # fmt: skip
        print_table(table, "nothing rejected")
        return
    if as_json:
        for group in groups:
            typer.echo(json.dumps({**asdict(group), "count": group.messages}))
        return
    table = Table("code", "messages", "requests", "last (UTC)", "reason (newest)", "example")
    for group in groups:
        example = group.examples[0]["body"][:80] if group.examples else ""
        table.add_row(group.code, str(group.messages), str(group.requests), _when(group.last_at), group.reason, example)
    print_table(table, "nothing rejected")


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def register(app: typer.Typer) -> None:
    app.add_typer(events_app, name="events")
