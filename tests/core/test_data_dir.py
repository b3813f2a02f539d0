"""The data directory and the files segcio creates in it are private to its user, whatever the umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import start_server


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def segcio_info(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "segcio", "info", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=lambda: os.umask(0o022),
    )


@contextmanager
def permissive_umask() -> Iterator[None]:
    """The umask of most shells (files 0644, directories 0755), inherited by the server this test starts."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_fresh_data_dir_is_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    segcio_info(data_dir)
    assert mode(data_dir) == 0o700
    files = sorted(data_dir.iterdir())
    assert data_dir / "segcio.db" in files
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}


def test_database_files_of_a_running_server_are_private(tmp_path: Path) -> None:
    with permissive_umask():
        server = start_server(tmp_path / "data", first="serve")
    try:
        response = httpx.post(
            server.url + "/v1/identify", json={"userId": "u1"}, auth=(server.write_key, ""), timeout=10
        )
        assert response.status_code == 200
        created = {path for path in server.data_dir.iterdir() if path != server.log}
        names = {path.name for path in created}
        assert {"segcio.db", "segcio.db-wal", "segcio.db-shm"} <= names
        assert {path.name: mode(path) for path in created} == {name: 0o600 for name in names}
        assert mode(server.data_dir) == 0o700
    finally:
        server.stop()


def test_a_loose_existing_data_dir_is_tightened_once_and_said_so(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    segcio_info(data_dir)
    data_dir.chmod(0o755)
    (data_dir / "segcio.db").chmod(0o644)
    first = segcio_info(data_dir)
    assert mode(data_dir) == 0o700 and mode(data_dir / "segcio.db") == 0o600
    assert "readable by other users" in first.stderr
    assert str(data_dir / "segcio.db") in first.stderr
    second = segcio_info(data_dir)
    assert "readable by other users" not in second.stderr
