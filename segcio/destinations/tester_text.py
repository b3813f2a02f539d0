"""The Event Tester's report as a short summary for a terminal (the JSON and the UI render the same report)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from segcio.destinations.tester import to_json

# Control and invisible formatting characters (and lone surrogates) from event data are shown escaped, so that
# an event cannot move the cursor, recolour or reorder what the terminal shows.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


def printable(text: str) -> str:
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def warning_line(warning: Mapping[str, Any]) -> str:
    return f"warning {warning.get('field')} (limit {warning.get('limit')}): {warning.get('message')}"


def render_text(report: Mapping[str, Any]) -> str:
    """Per matched subscription: its name and action, then each request (method, URL, body) with its limit
    warnings, or the validation error; then how many subscriptions did not match."""
    if "filtered" in report:
        return printable(str(report.get("message", report["filtered"])))
    requests = report.get("requests") or []
    lines: list[str] = []
    unmatched = 0
    for detail in report.get("details") or []:
        if not detail.get("matched"):
            unmatched += 1
            continue
        lines.append(f"{detail['name']} ({detail.get('partnerAction')})")
        if detail.get("error"):
            lines.append(f"  error: {detail['error']}")
        for index in detail.get("request_indexes") or []:
            request = requests[index]
            lines.append(f"  {request['method']} {request['url']}")
            if request.get("json") is not None:
                lines.append(f"  {to_json(request['json'])}")
            lines.extend(f"  {warning_line(w)}" for w in request.get("warnings") or [])
    if unmatched:
        lines.append(f"{unmatched} subscription{'s' if unmatched != 1 else ''} did not match")
    if "message" in report:
        lines.append(str(report["message"]))
    return "\n".join(printable(line) for line in lines)
