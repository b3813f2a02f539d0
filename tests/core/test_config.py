"""Settings: CLI flags over SEGCIO_* environment variables over the TOML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from segcio.config import Settings, export_environment, load_config


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SEGCIO_PORT", "SEGCIO_HOST", "SEGCIO_DATA_DIR", "SEGCIO_DATABASE", "SEGCIO_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    settings = load_config()
    assert (settings.host, settings.port, settings.data_dir) == ("127.0.0.1", 8000, Path("./segcio-data"))
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("segcio-data/segcio.db")
    assert settings.url == "http://127.0.0.1:8000"


def test_flags_win_over_environment_which_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "segcio.toml"
    config.write_text('[segcio]\nport = 7000\nhost = "0.0.0.0"\nrun-workers = false\n')
    monkeypatch.setenv("SEGCIO_PORT", "7100")
    settings = load_config(config, host=None, port=None)
    assert (settings.host, settings.port, settings.run_workers) == ("0.0.0.0", 7100, False)
    assert load_config(config, port=7200).port == 7200


def test_unknown_setting_in_the_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "segcio.toml"
    config.write_text("[segcio]\nprot = 1\n")
    with pytest.raises(ValueError, match="Unknown setting 'prot'"):
        load_config(config)


def test_postgres_url_and_environment_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Settings(database="postgresql://u@h/db", port=9000, processes=3, run_workers=False)
    for key, value in export_environment(original).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SEGCIO_CONFIG", raising=False)
    rebuilt = load_config()
    assert rebuilt.database_url == "postgresql://u@h/db"
    assert (rebuilt.port, rebuilt.processes, rebuilt.run_workers) == (9000, 3, False)


def test_a_trusted_proxy_that_is_no_address_stops_serve_with_the_fix(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "segcio", "serve", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "SEGCIO_TRUSTED_PROXIES": "127.0.0.1, proxy.local"},
        timeout=60,
    )
    message = " ".join(done.stderr.replace("│", " ").split())
    assert done.returncode == 2
    assert "trusted_proxies: 'proxy.local' is not an IP address or network" in message
