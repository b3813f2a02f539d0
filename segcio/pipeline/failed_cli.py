"""`segcio events failed` and `segcio events replay-failed`: the destinations' failed state from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from segcio.cli_options import (
    AsJson,
    DatabaseUrl,
    DataDir,
    DestinationFilter,
    cli_database,
    print_json,
    print_table,
    when,
)


def failed_list(
    destination: DestinationFilter = None,
    limit: Annotated[int, typer.Option(help="At most this many, oldest first.")] = 1000,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
) -> None:
    """List events in a destination's failed state (processing or delivery raised), with the reason."""
    from rich.table import Table

    from segcio.pipeline import failed

    with cli_database(data_dir, database) as db, db.connect() as conn:
        rows = [event.as_dict() for event in failed.list_failed(conn, destination, limit)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "dest", "seq", "message id", "person", "type", "attempts", "last (UTC)", "reason")
    for r in rows:
        at = when(r["last_attempt_at"])
        table.add_row(
            str(r["id"]), str(r["destination_id"]), str(r["event_seq"]), r["message_id"], r["person_key"], r["type"],
            str(r["attempts"]), at, r["reason"],
        )  # fmt: skip
    print_table(table, "no failed events")


def replay_failed(
    failed_id: Annotated[int | None, typer.Option("--id", help="The failed event's id (see `events failed`).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every failed event (of --destination, if given).")] = False,
    destination: DestinationFilter = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
) -> None:
    """Run failed events again through their destination (after a fix). Delivered ones leave the failed state;
    the others stay with the new reason (exit status 1)."""
    from segcio.pipeline.replay_failed import replay_failed as replay

    if (failed_id is None) == (not all_):
        raise typer.BadParameter("give --id N or --all (e.g. `segcio events replay-failed --all --destination 1`)")
    with cli_database(data_dir, database) as db:
        outcome = replay(db, destination_id=destination, failed_id=failed_id)
    if as_json:
        print_json(outcome.as_dict())
    else:
        typer.echo(f"{outcome.replayed} event(s) replayed, {outcome.failed} still failed")
    if outcome.failed or (failed_id is not None and not outcome.replayed):
        raise typer.Exit(1)


def register(events_app: typer.Typer) -> None:
    events_app.command("failed")(failed_list)
    events_app.command("replay-failed")(replay_failed)
