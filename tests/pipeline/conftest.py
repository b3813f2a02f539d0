"""A running `segcio serve` per backend, shared by the tests of one module (starting one takes seconds)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Stack, running_stack
from tests.web.conftest import ADMIN_PASSWORD, CSRF_RE


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


def ui_login(browser: httpx.Client) -> str:
    """Log a UI client in with the shared stack's password; returns the session's CSRF token."""
    token = CSRF_RE.search(browser.get("/ui/login").text)
    assert token is not None
    login = {"csrf_token": token.group(1), "password": ADMIN_PASSWORD, "next": "/ui/"}
    assert browser.post("/ui/login", data=login).status_code in (200, 303)
    csrf = CSRF_RE.search(browser.get("/ui/destinations").text)
    assert csrf is not None
    return csrf.group(1)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One real server (with a known UI password) for the whole module, on SQLite and on PostgreSQL."""
    data: Path = tmp_path_factory.mktemp(f"data-{request.param}")
    with running_stack(request.param, data, env={"SEGCIO_ADMIN_PASSWORD": ADMIN_PASSWORD}) as stack:
        yield stack
