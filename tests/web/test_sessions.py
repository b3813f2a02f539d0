"""UI sessions end on the server: a copied cookie stops working at logout and when the admin password changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import select

from segcio.store import Database
from segcio.store.tables.core import ui_sessions
from segcio.web import session_store
from segcio.web.session import COOKIE
from tests.conftest import Server, start_server
from tests.web.conftest import ADMIN_PASSWORD, CSRF_RE, make_ui


def csrf(client: httpx.Client, path: str = "/ui/login") -> str:
    match = CSRF_RE.search(client.get(path).text)
    assert match is not None, f"no CSRF token on {path}"
    return match.group(1)


@contextmanager
def logged_in(url: str, password: str = ADMIN_PASSWORD) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=10) as client:
        response = client.post("/ui/login", data={"csrf_token": csrf(client), "password": password, "next": "/ui/"})
        assert response.status_code == 303 and response.headers["location"] == "/ui/", response.text
        yield client


def opens_the_ui(url: str, cookie: str) -> bool:
    with httpx.Client(base_url=url, timeout=10, cookies={COOKIE: cookie}) as client:
        response = client.get("/ui/", follow_redirects=False)
    assert response.status_code in (200, 303), response.status_code
    return response.status_code == 200


def test_a_cookie_copied_before_logout_no_longer_works(ui_server: Server) -> None:
    with logged_in(ui_server.url) as client:
        copied = client.cookies[COOKIE]
        assert opens_the_ui(ui_server.url, copied)
        assert client.post("/ui/logout", data={"csrf_token": csrf(client, "/ui/")}).status_code == 303
    assert not opens_the_ui(ui_server.url, copied)


def test_logging_out_ends_only_that_session(ui_server: Server) -> None:
    with logged_in(ui_server.url) as first, logged_in(ui_server.url) as second:
        assert first.post("/ui/logout", data={"csrf_token": csrf(first, "/ui/")}).status_code == 303
        assert not opens_the_ui(ui_server.url, first.cookies[COOKIE])
        assert opens_the_ui(ui_server.url, second.cookies[COOKIE])


def test_changing_the_configured_password_ends_every_session(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir, env={"SEGCIO_ADMIN_PASSWORD": "first password"})
    try:
        with logged_in(server.url, "first password") as client:
            copied = client.cookies[COOKIE]
    finally:
        server.stop()
    server = start_server(data_dir, env={"SEGCIO_ADMIN_PASSWORD": "first password"})
    try:
        assert opens_the_ui(server.url, copied)  # a restart alone keeps sessions
    finally:
        server.stop()
    server = start_server(data_dir, env={"SEGCIO_ADMIN_PASSWORD": "second password"})
    try:
        assert not opens_the_ui(server.url, copied)
        with logged_in(server.url, "second password"):
            pass
    finally:
        server.stop()


def test_changing_the_password_in_the_ui_ends_the_other_sessions(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")  # the generated password, stored as a hash
    try:
        [password] = [line.split()[3] for line in server.log.read_text().splitlines() if "UI admin password" in line]
        with logged_in(server.url, password) as changer, logged_in(server.url, password) as other:
            form = {"csrf_token": csrf(changer, "/ui/password"), "current": "wrong", "new": "a new password 42"}
            refused = changer.post("/ui/password", data={**form, "confirm": form["new"]})
            assert refused.status_code == 400 and "current password is wrong" in refused.text
            assert opens_the_ui(server.url, other.cookies[COOKIE])
            changed = changer.post(
                "/ui/password", data={**form, "current": password, "confirm": form["new"]}, follow_redirects=False
            )
            assert changed.status_code == 303
            assert not opens_the_ui(server.url, other.cookies[COOKIE])
            assert opens_the_ui(server.url, changer.cookies[COOKIE])
        with logged_in(server.url, "a new password 42"):
            pass
        with httpx.Client(base_url=server.url, timeout=10) as client:
            old = client.post("/ui/login", data={"csrf_token": csrf(client), "password": password})
            assert old.status_code == 401
    finally:
        server.stop()


def test_logout_ends_the_session_on_both_backends(database_url: str, tmp_path: Path) -> None:
    for ui in make_ui(database_url, tmp_path):
        assert ui.login().status_code == 303
        copied = ui.client.cookies[COOKIE]
        assert ui.post("/ui/logout", follow_redirects=False).status_code == 303
        ui.client.cookies.clear()
        ui.client.cookies.set(COOKIE, copied)
        assert ui.client.get("/ui/", follow_redirects=False).status_code == 303


def test_a_session_ends_after_its_lifetime_and_expired_rows_are_removed(db: Database) -> None:
    session_id = session_store.open_session(db, now=1000.0)
    assert session_store.is_open(db, session_id, now=1000.0 + session_store.LIFETIME_SECONDS - 1)
    assert not session_store.is_open(db, session_id, now=1000.0 + session_store.LIFETIME_SECONDS)
    later = session_store.open_session(db, now=1000.0 + session_store.LIFETIME_SECONDS)
    with db.connect() as conn:
        stored = conn.execute(select(ui_sessions.c.id_hash)).scalars().all()
    assert stored == [hashlib.sha256(later.encode()).hexdigest()]  # the expired one is gone; ids are not stored
