"""Credential checks shared by the HTTP APIs."""

from __future__ import annotations

import base64
import binascii
import hmac

from fastapi import Depends, HTTPException, Request

from segcio.runtime import Runtime, get_runtime


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic ...` header; standard or URL-safe base64."""
    if not header or header[:6].lower() != "basic ":
        return None
    token = header[6:].strip()
    token += "=" * (-len(token) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            raw = decode(token).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            continue
        user, _, password = raw.partition(":")
        return user, password
    return None


def parse_bearer(header: str | None) -> str | None:
    if not header or header[:7].lower() != "bearer ":
        return None
    return header[7:].strip() or None


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def require_admin(request: Request, runtime: Runtime = Depends(get_runtime)) -> None:
    """The admin JSON API: `Authorization: Bearer <admin token>` only. A UI session cookie is not enough: the API
    changes data, and a cookie would let any page the admin visits send it cross-site."""
    token = parse_bearer(request.headers.get("authorization"))
    if token is not None and same(token, runtime.defaults.admin_token):
        return
    raise HTTPException(
        status_code=401,
        detail="Missing or wrong admin credentials: send 'Authorization: Bearer <admin token>' "
        "(see `segcio info --json`).",
    )
