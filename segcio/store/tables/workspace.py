"""Tables of the workspace area (filled in by that area's work)."""

from segcio.store.metadata import metadata  # noqa: F401
