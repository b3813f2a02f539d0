"""segcio: a self-hosted Segment -> Customer.io pipeline."""

__version__ = "0.1.0"
