"""Segment's `integrations` object: whether a message is for a destination.

Segment's rule, per destination: a key naming the destination decides (`false` turns it off; `true`, an object of
destination options or any other value turns it on); without one, `All` decides (off only when it is `false`; it
defaults to on). Keys are case-sensitive and are the names Segment documents for the destination; when several of
them are present and one is `false`, the destination is off. A batch's `integrations` is merged under each
message's at ingest, so the message's own keys win. Regulation deletions are segcio's own events and always pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from segcio.destinations.kinds import ACTIONS_KIND, CLASSIC_KIND

# The names Segment's catalog documents for each destination ("Refer to it as ... in the Integrations object").
NAMES: dict[str, tuple[str, ...]] = {
    ACTIONS_KIND: ("Customer.io (Actions)", "Customer.io Actions", "Actions Customerio"),
    CLASSIC_KIND: ("Customer.io",),
}
FILTERED_LABEL = "filtered by integrations"


def filtered_reason(kind: str, message: Mapping[str, Any]) -> str | None:
    """Why the message is not for a destination of this kind, or None when it is."""
    integrations = message.get("integrations")
    if message.get("type") == "delete" or not isinstance(integrations, Mapping):
        return None
    names = NAMES.get(kind, ())
    present = [name for name in names if name in integrations]
    off = [name for name in present if integrations[name] is False]
    if off:
        return f'{FILTERED_LABEL}: "{off[0]}": false'
    if present or integrations.get("All") is not False:
        return None
    keys = " or ".join(f'"{name}"' for name in names)
    return f'{FILTERED_LABEL}: "All": false and no {keys} key'
