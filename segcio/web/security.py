"""The UI admin password: a scrypt hash in `install_settings`, or the configured plain setting."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from segcio.config import Settings
from segcio.errors import Invalid
from segcio.store import Database
from segcio.store.tables.core import install_settings
from segcio.web import session_store

PASSWORD_HASH_KEY = "admin_password_hash"
# A hash of the configured `admin_password` the sessions were opened with: when the setting changes, they end.
CONFIGURED_HASH_KEY = "admin_password_configured_hash"
MIN_PASSWORD_LENGTH = 12
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    scheme, _, rest = stored.partition("$")
    salt_hex, _, digest_hex = rest.partition("$")
    if scheme != "scrypt" or not salt_hex or not digest_hex:
        return False
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    return hmac.compare_digest(hash_password(password, salt), stored)


def _setting(db: Database, key: str) -> str | None:
    with db.connect() as conn:
        return conn.execute(select(install_settings.c.value).where(install_settings.c.key == key)).scalar()


def _stored_hash(db: Database) -> str | None:
    return _setting(db, PASSWORD_HASH_KEY)


def ensure_admin_password(db: Database, settings: Settings) -> str | None:
    """Generate and store (as a hash) the admin password on first start; return it that one time, else None.

    Nothing is generated when `Settings.admin_password` is set: that password is the one that logs in.
    """
    if settings.admin_password or _stored_hash(db) is not None:
        return None
    password = secrets.token_urlsafe(12)
    try:
        with db.begin() as conn:
            conn.execute(insert(install_settings).values(key=PASSWORD_HASH_KEY, value=hash_password(password)))
    except IntegrityError:
        return None  # another process generated it first and printed it
    return password


def check_admin_password(db: Database, settings: Settings, password: str) -> bool:
    if settings.admin_password:
        return hmac.compare_digest(password.encode(), settings.admin_password.encode())
    stored = _stored_hash(db)
    if stored is None:
        # `segcio serve` normally prints the generated password at start; generate it here if it did not.
        generated = ensure_admin_password(db, settings)
        if generated is not None:
            print(f"segcio UI admin password (shown once): {generated}", file=sys.stderr, flush=True)
        stored = _stored_hash(db)
    return stored is not None and verify_password(password, stored)


def end_sessions_if_configured_password_changed(db: Database, settings: Settings) -> bool:
    """End every UI session when `admin_password` is not the one they were opened with (set, changed or unset since
    the last check); True when it changed. Each process checks once, before it trusts any session."""
    configured = settings.admin_password
    recorded = _setting(db, CONFIGURED_HASH_KEY)
    if recorded is None and not configured:
        return False
    if configured and recorded is not None and verify_password(configured, recorded):
        return False
    try:
        with db.begin() as conn:
            conn.execute(delete(install_settings).where(install_settings.c.key == CONFIGURED_HASH_KEY))
            if configured:
                conn.execute(insert(install_settings).values(key=CONFIGURED_HASH_KEY, value=hash_password(configured)))
    except IntegrityError:
        pass  # another process recorded it at the same moment
    session_store.close_all(db)
    return True


class PasswordNotChanged(Invalid, ValueError):
    """The reason, for the form."""


def change_admin_password(
    db: Database, settings: Settings, current: str, new: str, confirm: str, keep_session: str
) -> None:
    """Store a new admin password (as a hash) and end every other UI session; `keep_session` stays logged in."""
    if settings.admin_password:
        raise PasswordNotChanged(
            "The password comes from the admin_password setting (SEGCIO_ADMIN_PASSWORD): change it there and "
            "restart segcio."
        )
    if not check_admin_password(db, settings, current):
        raise PasswordNotChanged("The current password is wrong.")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise PasswordNotChanged(f"The new password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if new != confirm:
        raise PasswordNotChanged("The new password and its confirmation differ.")
    with db.begin() as conn:
        conn.execute(
            update(install_settings).where(install_settings.c.key == PASSWORD_HASH_KEY).values(value=hash_password(new))
        )
    session_store.close_all(db, keep=keep_session)
