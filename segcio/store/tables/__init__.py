"""Table definitions, one module per area. Importing this package registers them all on `metadata`."""

from segcio.store.tables import core, delivery, destinations, routing, workspace  # noqa: F401
