"""CLI of the pipeline: `segcio worker`, `segcio regulations ...`, `segcio destination use ...`, `segcio replay`,
`segcio events failed|replay-failed`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from segcio.cli_options import DatabaseUrl, DataDir, cli_database

regulations_app = typer.Typer(help="Privacy regulations: suppress and delete user ids.", no_args_is_help=True)
destination_app = typer.Typer(help="The default source's Customer.io destination(s).", no_args_is_help=True)


def _echo(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2))


def worker(
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    name: Annotated[str | None, typer.Option(help="Worker name (default host:random).")] = None,
) -> None:
    """Run a routing/delivery worker without HTTP; several may share one PostgreSQL database."""
    from segcio.config import load_config
    from segcio.pipeline.worker import run_until_stopped

    settings = load_config(None, data_dir=data_dir, database=database)
    with cli_database(data_dir, database) as db:
        run_until_stopped(db, name, settings.event_log_keep_seconds,
                          lambda owner: typer.echo(f"worker {owner} running; Ctrl-C to stop", err=True))


@regulations_app.command("create")
def regulations_create(
    regulation_type: Annotated[
        str, typer.Argument(help="SUPPRESS, SUPPRESS_WITH_DELETE, DELETE_ONLY, UNSUPPRESS, ...")
    ],
    user_ids: Annotated[list[str], typer.Argument(help="User ids.")],
    source: Annotated[int | None, typer.Option(help="Only this source (default: all).")] = None,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
) -> None:
    """Create a regulation."""
    from segcio.pipeline import regulations

    try:
        with cli_database(data_dir, database) as db:
            regulation = regulations.create(
                db, {"regulationType": regulation_type.upper(), "subjectType": "USER_ID", "subjectIds": user_ids},
                source,
            )
    except regulations.RegulationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    _echo(regulation.to_json())


@regulations_app.command("list")
def regulations_list(data_dir: DataDir = None, database: DatabaseUrl = None) -> None:
    """List regulations with their status."""
    from segcio.pipeline import regulations

    with cli_database(data_dir, database) as db:
        _echo([r.to_json() for r in regulations.list_all(db)])


@regulations_app.command("suppressed")
def regulations_suppressed(data_dir: DataDir = None, database: DatabaseUrl = None) -> None:
    """List suppressed user ids."""
    from segcio.pipeline import regulations

    with cli_database(data_dir, database) as db:
        _echo(regulations.suppressed(db))


@destination_app.command("use")
def destination_use(
    mode: Annotated[str, typer.Argument(help="classic, actions or both")],
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
) -> None:
    """Switch the default source to classic, actions, or both during a migration."""
    from segcio.bootstrap import ensure_defaults
    from segcio.pipeline.destination_config import switch

    try:
        with cli_database(data_dir, database) as db:
            source_id = ensure_defaults(db).source_id
            with db.begin() as conn:
                result = switch(conn, source_id, mode)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    _echo(result)


@destination_app.command("target")
def destination_target(
    target: Annotated[str, typer.Argument(help="local (this segcio's workspace) or remote (Customer.io)")],
    site_id: Annotated[str | None, typer.Option("--site-id", help="Customer.io Site ID (remote).")] = None,
    api_key: Annotated[str | None, typer.Option("--api-key", help="Customer.io Track API key (remote).")] = None,
    region: Annotated[str | None, typer.Option(help="US or EU (remote).")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Another Customer.io-compatible Track API, e.g. a segcio.")
    ] = None,
    rate_limit: Annotated[float | None, typer.Option("--rate-limit", help="Requests per second (remote).")] = None,
    destination: Annotated[
        int | None, typer.Option(help="Destination id (default: every destination of the default source).")
    ] = None,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
) -> None:
    """Deliver to the local workspace, or forward to Customer.io (or another Customer.io-compatible API)."""
    from segcio.bootstrap import ensure_defaults
    from segcio.pipeline.destination_config import TargetError, set_target

    try:
        with cli_database(data_dir, database) as db:
            defaults = ensure_defaults(db)
            with db.begin() as conn:
                result = set_target(
                    conn,
                    defaults,
                    target,
                    destination_id=destination,
                    site_id=site_id,
                    api_key=api_key,
                    region=region,
                    base_url=base_url,
                    rate_limit=rate_limit,
                )
    except TargetError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    _echo(result)


def replay(
    destination: Annotated[int, typer.Option("--destination", help="Destination id (see `segcio destinations list`).")],
    since: Annotated[str, typer.Option(help="Start: ISO-8601 (2026-12-07T10:00:00Z; UTC if no zone) or 90m/6h/2d.")],
    until: Annotated[str | None, typer.Option(help="End (excluded), same forms; default now.")] = None,
    user: Annotated[str | None, typer.Option(help="Only this userId or anonymousId.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only report what would be sent.")] = False,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
) -> None:
    """Send the events of a time range (still in the log) to a destination again, in log order. Into the local
    workspace an event already applied is skipped; a remote destination (Customer.io) receives them again."""
    import time

    from rich.console import Console
    from rich.progress import Progress

    from segcio.pipeline.replay import Replay, ReplayError, parse_time, run

    try:
        with cli_database(data_dir, database) as db:
            now = time.time()
            asked = Replay(destination, parse_time(since, "--since", now), None, user)
            if until is not None:
                asked.until = parse_time(until, "--until", now)
            if dry_run:
                outcome = run(db, asked, dry_run=True)
            else:
                with Progress(console=Console(stderr=True), transient=True) as bar:
                    task = bar.add_task("replaying", total=None)
                    outcome = run(db, asked, dry_run=False,
                                  progress=lambda done, total: bar.update(task, completed=done, total=total))
    except ReplayError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for note in outcome.notes:
        typer.echo(note, err=True)
    _echo(outcome.as_dict())


def register(app: typer.Typer) -> None:
    from segcio.ingest.cli import events_app
    from segcio.pipeline import failed_cli, trace_cli

    app.command("worker")(worker)
    app.command("replay")(replay)
    failed_cli.register(events_app)
    trace_cli.register(events_app)
    app.add_typer(regulations_app, name="regulations")
    app.add_typer(destination_app, name="destination")
