"""What the event log can hold."""

MAX_DEPTH = 64
