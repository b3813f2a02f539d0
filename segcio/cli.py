"""The `segcio` command line."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from segcio.cli_group import LazyGroup
from segcio.cli_options import DatabaseUrl, DataDir, settings_database
from segcio.config import Settings, export_environment, load_config

if TYPE_CHECKING:
    from rich.console import Console

    from segcio.store import Database
    from segcio.store.defaults import Defaults

app = typer.Typer(help="segcio: Segment Tracking API -> Customer.io, self-hosted.", no_args_is_help=True,
                  cls=LazyGroup)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _console() -> Console:
    from rich.console import Console

    return Console(stderr=True)

ConfigFile = Annotated[Path | None, typer.Option("--config", help="TOML settings file.")]


def settings_from(data_dir: Path | None, database: str | None, config: Path | None, **extra: Any) -> Settings:
    return load_config(config, data_dir=data_dir, database=database, **extra)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    config: ConfigFile = None,
    workers: Annotated[
        bool | None, typer.Option("--workers/--no-workers", help="Run routing and delivery too (default).")
    ] = None,
    single_process: Annotated[
        bool | None,
        typer.Option("--single-process/--separate-processes",
                     help="Run HTTP, routing and delivery in this one process (small machines, debugging).")
    ] = None,
    processes: Annotated[
        int | None, typer.Option(help="HTTP server processes sharing the port (PostgreSQL only; default 1).")
    ] = None,
    ssl_certfile: Annotated[
        Path | None, typer.Option(help="Serve HTTPS with this PEM certificate (chain); needs --ssl-keyfile.")
    ] = None,
    ssl_keyfile: Annotated[
        Path | None, typer.Option(help="The certificate's private key (PEM, unencrypted); needs --ssl-certfile.")
    ] = None,
) -> None:
    """Run the server: Tracking API, Track/App APIs, admin API and UI on one port.

    By default a small supervisor runs the HTTP server and the routing/delivery worker as two processes (a core
    each), restarts one that dies and stops both on SIGTERM or Ctrl-C."""
    from segcio.client_address import trusted_networks
    from segcio.tls import TLSSettingsError, tls_files

    settings = settings_from(data_dir, database, config, host=host, port=port, run_workers=workers, processes=processes,
                             single_process=single_process, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
    if settings.processes > 1 and settings.database_url.startswith("sqlite"):
        raise typer.BadParameter(
            "several server processes need PostgreSQL (--database postgresql://...): on SQLite one process "
            "appends to the event log and remembers its message ids. Leave --processes at 1.",
            param_hint="--processes",
        )
    if settings.processes > 1 and settings.single_process:
        raise typer.BadParameter("--single-process runs one process: leave --processes at 1.",
                                 param_hint="--processes")
    try:
        trusted_networks(settings.trusted_proxies)
    except ValueError as exc:
        raise typer.BadParameter(str(exc).removeprefix("trusted_proxies: "), param_hint="trusted_proxies") from None
    try:
        tls = tls_files(settings.ssl_certfile, settings.ssl_keyfile)
    except TLSSettingsError as exc:
        hint = f"--{exc.setting.replace('_', '-')} / {exc.setting}"
        raise typer.BadParameter(exc.message, param_hint=hint) from None
    if tls is not None:
        settings = replace(settings, ssl_certfile=tls.certfile, ssl_keyfile=tls.keyfile)
    supervised = settings.run_workers and not settings.single_process
    db, defaults = _prepare(settings, supervised)
    if supervised:
        from segcio import supervisor

        db.dispose()
        try:
            code = supervisor.serve(settings)
        except supervisor.StartError as exc:
            _console().print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from None
        raise typer.Exit(code)
    _serve_here(settings, db, defaults)


def _prepare(settings: Settings, supervised: bool) -> tuple[Database, Defaults]:
    """Once per start, before any server process: the data dir, migrations, credentials, and what to print."""
    from segcio import datadir, logs
    from segcio.bootstrap import ensure_defaults
    from segcio.store import open_database
    from segcio.web.security import ensure_admin_password

    logs.configure(settings.log_level, settings.log_format)
    datadir.make_private(settings.data_dir)
    db = open_database(settings.database_url)
    d = ensure_defaults(db)
    console = _console()
    console.print(f"[bold]segcio[/bold] listening on {settings.url}")
    console.print(f"  database          {_redact(settings.database_url)}")
    # Each credential is printed once, by the start that created it (logs are often kept and shared).
    for name, label in CREDENTIAL_LABELS.items():
        if name in d.created:
            console.print(f"  {label:17} {getattr(d, name)}   (created now; shown again by `segcio info`)")
    console.print(f"  UI                {settings.url}/ui/")
    password = ensure_admin_password(db, settings)
    if password is not None:
        console.print(f"  UI admin password {password}   (shown once; set SEGCIO_ADMIN_PASSWORD to choose your own)")
    if not d.created:
        console.print("  credentials       `segcio info` (write key, API keys, admin token)")
    console.print(f"  processes         {process_layout(settings)}")
    return db, d


def process_layout(settings: Settings) -> str:
    """How `segcio serve` runs with these settings, in words."""
    http = "HTTP" if settings.processes == 1 else f"HTTP ({settings.processes} processes)"
    if not settings.run_workers:
        return f"{http} only (routing and delivery run elsewhere: `segcio worker`)"
    if settings.single_process:
        return "HTTP, routing and delivery in one process"
    return f"supervisor, {http}, routing/delivery worker (see /healthz)"


def _serve_here(settings: Settings, db: Database, defaults: Defaults) -> None:
    """HTTP (and, with `--single-process`, routing and delivery) in this process; `--processes N`: N of them."""
    import uvicorn

    from segcio.app import create_app
    from segcio.child import server_options
    from segcio.runtime import Runtime

    if settings.processes > 1:
        db.dispose()
        os.environ.update(export_environment(settings))
        uvicorn.run("segcio.app:app_from_environment", factory=True, workers=settings.processes,
                    **server_options(settings))
        return
    uvicorn.run(create_app(settings, Runtime(settings=settings, db=db, defaults=defaults)), **server_options(settings))


CREDENTIAL_LABELS = {
    "write_key": "write key",
    "site_id": "site id",
    "api_key": "Track API key",
    "app_api_key": "App API key",
    "admin_token": "admin token",
}


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@app.command()
def info(
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    config: ConfigFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the default credentials, the URL and how `segcio serve` runs (creating the credentials on first use)."""
    from segcio import logs
    from segcio.bootstrap import ensure_defaults

    settings = settings_from(data_dir, database, config)
    logs.configure(settings.log_level, settings.log_format)
    with settings_database(settings) as db:
        d = ensure_defaults(db)
    out = {
        "write_key": d.write_key,
        "site_id": d.site_id,
        "api_key": d.api_key,
        "app_api_key": d.app_api_key,
        "url": settings.url,
        "admin_token": d.admin_token,
        "processes": process_layout(settings),
    }
    if as_json:
        typer.echo(json.dumps(out))
    else:
        for key, value in out.items():
            typer.echo(f"{key:12} {value}")


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database: DatabaseUrl = None, config: ConfigFile = None) -> None:
    """Apply the schema migrations."""
    with settings_database(settings_from(data_dir, database, config)):
        pass
    _console().print("schema is up to date")


def main() -> None:
    app()
