"""The People CSV export, one generator for the App API, the UI and `segcio people export`.

Lines end in CRLF as RFC 4180 says (Customer.io's docs do not state the line ending of their exports)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from segcio.store import Database
from segcio.workspace import queries

CHUNK_CHARS = 64 * 1024


def people_csv(db: Database, workspace_id: int, progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """The header (fixed columns, then every attribute name anyone has, sorted), then one row per person, in
    chunks of about 64 KB; `progress(1)` after each person.

    Two passes over the people keep memory flat: the first collects the column names, the second writes rows."""
    extra: set[str] = set()
    for row in queries.export_rows(db, workspace_id):
        extra.update(row)
    fixed = queries.EXPORT_FIXED_COLUMNS
    columns = [*fixed, *sorted(extra - set(fixed))]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\r\n")
    writer.writeheader()
    for row in queries.export_rows(db, workspace_id):
        writer.writerow(row)
        if progress is not None:
            progress(1)
        if buffer.tell() > CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
