"""`segcio events trace ID`: one event's way through segcio, readable, or `--json` (the admin API's structure)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from segcio.cli_options import AsJson, DatabaseUrl, DataDir, cli_database, print_json


def trace_command(
    event: Annotated[str, typer.Argument(help="The event's seq, messageId, userId, anonymousId or email.")],
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database: DatabaseUrl = None,
) -> None:
    """Show why an event arrived (or not) the way it did: how it was received, what stopped it, and per destination
    the subscriptions' verdicts, the requests, their fate and the workspace entries it caused. With several matches
    (a userId, an email) the newest is traced and the others are listed."""
    from segcio.pipeline.event_search import search
    from segcio.pipeline.trace import trace

    with cli_database(data_dir, database) as db:
        found = search(db, event)
        traced = trace(db, found["events"][0]["seq"]) if found["events"] else None
    if traced is None:
        for note in found["notes"]:
            typer.echo(note, err=True)
        typer.echo(f"no event matches {event!r}", err=True)
        raise typer.Exit(1)
    if as_json:
        print_json(traced)
        return
    others = found["events"][1:]
    if others:
        listed = ", ".join(f"{e['seq']} ({e['type']} {e['event'] or ''})".replace(" )", ")") for e in others[:20])
        typer.echo(f"{len(found['events'])} events match; the newest is traced. Others (seq): {listed}\n")
    for note in found["notes"]:
        typer.echo(f"! {note}\n")
    typer.echo(render_text(traced))


def render_text(t: dict[str, Any]) -> str:
    """The trace for a terminal."""
    lines = [
        f"Event {t['seq']}: {t['type']}  messageId {t['message_id']}  userId {t['user_id'] or '-'}  "
        f"anonymousId {t['anonymous_id'] or '-'}",
        f"Received {t['received']['received_at']} by source {t['source']['id']} ({t['source']['name']})",
        f"  {t['received']['request']}",
    ]
    ts = t["received"]["timestamps"]
    correction = "" if ts["correction_seconds"] is None else f" (corrected by {ts['correction_seconds']:+g} s)"
    lines += [
        f"  originalTimestamp {ts['original']}  sentAt {ts['sent_at'] or '-'}  receivedAt {ts['received_at']}",
        f"  -> timestamp {ts['corrected']}{correction}: {ts['how']}",
        "",
        "Ingest",
    ]
    suppression = t["ingest"]["suppression"]
    if suppression is None:
        lines.append("  suppression: none (the userId is not suppressed)")
    else:
        lines.append(
            f"  suppression: userId suppressed since {suppression['since']} by regulation "
            f"{suppression['regulation_id']} ({suppression['regulation_type']}). {suppression['note']}"
        )
    dedupe = t["ingest"]["deduplication"]
    lines += [
        f"  deduplication: {dedupe['note']} (this source: {dedupe['source_deduplicated_total']} dropped so far)",
        "",
        "Stored event (normalised)",
        *("  " + line for line in json.dumps(t["event"], indent=2, ensure_ascii=False).splitlines()),
        "",
        t["verdicts_note"],
    ]
    for d in t["destinations"]:
        lines += ["", *_destination_lines(d)]
    lines += ["", *(f"Note: {note}" for note in t["notes"])]
    return "\n".join(lines)


def _destination_lines(d: dict[str, Any]) -> list[str]:
    where = f"local workspace {d['workspace_id']}" if d["target"] == "local" else "remote (Customer.io)"
    lines = [
        f"Destination {d['id']} {d['name']!r} ({d['kind']}, {where}, {'on' if d['enabled'] else 'off'})",
        f"  fate: {d['fate']}",
        f"  routing: {d['routing']['state']}: {d['routing']['detail']}",
        f"  integrations: {d['integrations'] or 'not filtered'}",
    ]
    verdicts = d["verdicts"]
    errors = {s["name"]: s.get("error") for s in verdicts.get("subscriptions", [])}
    if verdicts.get("details"):
        lines.append("  subscriptions (now):")
        for s in verdicts["details"]:
            error = errors.get(s["name"])
            lines.append(f"    [{s['status']}] {s['name']}" + (f": {error}" if error else ""))
    if verdicts.get("dropped"):
        lines.append(f"  dropped by the destination: {verdicts['dropped']}")
    if verdicts.get("requests"):
        lines.append("  requests it makes (now):")
        for r in verdicts["requests"]:
            lines.append(f"    {r['method']} {r['url']}")
            for w in r.get("warnings") or []:
                lines.append(f"      warning: {w.get('message', w)}")
    for entry in d["delivery_log"]:
        at = f" batch_index {entry['batch_index']}" if entry.get("batch_index") is not None else ""
        errors_at = "; ".join(f"item {i}: {e}" for i, e in entry.get("item_errors", {}).items())
        lines.append(
            f"  delivery log {entry['at']}: {entry['outcome']} {entry['status'] or ''} {entry['method'] or ''} "
            f"{entry['url'] or ''}{at}".rstrip()
            + (f" -- {errors_at}" if errors_at else (f" -- {entry['response']}" if entry["response"] else ""))
        )
    for o in d["outbox"]:
        lines.append(
            f"  outbox #{o['id']}: {o['method']} {o['url']} queued {o['queued_at']}, {o['attempts']} attempt(s)"
            + (f", last error {o['last_error']}, next {o['next_attempt_at']}" if o["attempts"] else "")
        )
    for letter in d["dead_letters"]:
        lines.append(f"  dead letter #{letter['id']} {letter['at']}: {letter['status'] or '-'} {letter['reason']}")
    for f in d["failed_events"]:
        lines.append(f"  failed event #{f['id']} {f['last_attempt_at']}: {f['reason']} ({f['attempts']} attempt(s))")
    for r in d["replays"]:
        lines.append(f"  replayed {r['at']} ({r['how']})")
    workspace = d["workspace"]
    if workspace is not None:
        for e in workspace["events"]:
            lines.append(f"  workspace event {e['type']} {e['name']!r} person {e['person'] or '-'} at {e['timestamp']}")
        for a in workspace["activities"]:
            who = a["person"] or (f"object {a['object']['object_id']}" if a["object"] else "-")
            name = f" {a['name']}" if a["name"] else ""
            lines.append(f"  workspace activity {a['type']}{name} ({who}) at {a['timestamp']}")
    return lines


def register(events_app: typer.Typer) -> None:
    events_app.command("trace")(trace_command)
