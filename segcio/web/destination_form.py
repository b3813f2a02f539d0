"""The destination settings form: Site ID, API key, region, and where events go (local workspace or Customer.io)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.datastructures import FormData

from segcio.errors import Invalid
from segcio.pipeline.destination_config import TargetError, check_remote
from segcio.web.data import core

REGIONS = ("US", "EU")
TARGETS = {"local": "Local workspace (this server)", "remote": "Customer.io (Track API)"}
MAX_CREDENTIAL = 200


class SettingsInputError(Invalid, ValueError):
    """A settings field is wrong; the message names it and the fix."""


def settings_from_form(conn: Connection, form: FormData, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The settings JSON of a destination from the form; other keys of `previous` are kept."""
    settings = dict(previous or {})
    target = str(form.get("target") or "local")
    if target not in TARGETS:
        raise SettingsInputError(f"Target: choose one of {', '.join(TARGETS)}.")
    region = str(form.get("accountRegion") or "US")
    if region not in REGIONS:
        raise SettingsInputError("Region: choose US or EU.")
    site_id = str(form.get("siteId") or "").strip()
    api_key = str(form.get("apiKey") or "").strip()
    if len(site_id) > MAX_CREDENTIAL or len(api_key) > MAX_CREDENTIAL:
        raise SettingsInputError(f"Site ID and API Key: at most {MAX_CREDENTIAL} characters each.")
    if target == "local":
        try:
            workspace_id = int(str(form.get("workspace_id") or "0"))
        except ValueError:
            raise SettingsInputError("Workspace: choose one of the local workspaces.") from None
        credentials = core.workspace_credentials(conn, workspace_id)
        if credentials is None:
            raise SettingsInputError("Workspace: choose one of the local workspaces.")
        # A local destination authenticates as its workspace; blank credentials mean "that workspace's".
        site_id = site_id or credentials[0]
        api_key = api_key or credentials[1]
        settings["workspace_id"] = workspace_id
        settings.pop("base_url", None)
    elif not site_id or not api_key:
        raise SettingsInputError(
            "Site ID and API Key: both are required to send to Customer.io "
            "(find them under Data & Integrations > Customer.io API)."
        )
    else:
        settings.pop("workspace_id", None)
        base_url = str(form.get("base_url") or "").strip().rstrip("/")
        if base_url and (not base_url.startswith(("http://", "https://")) or len(base_url) > MAX_CREDENTIAL):
            raise SettingsInputError("Track API URL: an http:// or https:// URL, or blank for Customer.io's own.")
        if base_url:
            settings["base_url"] = base_url
        else:
            settings.pop("base_url", None)
    settings.update({"siteId": site_id, "apiKey": api_key, "accountRegion": region, "target": target})
    if target == "remote":
        try:
            check_remote(conn, settings)
        except TargetError as exc:
            raise SettingsInputError(str(exc)) from None
    return settings


def region_of(settings: dict[str, Any]) -> str:
    """`US`/`EU` whichever spelling is stored (the flag forms included)."""
    return "EU" if str(settings.get("accountRegion", "US")).upper().startswith("EU") else "US"
