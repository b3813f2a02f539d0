"""Path parameters of the UI's routes: ids within their column's range, so an overflowing id is answered 422 by
validation instead of failing in the database driver."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from segcio import values

# Workspaces, sources, destinations, subscriptions and object types live in INTEGER columns.
ConfigId = Annotated[int, Path(ge=1, le=values.MAX_INTEGER)]
# Log rows (dead letters, people, ...) live in BIGINT columns.
LogId = Annotated[int, Path(ge=1, le=values.MAX_BIGINT)]
