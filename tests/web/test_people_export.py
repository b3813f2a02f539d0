"""One People CSV: the App API, the UI and `segcio people export` write the same bytes (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from segcio.cli import app
from segcio.workspace.engine import Workspace
from tests.web.conftest import UI


def test_app_api_ui_and_cli_export_the_same_bytes(admin_both: UI, tmp_path: Path) -> None:
    ui = admin_both
    ops = [
        {"type": "person", "action": "identify", "identifiers": {"id": "a"},
         "attributes": {"email": "a@example.com", "plan": "pro", "note": 'two\nlines, and "quotes"'}},
        {"type": "person", "action": "identify", "identifiers": {"email": "b@example.com"},
         "attributes": {"city": "Oslo"}},
    ]
    Workspace(ui.runtime.db, ui.runtime.defaults.workspace_id).apply(ops, source="test")
    headers = {"Authorization": f"Bearer {ui.runtime.defaults.app_api_key}"}
    from_api = ui.client.get("/v1/exports/customers.csv", headers=headers).content
    from_ui = ui.client.get("/ui/people/export.csv").content
    path = tmp_path / "people.csv"
    result = CliRunner().invoke(app, ["people", "export", "--csv", str(path), "--database", ui.runtime.db.url])
    assert result.exit_code == 0, result.output
    from_cli = path.read_bytes()

    assert from_api == from_ui == from_cli
    header = from_api.split(b"\r\n", 1)[0]
    assert header.startswith(b"cio_id,id,email,created_at,_created_in_customerio_at,unsubscribed,")
    rows = list(csv.DictReader(io.StringIO(from_api.decode(), newline="")))
    assert [r["id"] for r in rows] == ["a", ""] and rows[0]["note"] == 'two\nlines, and "quotes"'
    assert from_api.count(b"\r\n") == 3  # header and two rows; the newline inside the quoted value stays LF
