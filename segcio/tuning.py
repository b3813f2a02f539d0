"""Interpreter settings for long-running segcio processes: the garbage collector and thread switching.

A request parses thousands of small dicts at once, which keeps triggering collections; a full collection then
walks every object the process holds (the web framework, SQLAlchemy, the compiled destinations), so parsing a
100-event batch cost several times the parse itself. Objects that exist once the process has started live as
long as the process: freezing them takes them out of every later collection, and a larger first-generation
threshold lets a request's short-lived objects die by reference counting before a collection looks at them.
"""

from __future__ import annotations

import gc
import sys

# Container allocations (net of deallocations) between two young collections; CPython's default is 700.
YOUNG_THRESHOLD = 20_000
# How long a thread that wants the interpreter lock waits before the holder is asked to let go; CPython's default
# is 5 ms. The ingest writer and the router take the lock back after every database call, and waiting up to
# 5 ms each time while a request handler parses JSON held commits back (with them, every client's answer).
SWITCH_INTERVAL_SECONDS = 0.001


def tune_for_serving() -> None:
    """Call once start-up is done: what exists now is kept out of collections for good, and threads waiting for
    the interpreter lock get it sooner."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
