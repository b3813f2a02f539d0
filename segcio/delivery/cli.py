"""`segcio dlq list|show|replay|drop` and `segcio delivery status`: the dead-letter queue and the outbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

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

dlq_app = typer.Typer(help="Dead-letter queue of remote destinations: requests given up on.", no_args_is_help=True)
delivery_app = typer.Typer(help="Remote delivery: outbox and delivery log.", no_args_is_help=True)


def _selection(dead_id: int | None, all_: bool, destination: int | None, verb: str) -> list[int] | None:
    """The ids to act on (None: all, of `--destination` if given); refuses an ambiguous command line."""
    if dead_id is not None and all_:
        raise typer.BadParameter(f"give a dead-letter ID or --all, not both (e.g. `segcio dlq {verb} 12`)")
    if dead_id is None and not all_:
        raise typer.BadParameter(f"give a dead-letter ID, or --all (e.g. `segcio dlq {verb} --all --destination 2`)")
    return None if all_ else [dead_id] if dead_id is not None else None


def _report(count: int, key: str, done: str, as_json: bool, *, missing: bool) -> None:
    """How many dead letters a replay or drop acted on; exit status 1 when the one named (`missing`) was not."""
    if as_json:
        print_json({key: count})
    else:
        typer.echo(f"{count} dead letter(s) {done}")
    if missing and count == 0:
        raise typer.Exit(1)


@dlq_app.command("list")
def dlq_list(
    destination: DestinationFilter = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
) -> None:
    """List dead letters (newest first) with the reason each was given up on."""
    from rich.table import Table

    from segcio.delivery import dlq

    with cli_database(data_dir, database) as db:
        rows = dlq.list_dead(db, destination, limit)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "dest", "person", "request", "status", "attempts", "created (UTC)", "reason")
    for r in rows:
        table.add_row(
            str(r["id"]), str(r["destination_id"]), r["person_key"], f"{r['method']} {r['url']}",
            "" if r["status"] is None else str(r["status"]), str(r["attempts"]), when(r["created_at"]), r["reason"],
        )  # fmt: skip
    print_table(table, "no dead letters")


@dlq_app.command("show")
def dlq_show(
    dead_id: Annotated[int, typer.Argument(metavar="ID", help="Dead-letter id (see `segcio dlq list`).")],
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
) -> None:
    """Show one dead letter in full: request (never with credentials), response, reason."""
    from segcio.delivery import dlq

    with cli_database(data_dir, database) as db:
        letter = dlq.show(db, dead_id)
    if letter is None:
        typer.echo(f"no dead letter {dead_id} (see `segcio dlq list`)", err=True)
        raise typer.Exit(1)
    if as_json:
        print_json(letter)
        return
    for key in ("id", "destination_id", "person_key", "event_seq", "method", "url", "status", "attempts", "reason"):
        typer.echo(f"{key:15} {letter[key]}")
    typer.echo(f"{'created_at':15} {when(letter['created_at'])} UTC")
    typer.echo(f"{'headers':15} {json.dumps(letter['headers'])}")
    typer.echo(f"{'body':15} {json.dumps(letter['body'], indent=2, ensure_ascii=False)}")
    typer.echo(f"{'response_body':15} {letter['response_body']}")


def _dead_letters_command(verb: str, key: str, done: str, doc: str) -> Callable[..., None]:
    """`segcio dlq replay` and `segcio dlq drop`: the same selection and report around their one call."""

    def command(
        dead_id: Annotated[int | None, typer.Argument(metavar="[ID]", help="Dead-letter id.")] = None,
        all_: Annotated[bool, typer.Option("--all", help="Every dead letter (of --destination, if given).")] = False,
        destination: DestinationFilter = None,
        as_json: AsJson = False,
        data_dir: DataDir = None,
        database: DatabaseUrl = None,
    ) -> None:
        from segcio.delivery import dlq

        act = {"replay": dlq.replay, "drop": dlq.drop}[verb]
        selected = _selection(dead_id, all_, destination, verb)
        with cli_database(data_dir, database) as db:
            count = act(db, selected, destination)
        _report(count, key, done, as_json, missing=dead_id is not None)

    command.__doc__ = doc
    return command


dlq_app.command("replay")(
    _dead_letters_command(
        "replay", "replayed", "moved back into the outbox",
        """Send dead letters again: back into the outbox of the destination that failed them, after anything
    already queued for the same person; they are sent with the destination's credentials current then.""",
    )
)  # fmt: skip
dlq_app.command("drop")(_dead_letters_command("drop", "dropped", "deleted", """Delete dead letters for good."""))


@delivery_app.command("status")
def delivery_status(
    destination: DestinationFilter = None,
    recent: Annotated[int, typer.Option(help="Also list this many recent delivery-log rows.")] = 0,
    outcome: Annotated[
        str | None, typer.Option(help="List only log rows of this outcome: ok, failed, retried, dead-lettered, ...")
    ] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
) -> None:
    """Outbox backlog (pending, retrying), failures (as the UI and /metrics count them), and optionally the
    recent delivery log."""
    from segcio.delivery import log
    from segcio.delivery.outbox import backlog
    from segcio.pipeline.failures import failures

    if outcome is not None and outcome not in log.OUTCOME_GROUPS:
        raise typer.BadParameter(f"one of {', '.join(log.OUTCOME_GROUPS)}", param_hint="--outcome")
    with cli_database(data_dir, database) as db:
        out: dict[str, Any] = backlog(db, destination).as_dict()
        with db.connect() as conn:
            out["failures"] = failures(conn, destination).as_dict()
            if recent:
                out["recent"] = log.search(conn, log.LogFilter(destination, outcome), recent).rows
    if as_json:
        print_json(out)
        return
    for key in ("pending", "retrying", "dead_letters"):
        typer.echo(f"{key:13} {out[key]}")
    typer.echo(f"{'oldest':13} {when(out['oldest_created_at'])}")
    f = out["failures"]
    typer.echo(
        f"{'failed':13} {f['total']} ({f['refused']} refused, {f['parked']} failed events,"
        f" {f['dead_letters']} dead letters)"
    )
    for row in out.get("recent", []):
        typer.echo(
            f"{when(row['created_at'])}  {row['outcome']:11} {row['status'] or '':>3}  {row['items']:>4} item(s)  "
            f"{row['method'] or ''} {row['url'] or ''}  {row['response_summary'] or ''}"
        )


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `segcio` CLI."""
    app.add_typer(dlq_app, name="dlq")
    app.add_typer(delivery_app, name="delivery")
