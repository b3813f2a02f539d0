"""Garbage-collector settings for long-running segcio processes.

A request parses thousands of small dicts at once, which keeps triggering collections; a full collection then
walks every object the process holds (the web framework, SQLAlchemy, the compiled destinations), so parsing a
100-event batch cost several times the parse itself. Objects that exist once the process has started live as
long as the process: freezing them takes them out of every later collection, and a larger first-generation
threshold lets a request's short-lived objects die by reference counting before a collection looks at them.
"""

from __future__ import annotations

import gc

# Container allocations (net of deallocations) between two young collections; CPython's default is 700.
YOUNG_THRESHOLD = 20_000


def settle_long_lived_objects() -> None:
    """Call once start-up is done: what exists now is kept out of collections for good."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
