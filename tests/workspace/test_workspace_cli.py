"""`segcio workspace list|create|config` against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from segcio.cli import app

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def db_args(database_url: str, tmp_path: Path) -> list[str]:
    return ["--data-dir", str(tmp_path / "data"), "--database", database_url]


def test_create_then_list_shows_both_workspaces(database_url: str, tmp_path: Path) -> None:
    created = json.loads(run("workspace", "create", "Staging", "--json", *db_args(database_url, tmp_path)))
    assert created["name"] == "Staging"
    assert created["site_id"] and created["api_key"] and created["app_api_key"]
    listed = json.loads(run("workspace", "list", "--json", *db_args(database_url, tmp_path)))
    assert [w["name"] for w in listed] == ["Default workspace", "Staging"]
    assert listed[1] == created
    assert len({w["site_id"] for w in listed}) == 2


def test_create_refuses_an_empty_name(database_url: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["workspace", "create", "  ", *db_args(database_url, tmp_path)])
    assert result.exit_code != 0
    assert "non-empty name" in result.output
