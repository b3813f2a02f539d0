"""A small bar chart as SVG geometry (drawn by the template; no chart library)."""

from __future__ import annotations

from dataclasses import dataclass

from segcio.web.data.core import Bucket

WIDTH = 600
HEIGHT = 140


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    start: float
    count: int


def bars(buckets: list[Bucket]) -> list[Bar]:
    peak = max((b.count for b in buckets), default=0) or 1
    slot = WIDTH / max(len(buckets), 1)
    out = []
    for i, bucket in enumerate(buckets):
        height = (HEIGHT - 4) * bucket.count / peak
        out.append(
            Bar(
                x=i * slot + 1,
                y=HEIGHT - height,
                width=max(slot - 2, 1),
                height=height,
                start=bucket.start,
                count=bucket.count,
            )
        )
    return out
