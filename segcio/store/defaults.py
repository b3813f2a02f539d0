"""The rows the first start creates, as every process finds them: ids and credentials."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Defaults:
    workspace_id: int
    site_id: str
    api_key: str
    app_api_key: str
    source_id: int
    write_key: str
    destination_id: int
    admin_token: str
    # The credentials (field names) this start created: printed this once, later only by `segcio info`.
    created: tuple[str, ...] = field(default=(), compare=False)
