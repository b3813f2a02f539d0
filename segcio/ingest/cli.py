"""`segcio events ...`: what ingestion rejected, and the accepted events as they arrive."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from segcio.cli_options import DatabaseUrl, DataDir, cli_database, print_table, when
from segcio.ingest import rejections
from segcio.ingest import tail as log_tail

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
    with cli_database(data_dir, database) as db, db.connect() as conn:
        if each:
            rows = rejections.recent(conn, code=code, limit=limit)
        else:
            groups = [g for g in rejections.grouped(conn) if code is None or g.code == code]
    if each:
        if as_json:
            for row in rows:
                typer.echo(json.dumps(row))
            return
        table = Table("id", "received (UTC)", "messages", "code", "reason", "first message")
        for row in rows:
            table.add_row(
                str(row["id"]), when(row["received_at"]), str(row["count"]), row["code"], row["reason"],
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
        table.add_row(group.code, str(group.messages), str(group.requests), when(group.last_at), group.reason, example)
    print_table(table, "nothing rejected")


# --follow reads the log this often, this many rows at a time.
FOLLOW_INTERVAL_SECONDS = 0.5
FOLLOW_PAGE = 1000


@events_app.command("tail")
def tail(
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Then print new events as they arrive, until Ctrl-C.")
    ] = False,
    event_type: Annotated[str, typer.Option("--type", help="Only this type (identify, track, page, ...).")] = "",
    event: Annotated[
        str,
        typer.Option("--event", help="Only events whose name (track event, page/screen name) contains this, any case."),
    ] = "",
    user: Annotated[str, typer.Option("--user", help="Only this userId, anonymousId or email.")] = "",
    text: Annotated[str, typer.Option("--text", help="Only events whose JSON contains this, any case.")] = "",
    limit: Annotated[int, typer.Option(min=0, help="How many of the newest events to print first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line, with the whole message.")] = False,
) -> None:
    """The newest accepted events, newest last (like tail); with --follow, then every matching event accepted
    afterwards by any process. The same filters as the UI's live debugger."""
    try:
        flt = log_tail.EventFilter(type=event_type, event=event, user=user, text=text)
    except ValueError as error:
        # The message starts with the filter's name, which is its option's name.
        raise typer.BadParameter(str(error), param_hint="--" + str(error).split()[0]) from None
    with cli_database(data_dir, database) as db:
        try:
            with db.connect() as conn:
                cursor = log_tail.head(conn)
                for row in log_tail.last_matching(conn, flt, limit, before=cursor + 1) if limit else []:
                    _print_event(row, as_json)
            while follow:
                with db.connect() as conn:
                    page = log_tail.after(conn, cursor, FOLLOW_PAGE)
                for row in page:
                    if flt.matches(row):
                        _print_event(row, as_json)
                if page:
                    cursor = page[-1].seq
                if len(page) < FOLLOW_PAGE:
                    time.sleep(FOLLOW_INTERVAL_SECONDS)
        except KeyboardInterrupt:
            pass


def _print_event(row: log_tail.LoggedEvent, as_json: bool) -> None:
    message = row.message()
    summary = row.summary(message)
    if as_json:
        typer.echo(json.dumps({**summary, "message": message}, ensure_ascii=False))
        return
    at = when(row.received_at)
    who = " ".join(f"{key}={summary[key]}" for key in ("userId", "anonymousId", "email") if summary[key])
    typer.echo(f"{at}  #{row.seq}  {row.type:<8}  {summary['event'] or '-'}  {who}")


def register(app: typer.Typer) -> None:
    app.add_typer(events_app, name="events")
