"""`segcio test-event` (the Event Tester) and `segcio destinations ...` (stored destination configuration)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

destinations_app = typer.Typer(help="Destinations and their subscriptions (Quick Setup, Customized Setup).",
                               no_args_is_help=True)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _dumps(value: Any, pretty: bool = False) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2 if pretty else None,
                      separators=None if pretty else (",", ":"))


def _load_json_option(text: str, what: str) -> Any:
    """Inline JSON, or `@FILE` for JSON in a file."""
    try:
        if text.startswith("@"):
            return json.loads(Path(text[1:]).read_text(encoding="utf-8"))
        return json.loads(text)
    except (OSError, ValueError) as exc:
        _fail(f"{what} must be JSON (inline, or @FILE): {exc}")
    return None


def _read_input(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot read the event file {source}: {exc}")
    return ""


def _subscriptions_from(path: Path | None) -> list[dict[str, Any]] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _fail(f"--subscriptions {path}: not a readable JSON file: {exc}")
    if not isinstance(data, list) or not all(isinstance(s, dict) for s in data):
        _fail(f'--subscriptions {path}: expected a JSON list of {{"name", "subscribe", "partnerAction", "mapping"}}')
    return list(data)


def test_event_command(
    event_file: Annotated[str, typer.Argument(help="File with one Segment event (JSON); '-' reads stdin.")] = "-",
    settings: Annotated[
        str | None,
        typer.Option("--settings", help='Destination settings JSON {"siteId","apiKey","accountRegion"} or @FILE.'),
    ] = None,
    subscriptions: Annotated[
        Path | None,
        typer.Option("--subscriptions", help="JSON list of subscriptions (default: the Quick Setup presets)."),
    ] = None,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="One event per input line, one result per output line.")
    ] = False,
    pretty: Annotated[bool, typer.Option("--pretty", help="Indent the JSON output.")] = False,
) -> None:
    """The Event Tester: show the requests an event would cause, per subscription. Sends and stores nothing."""
    from segcio.destinations.tester import DEFAULT_SETTINGS, DestinationRunner, report

    settings_value = DEFAULT_SETTINGS if settings is None else _load_json_option(settings, "--settings")
    if not isinstance(settings_value, dict):
        _fail('--settings must be a JSON object {"siteId", "apiKey", "accountRegion"}')
    subs = _subscriptions_from(subscriptions)
    if subs is None:
        from segcio.destinations.customerio.presets import quick_setup

        subs = quick_setup()
    runner = DestinationRunner(settings_value, subs)
    text = _read_input(event_file)
    if jsonl:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError as exc:
                typer.echo(_dumps({"error": f"line {number} is not valid JSON: {exc}"}))
                continue
            typer.echo(_dumps(report(runner.run(event))))
        return
    try:
        event = json.loads(text)
    except ValueError as exc:
        _fail(f"the event ({event_file}) is not valid JSON: {exc}")
    result = report(runner.run(event))
    typer.echo(_dumps(result, pretty))
    if "message" in result:
        typer.echo(result["message"], err=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `segcio` CLI."""
    app.command("test-event")(test_event_command)
    app.add_typer(destinations_app, name="destinations")
