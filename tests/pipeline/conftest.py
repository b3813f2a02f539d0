"""A running `segcio serve` per backend, shared by the tests of one module (starting one takes seconds)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Stack, running_stack
from tests.web.conftest import ADMIN_PASSWORD


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Poll `condition` until it holds; fail naming `what` if it never does within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def settle(stack: Stack, timeout: float = 30) -> None:
    """Wait until every logged event has been routed by every destination (backlog 0)."""
    wait_until(lambda: httpx.get(stack.server.url + "/healthz").json()["backlog"] == 0, "backlog 0", timeout)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One real server (with a known UI password) for the whole module, on SQLite and on PostgreSQL."""
    data: Path = tmp_path_factory.mktemp(f"data-{request.param}")
    with running_stack(request.param, data, env={"SEGCIO_ADMIN_PASSWORD": ADMIN_PASSWORD}) as stack:
        yield stack
