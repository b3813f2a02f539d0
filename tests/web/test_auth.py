"""Login, logout, sessions, CSRF and the login guard on every UI route (plain HTTP)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import APIRoute

from segcio.config import Settings
from segcio.store import Database
from segcio.web.live import LiveTail
from segcio.web.pages import debugger
from segcio.web.routes import PAGES
from segcio.web.security import check_admin_password, ensure_admin_password, hash_password, verify_password
from tests.conftest import Server, start_server
from tests.web.conftest import ADMIN_PASSWORD, CSRF_RE, UI

PUBLIC = {"/ui/login", "/ui/static/{name}"}


def ui_routes(ui: UI) -> list[tuple[str, str]]:
    """Every (method, path) the UI serves, path parameters filled with 1."""
    routers = [module.router for module, _nav in PAGES] + [debugger.stream_router(LiveTail(ui.runtime.db))]
    out = []
    for router in routers:
        for route in router.routes:
            full = "/ui" + route.path  # type: ignore[attr-defined]
            if isinstance(route, APIRoute) and full not in PUBLIC:
                out.extend((method, re.sub(r"\{[^}]+\}", "1", full)) for method in sorted(route.methods))
    return out


def test_every_ui_page_and_action_requires_login(ui: UI) -> None:
    routes = ui_routes(ui)
    assert ("GET", "/ui/debugger/stream") in routes
    assert ("GET", "/ui/") in routes and ("POST", "/ui/sources") in routes
    for method, path in routes:
        response = ui.client.request(method, path, follow_redirects=False)
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"].startswith("/ui/login?next="), (method, path)


def test_login_with_wrong_password_is_refused(ui: UI) -> None:
    response = ui.login("wrong")
    assert response.status_code == 401
    assert "Wrong password." in response.text
    assert ui.client.get("/ui/", follow_redirects=False).status_code == 303


def test_login_then_pages_open_and_logout_closes_them(ui: UI) -> None:
    response = ui.login()
    assert response.status_code == 303 and response.headers["location"] == "/ui/"
    assert ui.client.get("/ui/").status_code == 200
    assert ui.post("/ui/logout", follow_redirects=False).status_code == 303
    assert ui.client.get("/ui/", follow_redirects=False).status_code == 303


def test_login_redirects_only_inside_the_ui(ui: UI) -> None:
    token = ui.csrf()
    response = ui.client.post(
        "/ui/login",
        data={"csrf_token": token, "password": "correct horse battery staple", "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/ui/"


def test_forms_without_the_csrf_token_are_refused(admin: UI) -> None:
    before = admin.client.get("/ui/sources").text
    for data in ({"name": "x"}, {"name": "x", "csrf_token": "forged"}):
        response = admin.client.post("/ui/sources", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "CSRF token" in response.text
    assert admin.client.get("/ui/sources").text.count('<section class="card" id="source-') == before.count(
        '<section class="card" id="source-'
    )
    for path in ("/ui/logout", "/ui/password"):
        response = admin.client.post(path, data={"csrf_token": "forged"}, follow_redirects=False)
        assert response.status_code == 403, path
    assert admin.client.get("/ui/sources", follow_redirects=False).status_code == 200  # still logged in


def test_login_form_needs_its_csrf_token(ui: UI) -> None:
    ui.csrf()
    response = ui.client.post("/ui/login", data={"password": "correct horse battery staple"}, follow_redirects=False)
    assert response.status_code == 403


def test_csrf_token_changes_at_login(ui: UI) -> None:
    before = ui.csrf()
    ui.login()
    assert ui.csrf("/ui/") != before


def test_forged_session_cookie_is_not_logged_in(ui: UI) -> None:
    ui.client.cookies.set("segcio_ui", "eyJhZG1pbiI6dHJ1ZX0.forged.signature")
    assert ui.client.get("/ui/", follow_redirects=False).status_code == 303


def test_password_hash_round_trip() -> None:
    stored = hash_password("s3cret")
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    assert verify_password("s3cret", stored)
    assert not verify_password("S3cret", stored)
    assert not verify_password("s3cret", "garbage")


def test_generated_password_is_returned_once_and_stored_as_a_hash(db: Database, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    password = ensure_admin_password(db, settings)
    assert password
    assert ensure_admin_password(db, settings) is None
    assert check_admin_password(db, settings, password)
    assert not check_admin_password(db, settings, password + "x")


def test_configured_password_wins_and_nothing_is_generated(db: Database, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, admin_password="given")
    assert ensure_admin_password(db, settings) is None
    assert check_admin_password(db, settings, "given")
    assert not check_admin_password(db, settings, "other")


def test_repeated_wrong_passwords_are_throttled() -> None:
    from segcio.web.throttle import LoginThrottle

    gate = LoginThrottle(max_failures=3, window=60)
    for _ in range(3):
        assert gate.wait_seconds("1.2.3.4", now=100) == 0
        gate.failed("1.2.3.4", now=100)
    assert gate.wait_seconds("1.2.3.4", now=100) == 61
    assert gate.wait_seconds("5.6.7.8", now=100) == 0
    assert gate.wait_seconds("1.2.3.4", now=161) == 0
    gate.failed("1.2.3.4", now=170)
    gate.succeeded("1.2.3.4")
    assert gate.wait_seconds("1.2.3.4", now=170) == 0


def test_login_page_refuses_after_five_wrong_passwords(ui: UI) -> None:
    from segcio.web.throttle import throttle

    try:
        for _ in range(5):
            assert ui.login("wrong").status_code == 401
        response = ui.login()
        assert response.status_code == 429
        assert "Too many wrong passwords" in response.text
    finally:
        throttle.succeeded("testclient")


def test_generated_password_is_printed_once_and_logs_in(server: Server) -> None:
    """Without a configured password, one is generated, printed by the server and stored only as a hash."""
    import httpx

    with httpx.Client(base_url=server.url) as client:
        page = client.get("/ui/login").text
        token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
        assert client.post("/ui/login", data={"csrf_token": token, "password": "guess"}).status_code == 401
        found = re.findall(r"admin password(?: \(shown once\):)?\s+(\S+)", server.log.read_text())
        assert len(found) == 1, found
        password = found[0]
        response = client.post("/ui/login", data={"csrf_token": token, "password": password})
        assert response.status_code == 303 and response.headers["location"] == "/ui/"
        assert client.get("/ui/").status_code == 200
    stored = b"".join(p.read_bytes() for p in server.data_dir.glob("segcio.db*"))
    assert stored and password.encode() not in stored


def test_a_form_posted_after_logout_returns_to_its_page_after_login(ui: UI) -> None:
    response = ui.client.post(
        "/ui/sources/1/rotate", headers={"referer": "http://testserver/ui/sources"}, follow_redirects=False
    )
    assert response.headers["location"] == "/ui/login?next=/ui/sources"


def wrong_passwords_then_right(url: str, forwarded_for: list[str], password: str = ADMIN_PASSWORD) -> int:
    """Five wrong passwords, then the right one, each sent with the next X-Forwarded-For; the last status."""
    import httpx

    with httpx.Client(base_url=url, timeout=10) as client:
        token = CSRF_RE.search(client.get("/ui/login").text).group(1)  # type: ignore[union-attr]
        statuses = []
        for n, address in enumerate(forwarded_for):
            guess = password if n == len(forwarded_for) - 1 else "wrong"
            response = client.post(
                "/ui/login",
                data={"csrf_token": token, "password": guess},
                headers={"X-Forwarded-For": address},
            )
            statuses.append(response.status_code)
    assert statuses[:-1] == [401] * (len(forwarded_for) - 1), statuses
    return statuses[-1]


def test_a_rotating_forwarded_for_does_not_escape_the_login_throttle(ui_server: Server) -> None:
    addresses = [f"203.0.113.{n}" for n in range(6)]
    assert wrong_passwords_then_right(ui_server.url, addresses) == 429


def test_behind_a_trusted_proxy_the_throttle_counts_per_forwarded_client(tmp_path: Path) -> None:
    env = {"SEGCIO_ADMIN_PASSWORD": ADMIN_PASSWORD, "SEGCIO_TRUSTED_PROXIES": "127.0.0.1"}
    server = start_server(tmp_path / "data", env=env)
    try:
        assert wrong_passwords_then_right(server.url, [f"203.0.113.{n}" for n in range(6)]) == 303
        assert wrong_passwords_then_right(server.url, ["198.51.100.1"] * 6) == 429
    finally:
        server.stop()
