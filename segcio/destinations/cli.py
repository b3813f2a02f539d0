"""`segcio test-event` (the Event Tester) and `segcio destinations ...` (stored destination configuration)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from segcio.cli_options import AsJson, DatabaseUrl, DataDir

if TYPE_CHECKING:
    from sqlalchemy import Connection

destinations_app = typer.Typer(help="Destinations and their subscriptions (Quick Setup, Customized Setup).",
                               no_args_is_help=True)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _dumps(value: Any, pretty: bool = False) -> str:
    from segcio.destinations.tester import to_json

    return to_json(value, pretty)


def _load_json_option(text: str, what: str) -> Any:
    """Inline JSON, or `@FILE` for JSON in a file."""
    try:
        if text.startswith("@"):
            return json.loads(Path(text[1:]).read_text(encoding="utf-8"))
        return json.loads(text)
    except (OSError, ValueError) as exc:
        _fail(f"{what} must be JSON (inline, or @FILE): {exc}")
    return None


def _input_lines(source: str) -> Iterator[str]:
    if source == "-":
        yield from sys.stdin
        return
    try:
        with open(source, encoding="utf-8") as lines:
            yield from lines
    except OSError as exc:
        _fail(f"cannot read the event file {source}: {exc}")


def _read_input(source: str) -> str:
    return "".join(_input_lines(source))


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


def _has_database(data_dir: Path | None, database: str | None) -> tuple[bool, str]:
    """Whether a database is configured or exists in the data dir (without creating one), and where."""
    from segcio.config import load_config

    settings = load_config(None, data_dir=data_dir, database=database)
    if settings.database:
        return True, "--database"
    path = settings.data_dir / "segcio.db"
    return path.exists(), str(path)


def _tester_configuration(settings_option: str | None, subscriptions_file: Path | None, destination: int | None,
                          data_dir: Path | None, database: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The settings and subscriptions to test with: those given, else the destination's (the default one unless
    -d), else, without a database, the Quick Setup presets and placeholder credentials (said on stderr)."""
    from segcio.destinations.tester import DEFAULT_SETTINGS

    settings = None if settings_option is None else _load_json_option(settings_option, "--settings")
    if settings is not None and not isinstance(settings, dict):
        _fail('--settings must be a JSON object {"siteId", "apiKey", "accountRegion"}')
    subs = _subscriptions_from(subscriptions_file)
    if settings is not None and subs is not None and destination is None:
        return settings, subs
    exists, where = _has_database(data_dir, database)
    if not exists:
        if destination is not None:
            _fail(f"--destination {destination}: there is no database at {where}; give --data-dir or --database")
        from segcio.destinations.customerio.presets import quick_setup

        typer.echo(f"note: no database at {where}: testing "
                   f"{'the given subscriptions' if subs is not None else 'the Quick Setup presets'} with "
                   f"{'the given settings' if settings is not None else 'placeholder credentials'} "
                   "(give --data-dir or --database to test a destination's own)", err=True)
        return settings or dict(DEFAULT_SETTINGS), subs if subs is not None else quick_setup()
    from segcio import jsonutil
    from segcio.destinations.subscriptions import ConfigError, actions_destination, load_subscriptions

    try:
        with _connection(data_dir, database) as (conn, default_destination):
            chosen = destination or default_destination
            row = actions_destination(conn, chosen)
            if settings is None:
                settings = jsonutil.loads(row.settings or "{}")
            if subs is None:
                subs = load_subscriptions(conn, chosen)
    except ConfigError as exc:
        _fail(exc.message, 1)
    assert settings is not None and subs is not None
    return settings, subs


_CONFIG_KEYS = frozenset({"event", "subscriptions", "settings"})
_MAX_CACHED_RUNNERS = 256


def _is_configuration_line(value: Any) -> bool:
    """`{"event": {...}, "subscriptions"?: [...], "settings"?: {...}}`: no Segment event has only these keys with
    an object as `event` (a track call's `event` is its name)."""
    return (isinstance(value, dict) and "event" in value and value.keys() <= _CONFIG_KEYS
            and isinstance(value["event"], dict))


class _Runners:
    """Compiled destination configurations for --jsonl, by the JSON of the line's settings and subscriptions."""

    def __init__(self, settings: dict[str, Any], subscriptions: list[dict[str, Any]]) -> None:
        from segcio.destinations.runner import DestinationRunner

        self.settings, self.subscriptions = settings, subscriptions
        self.default = DestinationRunner(settings, subscriptions)
        self.cache: dict[bytes, Any] = {}

    def for_line(self, line: dict[str, Any]) -> Any:
        from segcio import jsonutil
        from segcio.destinations.runner import DestinationRunner

        settings, subscriptions = line.get("settings"), line.get("subscriptions")
        if settings is None and subscriptions is None:
            return self.default
        if settings is not None and not isinstance(settings, dict):
            raise _LineError("settings", 'settings must be a JSON object {"siteId", "apiKey", "accountRegion"}')
        if subscriptions is not None and not (
                isinstance(subscriptions, list) and all(isinstance(s, dict) for s in subscriptions)):
            raise _LineError("subscriptions", 'subscriptions must be a JSON list of {"name", "subscribe", '
                                              '"partnerAction", "mapping"}')
        key = b"%s\n%s" % (b"" if settings is None else jsonutil.dumpb(settings),
                            b"" if subscriptions is None else jsonutil.dumpb(subscriptions))
        runner = self.cache.get(key)
        if runner is None:
            if len(self.cache) >= _MAX_CACHED_RUNNERS:
                self.cache.clear()
            try:
                runner = DestinationRunner(self.settings if settings is None else settings,
                                           self.subscriptions if subscriptions is None else subscriptions)
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                raise _LineError("subscriptions", f"subscriptions cannot be compiled: {exc}") from exc
            self.cache[key] = runner
        return runner


class _LineError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _jsonl_result(runners: _Runners, number: int, text: str) -> bytes:
    """One output line (without its newline) for input line `number`."""
    from segcio import jsonutil
    from segcio.destinations.tester import evaluate_line, json_line

    try:
        value = jsonutil.loads(text)
    except ValueError as exc:
        return json_line({"error": f"line {number} is not valid JSON: {exc}", "line": number})
    if not _is_configuration_line(value):
        return evaluate_line(runners.default, value)
    try:
        runner = runners.for_line(value)
    except _LineError as exc:
        return json_line({"error": f"line {number}: {exc.message}", "field": exc.field, "line": number})
    return evaluate_line(runner, value["event"])


JSONL_CHUNK_LINES = 400


def _chunks(source: str) -> Iterator[tuple[int, list[str]]]:
    """The input's lines in chunks of JSONL_CHUNK_LINES, each with the number of its first line."""
    chunk: list[str] = []
    first = 1
    for number, line in enumerate(_input_lines(source), start=1):
        if not chunk:
            first = number
        chunk.append(line)
        if len(chunk) == JSONL_CHUNK_LINES:
            yield first, chunk
            chunk = []
    if chunk:
        yield first, chunk


def _chunk_output(runners: _Runners, chunk: tuple[int, list[str]]) -> bytes:
    """The output lines of one chunk of input lines (blank lines have none)."""
    first, lines = chunk
    return b"".join(_jsonl_result(runners, number, line) + b"\n"
                    for number, line in enumerate(lines, start=first) if line.strip())


class _Turns:
    """What --jsonl worker processes share (inherited when they fork): the compiled configurations, and whose turn
    it is to write. Each writes its chunk's lines to stdout itself, in input order (passing them back through the
    parent would copy all the output once more)."""

    def __init__(self, runners: _Runners, context: Any) -> None:
        self.runners = runners
        self.next = context.Value("q", 0, lock=False)
        self.turn = context.Condition()

    def check(self, job: tuple[int, tuple[int, list[str]]]) -> None:
        index, chunk = job
        text = _chunk_output(self.runners, chunk)
        with self.turn:
            self.turn.wait_for(lambda: self.next.value == index)
            out = sys.stdout.buffer
            out.write(text)
            out.flush()
            self.next.value = index + 1
            self.turn.notify_all()


_turns: _Turns | None = None


def _check_chunk(job: tuple[int, tuple[int, list[str]]]) -> None:
    assert _turns is not None
    _turns.check(job)


def _run_jsonl(runners: _Runners, source: str, jobs: int) -> None:
    """One result line per input line, in input order. With several jobs and more than one chunk of input,
    chunks are checked by that many forked processes, each writing its results when the chunk before is written."""
    global _turns
    import itertools
    import multiprocessing

    out = sys.stdout.buffer
    chunks = _chunks(source)
    head = list(itertools.islice(chunks, 2))
    if jobs <= 1 or len(head) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in itertools.chain(head, chunks):
            out.write(_chunk_output(runners, chunk))
        out.flush()
        return
    out.flush()
    context = multiprocessing.get_context("fork")
    _turns = _Turns(runners, context)
    with context.Pool(jobs) as pool:
        for _ in pool.imap_unordered(_check_chunk, enumerate(itertools.chain(head, chunks))):
            pass


def test_event_command(
    event_file: Annotated[str, typer.Argument(help="File with one Segment event (JSON); '-' reads stdin.")] = "-",
    settings: Annotated[
        str | None,
        typer.Option("--settings", help='Destination settings JSON {"siteId","apiKey","accountRegion"} or @FILE '
                                        "(default: the destination's).")
    ] = None,
    subscriptions: Annotated[
        Path | None,
        typer.Option("--subscriptions", help="JSON list of subscriptions (default: the destination's).")
    ] = None,
    destination: Annotated[
        int | None, typer.Option("--destination", "-d", help="Destination id (default: the default destination).")
    ] = None,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON.")] = False,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="One event (or {\"event\", \"subscriptions\"?, \"settings\"?}) per "
                                           "input line; one JSON result per output line.")
    ] = False,
    pretty: Annotated[bool, typer.Option("--pretty", help="Indented JSON (implies --json).")] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", help="Processes checking --jsonl lines, in chunks; the output keeps the input's "
                                         "order.")
    ] = 1,
) -> None:
    """The Event Tester: the requests an event would cause, per subscription, with Customer.io's limit warnings.
    Sends and stores nothing."""
    from segcio.destinations.runner import DestinationRunner
    from segcio.destinations.tester import evaluate

    settings_value, subs = _tester_configuration(settings, subscriptions, destination, data_dir, database)
    if jsonl:
        _run_jsonl(_Runners(settings_value, subs), event_file, jobs)
        return
    text = _read_input(event_file)
    try:
        event = json.loads(text)
    except ValueError as exc:
        _fail(f"the event ({event_file}) is not valid JSON: {exc}")
    result = evaluate(DestinationRunner(settings_value, subs), event)
    if as_json or pretty:
        typer.echo(_dumps(result, pretty))
        if "message" in result:
            typer.echo(result["message"], err=True)
        return
    from segcio.destinations.tester_text import render_text

    typer.echo(render_text(result))


DestinationId = Annotated[
    int | None, typer.Option("--destination", "-d", help="Destination id (default: the default destination).")
]
SubscriptionRef = Annotated[str, typer.Argument(help="Subscription id or name.")]


@contextmanager
def _connection(data_dir: Path | None, database: str | None) -> Iterator[tuple[Connection, int]]:
    """A transaction on the configured database, and the default destination's id."""
    from segcio.bootstrap import ensure_defaults
    from segcio.cli_options import cli_database

    with cli_database(data_dir, database) as db:
        default_destination = ensure_defaults(db).destination_id
        with db.begin() as conn:
            yield conn, default_destination


def _run(data_dir: Path | None, database: str | None, as_json: bool,
         work: Callable[[Connection, int], Any], show: Callable[[Any], None]) -> None:
    """Run one configuration change or query; ConfigErrors become a clear message and exit code 1."""
    from segcio.destinations.subscriptions import ConfigError

    try:
        with _connection(data_dir, database) as (conn, default_destination):
            result = work(conn, default_destination)
    except ConfigError as exc:
        if as_json:
            typer.echo(_dumps({"error": exc.to_dict()}))
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(_dumps(result))
    else:
        show(result)


def _show_subscriptions(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "name", "action", "enabled", "trigger")
    for row in rows:
        table.add_row(str(row["id"]), row["name"], row["partnerAction"], "yes" if row["enabled"] else "no",
                      row["subscribe"])
    Console().print(table)


def _show_subscription(row: dict[str, Any]) -> None:
    typer.echo(_dumps(row, pretty=True))


@destinations_app.command("list")
def list_command(data_dir: DataDir = None, database: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """The destinations (Actions and Classic), with their subscription counts."""
    from rich.console import Console
    from rich.table import Table

    from segcio.destinations.subscriptions import list_destinations

    def show(rows: list[dict[str, Any]]) -> None:
        table = Table("id", "kind", "name", "enabled", "region", "subscriptions")
        for row in rows:
            table.add_row(str(row["id"]), row["kind"], row["name"], "yes" if row["enabled"] else "no",
                          str(row["settings"].get("accountRegion", "")), str(row["subscriptions"]))
        Console().print(table)

    _run(data_dir, database, as_json, lambda conn, _d: list_destinations(conn), show)


@destinations_app.command("show")
def show_command(destination: DestinationId = None, data_dir: DataDir = None, database: DatabaseUrl = None,
                 as_json: AsJson = False) -> None:
    """A destination: settings (API key redacted) and subscriptions."""
    from segcio.destinations.subscriptions import get_destination

    _run(data_dir, database, as_json, lambda conn, d: get_destination(conn, destination or d), _show_subscription)


@destinations_app.command("subscriptions")
def subscriptions_command(destination: DestinationId = None, data_dir: DataDir = None,
                          database: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """A destination's subscriptions (trigger, action, enabled)."""
    from segcio.destinations.subscriptions import actions_destination, load_subscriptions

    def work(conn: Connection, d: int) -> list[dict[str, Any]]:
        actions_destination(conn, destination or d)
        return load_subscriptions(conn, destination or d)

    _run(data_dir, database, as_json, work, _show_subscriptions)


def _mapping_option(text: str | None) -> Any:
    return None if text is None else _load_json_option(text, "--mapping")


def _remap(pairs: list[str], unmap: list[str]) -> dict[str, Any] | None:
    """`--map FIELD=JSON` (or FIELD=$.path) and `--unmap FIELD` as a remap object."""
    if not pairs and not unmap:
        return None
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            _fail(f"--map {pair!r}: expected FIELD=JSON or FIELD=$.path, e.g. url=$.name")
        if raw.startswith("$"):
            out[key] = {"@path": raw}
        else:
            try:
                out[key] = json.loads(raw)
            except ValueError:
                _fail(f"--map {pair!r}: the value must be JSON or a $.path")
    for key in unmap:
        out[key] = None
    return out


@destinations_app.command("add-subscription")
def add_subscription_command(
    name: Annotated[str, typer.Option("--name", help="Subscription name (unique per destination).")],
    action: Annotated[str, typer.Option("--action", help="Action key, e.g. trackEvent, trackPageView.")],
    trigger: Annotated[
        str | None, typer.Option("--trigger", help="Trigger, e.g. 'type = \"page\"' (default: the action's).")
    ] = None,
    mapping: Annotated[
        str | None, typer.Option("--mapping", help="Mapping JSON or @FILE (default: the action's defaults).")
    ] = None,
    map_fields: Annotated[list[str] | None, typer.Option("--map", help="Re-map a field: FIELD=JSON or FIELD=$.path.")]
    = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Store it disabled.")] = False,
    destination: DestinationId = None,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Customized Setup: add a subscription; the trigger and mapping are validated first."""
    from segcio.destinations.customerio.actions import ACTIONS
    from segcio.destinations.subscriptions import add_subscription

    sub: dict[str, Any] = {"name": name, "partnerAction": action, "enabled": not disabled}
    if trigger is not None:
        sub["subscribe"] = trigger
    mapping_value = _mapping_option(mapping)
    remap = _remap(map_fields or [], [])
    if remap:
        base = mapping_value if mapping_value is not None else (
            ACTIONS[action].default_mapping() if action in ACTIONS else {})
        mapping_value = {**base, **remap}
    if mapping_value is not None:
        sub["mapping"] = mapping_value
    _run(data_dir, database, as_json, lambda conn, d: add_subscription(conn, destination or d, sub),
         _show_subscription)


@destinations_app.command("update-subscription")
def update_subscription_command(
    subscription: SubscriptionRef,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Another action (mapping resets to its defaults).")]
    = None,
    trigger: Annotated[str | None, typer.Option("--trigger", help="New trigger.")] = None,
    mapping: Annotated[str | None, typer.Option("--mapping", help="Replace the mapping: JSON or @FILE.")] = None,
    map_fields: Annotated[list[str] | None, typer.Option("--map", help="Re-map a field: FIELD=JSON or FIELD=$.path.")]
    = None,
    unmap: Annotated[list[str] | None, typer.Option("--unmap", help="Remove a field's mapping.")] = None,
    destination: DestinationId = None,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Change a subscription's name, trigger, action or field mappings (validated before saving)."""
    from segcio.destinations.subscriptions import update_subscription

    changes: dict[str, Any] = {}
    for key, given in (("name", name), ("partnerAction", action), ("subscribe", trigger)):
        if given is not None:
            changes[key] = given
    if mapping is not None:
        changes["mapping"] = _mapping_option(mapping)
    remap = _remap(map_fields or [], unmap or [])
    if remap is not None:
        changes["remap"] = remap
    if not changes:
        _fail("nothing to change: give --name, --action, --trigger, --mapping, --map or --unmap")
    _run(data_dir, database, as_json,
         lambda conn, d: update_subscription(conn, destination or d, subscription, changes), _show_subscription)


def _switch(subscription: str | None, destination: int | None, data_dir: Path | None, database: str | None,
            as_json: bool, enabled: bool) -> None:
    from segcio.destinations.subscriptions import destination_summary, set_subscription_enabled
    from segcio.pipeline.destination_config import set_enabled

    def work(conn: Connection, d: int) -> dict[str, Any]:
        if subscription is None:
            summary = destination_summary(conn, destination or d)  # NotFound names the fix
            set_enabled(conn, destination or d, enabled)
            return {**summary, "enabled": enabled}
        return set_subscription_enabled(conn, destination or d, subscription, enabled)

    _run(data_dir, database, as_json, work, _show_subscription)


@destinations_app.command("disable")
def disable_command(
    subscription: Annotated[str | None, typer.Argument(help="Subscription id or name (none: the destination).")]
    = None,
    destination: DestinationId = None, data_dir: DataDir = None, database: DatabaseUrl = None, as_json: AsJson = False,
) -> None:
    """Turn a subscription off (or, without one, the whole destination)."""
    _switch(subscription, destination, data_dir, database, as_json, False)


@destinations_app.command("enable")
def enable_command(
    subscription: Annotated[str | None, typer.Argument(help="Subscription id or name (none: the destination).")]
    = None,
    destination: DestinationId = None, data_dir: DataDir = None, database: DatabaseUrl = None, as_json: AsJson = False,
) -> None:
    """Turn a subscription on (or, without one, the whole destination)."""
    _switch(subscription, destination, data_dir, database, as_json, True)


@destinations_app.command("delete-subscription")
def delete_subscription_command(subscription: SubscriptionRef, destination: DestinationId = None,
                                data_dir: DataDir = None, database: DatabaseUrl = None,
                                as_json: AsJson = False) -> None:
    """Remove a subscription."""
    from segcio.destinations.subscriptions import delete_subscription

    _run(data_dir, database, as_json, lambda conn, d: delete_subscription(conn, destination or d, subscription),
         _show_subscription)


@destinations_app.command("quick-setup")
def quick_setup_command(
    specific_events: Annotated[
        bool, typer.Option("--specific-events", help="Also add the presets for Segment-generated events.")
    ] = False,
    destination: DestinationId = None, data_dir: DataDir = None, database: DatabaseUrl = None, as_json: AsJson = False,
) -> None:
    """Add the Quick Setup subscriptions the destination does not have yet (existing ones are left as they are)."""
    from segcio.destinations.subscriptions import actions_destination, install_presets

    def work(conn: Connection, d: int) -> list[dict[str, Any]]:
        actions_destination(conn, destination or d)
        return install_presets(conn, destination or d, include_specific=specific_events)

    def show(rows: list[dict[str, Any]]) -> None:
        if rows:
            _show_subscriptions(rows)
        else:
            typer.echo("every Quick Setup subscription is already installed")

    _run(data_dir, database, as_json, work, show)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `segcio` CLI."""
    app.command("test-event")(test_event_command)
    app.add_typer(destinations_app, name="destinations")
