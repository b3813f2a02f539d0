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


def test_config_shows_and_changes_settings(database_url: str, tmp_path: Path) -> None:
    args = db_args(database_url, tmp_path)
    shown = json.loads(run("workspace", "config", "--json", *args))
    assert shown["identifiers"] == "email_or_id" and shown["anonymous_merge"] is True
    changed = json.loads(
        run(
            "workspace",
            "config",
            "--identifiers",
            "id_only",
            "--anonymous-merge",
            "off",
            "--allow-email-update-by-id",
            "on",
            "--auto-merge",
            "off",
            "--json",
            *args,
        )
    )
    assert changed["identifiers"] == "id_only"
    assert changed["anonymous_merge"] is False
    assert changed["allow_email_update_by_id"] is True
    assert changed["auto_merge"] is False
    assert json.loads(run("workspace", "config", "--json", *args)) == changed
    # The table form names the settings with on/off.
    table = run("workspace", "config", *args)
    assert "identifiers" in table and "id_only" in table and "off" in table


def test_config_of_another_workspace_leaves_the_default_alone(database_url: str, tmp_path: Path) -> None:
    args = db_args(database_url, tmp_path)
    created = json.loads(run("workspace", "create", "Other", "--json", *args))
    run("workspace", "config", "--workspace", str(created["id"]), "--identifiers", "id_only", *args)
    assert json.loads(run("workspace", "config", "--json", *args))["identifiers"] == "email_or_id"
    other = json.loads(run("workspace", "config", "--workspace", str(created["id"]), "--json", *args))
    assert other["identifiers"] == "id_only"


def test_config_refuses_bad_values(database_url: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["workspace", "config", "--identifiers", "email_only", *db_args(database_url, tmp_path)]
    )
    assert result.exit_code != 0
    assert "email_or_id" in result.output
    result = runner.invoke(app, ["workspace", "config", "--workspace", "99", *db_args(database_url, tmp_path)])
    assert result.exit_code != 0
    assert "workspace 99 does not exist" in result.output
