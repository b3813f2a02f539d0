"""Credentials are printed once, when they are created; later starts point to `segcio info` instead."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import read_info, start_server

SECRETS = ("admin_token", "api_key", "app_api_key", "write_key")


def serve_once(data_dir: Path) -> str:
    server = start_server(data_dir, first="serve")
    server.stop()
    return server.log.read_text()


def test_credentials_are_printed_at_the_first_start_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = serve_once(data_dir)
    info = read_info(["--data-dir", str(data_dir)])
    for name in SECRETS:
        assert info[name] in first, name
    second = serve_once(data_dir)
    for name in SECRETS:
        assert info[name] not in second, name
    assert "segcio info" in second
    assert "admin password" not in second


def test_credentials_created_by_info_are_not_printed_by_serve(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    info = read_info(["--data-dir", str(data_dir)])
    log = serve_once(data_dir)
    for name in SECRETS:
        assert info[name] not in log, name
