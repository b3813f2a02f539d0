"""Tables of the delivery area (filled in by that area's work)."""

from segcio.store.metadata import metadata  # noqa: F401
