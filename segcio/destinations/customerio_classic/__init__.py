"""Customer.io (Classic): Customer.io's older Segment destination (Track API v1, fixed behaviour)."""

from segcio.destinations.customerio_classic.runner import ClassicResult, ClassicRunner

__all__ = ["ClassicResult", "ClassicRunner"]
