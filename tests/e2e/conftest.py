"""End to end: real Segment clients -> a running `segcio serve` -> the local workspace, read through the App API."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server, module_database, start_server


class Stack:
    """A running segcio with a Segment client pointed at it and an App API reader."""

    def __init__(self, server: Server) -> None:
        from segment.analytics import Client

        self.server = server
        self.segment = Client(server.write_key, host=server.url, sync_mode=True)
        self.app = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.info['app_api_key']}"})
        self.admin = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {server.info['admin_token']}"}
        )

    def settle(self, timeout: float = 30) -> None:
        """Wait until every ingested event has been routed and applied."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if httpx.get(self.server.url + "/healthz").json()["backlog"] == 0:
                return
            time.sleep(0.05)
        raise AssertionError("the pipeline did not catch up")

    def cli(self, *args: str) -> str:
        command = [sys.executable, "-m", "segcio", *args, "--data-dir", str(self.server.data_dir)]
        if self.server.database:
            command += ["--database", self.server.database]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout

    def people(self, email: str) -> list[dict[str, Any]]:
        response = self.app.get("/v1/customers", params={"email": email})
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def customer(self, identifier: str, id_type: str = "id") -> dict[str, Any] | None:
        response = self.app.get(f"/v1/customers/{identifier}/attributes", params={"id_type": id_type})
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        customer: dict[str, Any] = response.json()["customer"]
        return customer

    def activities(self, identifier: str, id_type: str = "id") -> list[dict[str, Any]]:
        response = self.app.get(f"/v1/customers/{identifier}/activities", params={"id_type": id_type, "limit": 100})
        assert response.status_code == 200, response.text
        activities: list[dict[str, Any]] = response.json()["activities"]
        return activities

    def relationships(self, identifier: str) -> list[dict[str, Any]]:
        response = self.app.get(f"/v1/customers/{identifier}/relationships")
        assert response.status_code == 200, response.text
        relationships: list[dict[str, Any]] = response.json()["cio_relationships"]
        return relationships

    def object_types(self) -> list[dict[str, Any]]:
        types: list[dict[str, Any]] = self.app.get("/v1/object_types").json()["types"]
        return types

    def object_attributes(self, type_id: str, object_id: str) -> dict[str, Any] | None:
        response = self.app.get(f"/v1/objects/{type_id}/{object_id}/attributes")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        obj: dict[str, Any] = response.json()["object"]
        return obj

    def close(self) -> None:
        self.app.close()
        self.admin.close()


@contextmanager
def running_stack(backend: str, data_dir: Path, env: dict[str, str] | None = None) -> Iterator[Stack]:
    """A running `segcio serve` on `backend` ("sqlite" or "postgres", in a private schema), stopped afterwards."""
    with module_database(backend) as database:
        server = start_server(data_dir, database, env=env)
        stack = Stack(server)
        try:
            yield stack
        finally:
            stack.close()
            server.stop()


@pytest.fixture
def stack(tmp_path: Any) -> Iterator[Stack]:
    server = start_server(tmp_path / "data")
    s = Stack(server)
    try:
        yield s
    finally:
        s.close()
        server.stop()
