"""Options and helpers every CLI area shares (kept apart from segcio.cli, which imports the areas)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from segcio.config import Settings, load_config

if TYPE_CHECKING:
    from rich.table import Table

    from segcio.store import Database

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data directory (default ./segcio-data).")]
DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database", help="Database URL: sqlite:///FILE or postgresql://... (default: SQLite in data dir)."),
]
DestinationFilter = Annotated[int | None, typer.Option("--destination", help="Only this destination id.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def open_cli_database(data_dir: Path | None, database: str | None) -> Database:
    """The database of --data-dir/--database (and SEGCIO_* settings); the caller disposes of it."""
    return _open(load_config(None, data_dir=data_dir, database=database))


@contextmanager
def settings_database(settings: Settings) -> Iterator[Database]:
    """The database the settings name, disposed of when the block ends."""
    db = _open(settings)
    try:
        yield db
    finally:
        db.dispose()


def _open(settings: Settings) -> Database:
    """The data dir created private if needed; the database migrated to the newest schema."""
    # Imported here: commands that open no database (the Event Tester without one) start without SQLAlchemy.
    from segcio.datadir import make_private
    from segcio.store import open_database

    make_private(settings.data_dir)
    return open_database(settings.database_url)


def cli_database(data_dir: Path | None, database: str | None) -> AbstractContextManager[Database]:
    """The database of --data-dir/--database, disposed of when the block ends."""
    return settings_database(load_config(None, data_dir=data_dir, database=database))


def when(seconds: float | None) -> str:
    """Unix seconds as the tables print them, in UTC ("" for none)."""
    return "" if seconds is None else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def print_table(table: Table, empty: str) -> None:
    """A rich table on stdout (`empty` when it has no rows); piped output is wide, so reasons are not squeezed into
    80 columns."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=240)
    console.print(table if table.row_count else empty)
