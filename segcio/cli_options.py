"""Options and helpers every CLI area shares (kept apart from segcio.cli, which imports the areas)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segcio.config import load_settings
from segcio.datadir import make_private
from segcio.store import Database, open_database

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data directory (default ./segcio-data).")]
DatabaseUrl = Annotated[str | None, typer.Option("--database", help="Database URL (default: SQLite in data dir).")]


def open_cli_database(data_dir: Path | None, database: str | None) -> Database:
    """The database the settings name (data dir created private if needed), migrated to the newest schema."""
    settings = load_settings(None, data_dir=data_dir, database=database)
    make_private(settings.data_dir)
    return open_database(settings.database_url)
