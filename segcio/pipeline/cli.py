"""CLI commands of this area (being built)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `segcio` CLI."""
