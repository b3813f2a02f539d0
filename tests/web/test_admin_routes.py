"""API docs and /metrics answer only with the admin credential (token or UI login), or when a setting opens them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from segcio.app import create_app
from segcio.config import Settings
from tests.web.conftest import ADMIN_PASSWORD, UI

DOCS = ["/openapi.json", "/admin/docs"]
UNSERVED = ["/docs", "/redoc", "/admin/docs/oauth2-redirect", "/admin/redoc"]


def app_ui(tmp_path: Path, **settings: Any) -> Iterator[UI]:
    app = create_app(
        Settings(
            data_dir=tmp_path,
            database=f"sqlite:///{tmp_path / 'segcio.db'}",
            run_workers=False,
            admin_password=ADMIN_PASSWORD,
            **settings,
        )
    )
    with TestClient(app, base_url="http://testserver") as client:
        yield UI(client, app.state.runtime)


def answers(ui: UI, path: str, headers: dict[str, str] | None = None) -> int:
    response = ui.client.get(path, headers=headers or {}, follow_redirects=False)
    if response.status_code == 200:
        expected = {"/openapi.json": '"openapi"', "/admin/docs": "swagger", "/metrics": "segcio_ingest"}[path]
        assert expected in response.text, path
    return response.status_code


def test_docs_and_metrics_need_the_admin_credential(tmp_path: Path) -> None:
    for ui in app_ui(tmp_path):
        token = ui.runtime.defaults.admin_token
        for path in [*DOCS, "/metrics"]:
            refused = ui.client.get(path)
            assert refused.status_code == 401, path
            assert "admin token" in refused.json()["detail"], path
            assert answers(ui, path, {"Authorization": "Bearer wrong"}) == 401, path
            assert answers(ui, path, {"Authorization": f"Bearer {token}"}) == 200, path
        for path in UNSERVED:
            assert ui.client.get(path).status_code == 404, path
            assert ui.client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 404, path


def test_a_logged_in_ui_session_opens_the_docs_and_metrics(tmp_path: Path) -> None:
    for ui in app_ui(tmp_path):
        assert ui.login().status_code == 303
        for path in [*DOCS, "/metrics"]:
            assert answers(ui, path) == 200, path
        assert ui.post("/ui/logout", follow_redirects=False).status_code == 303
        for path in [*DOCS, "/metrics"]:
            assert answers(ui, path) == 401, path


def test_metrics_public_opens_only_metrics(tmp_path: Path) -> None:
    for ui in app_ui(tmp_path, metrics_public=True):
        assert answers(ui, "/metrics") == 200
        for path in DOCS:
            assert answers(ui, path) == 401, path


def test_api_docs_public_opens_only_the_docs(tmp_path: Path) -> None:
    for ui in app_ui(tmp_path, api_docs_public=True):
        for path in DOCS:
            assert answers(ui, path) == 200, path
        assert answers(ui, "/metrics") == 401
