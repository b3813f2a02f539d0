"""Classic -> actions migration: both at once, then actions only with classic removed."""

from __future__ import annotations

import pytest

from segcio.bootstrap import ensure_defaults
from segcio.pipeline.destination_config import switch as use
from segcio.pipeline.destination_config import switch_state as state
from segcio.store import Database


def kinds(result: dict[str, object]) -> dict[str, bool]:
    return {d["kind"]: d["enabled"] for d in result["destinations"]}  # type: ignore[attr-defined]


def test_classic_then_both_then_actions(db: Database) -> None:
    source = ensure_defaults(db).source_id
    with db.begin() as conn:
        assert state(conn, source)["mode"] == "actions"
        classic = use(conn, source, "classic")
        assert classic["mode"] == "classic"
        assert kinds(classic) == {"customerio-actions": False, "customerio-classic": True}
        both = use(conn, source, "both")
        assert both["mode"] == "both" and "duplicates are expected" in both["note"]
        assert kinds(both) == {"customerio-actions": True, "customerio-classic": True}
        actions = use(conn, source, "actions")
    assert actions["mode"] == "actions"
    assert kinds(actions) == {"customerio-actions": True}  # classic turned off and removed


def test_unknown_mode_is_refused(db: Database) -> None:
    source = ensure_defaults(db).source_id
    with db.begin() as conn, pytest.raises(ValueError, match="classic, actions, both"):
        use(conn, source, "sideways")
