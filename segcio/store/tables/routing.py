"""Tables of the routing area: destination cursors, partition leases, processed ledger, regulations."""

from segcio.store.metadata import metadata  # noqa: F401
