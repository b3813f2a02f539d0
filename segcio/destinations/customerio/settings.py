"""Customer.io (Actions) settings: credentials, region, endpoints and request defaults."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from segcio.actions.definition import PlannedRequest, RequestContext
from segcio.actions.fields import Field

US = "US 🇺🇸"
EU = "EU 🇪🇺"
US_BASE_URL = "https://track.customer.io"
EU_BASE_URL = "https://track-eu.customer.io"
USER_AGENT = "Segment (Actions)"

# Short forms users may write; the stored/validated value is the reference's flag string.
REGION_ALIASES = {"US": US, "EU": EU, "us": US, "eu": EU}

SETTINGS_FIELDS: dict[str, Field] = {
    "siteId": Field(
        label="Site ID", type="password", required=True,
        description="Your Customer.io Site ID (Data & Integrations > Customer.io API).",
    ),
    "apiKey": Field(
        label="API Key", type="password", required=True,
        description="Your Customer.io Track API key (Data & Integrations > Customer.io API).",
    ),
    "accountRegion": Field(
        label="Account Region", type="string", choices=(US, EU), default=US,
        description="The region your Customer.io account lives in.",
    ),
}


def normalize_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Accept "US"/"EU" as well as the reference's flag strings."""
    out = dict(settings)
    region = out.get("accountRegion")
    if isinstance(region, str) and region in REGION_ALIASES:
        out["accountRegion"] = REGION_ALIASES[region]
    return out


def track_api_endpoint(settings: Mapping[str, Any]) -> str:
    """EU only for exactly the EU region string; US otherwise (also when missing)."""
    return EU_BASE_URL if settings.get("accountRegion") == EU else US_BASE_URL


def basic_auth(settings: Mapping[str, Any]) -> str:
    site_id = settings.get("siteId")
    api_key = settings.get("apiKey")
    raw = f"{site_id if site_id is not None else ''}:{api_key if api_key is not None else ''}"
    return "Basic " + base64.b64encode(raw.encode()).decode()


def request_context(settings: Mapping[str, Any]) -> RequestContext:
    headers = {"authorization": basic_auth(settings), "user-agent": USER_AGENT}
    return RequestContext(settings=settings, base_url=track_api_endpoint(settings), headers=headers)


def test_authentication(ctx: RequestContext) -> PlannedRequest:
    """`GET /auth`, always on the US host (as the reference does, whatever the region)."""
    return ctx.request("GET", f"{US_BASE_URL}/auth")


def on_delete(ctx: RequestContext, user_id: str) -> PlannedRequest:
    """GDPR deletion: `DELETE {base}/api/v1/customers/{userId}`. The id is interpolated as is, then the URL is
    normalised as a browser's URL parser does it (as the reference's fetch does): spaces and non-ASCII are
    percent-encoded, while `/`, `?` and `#` keep their URL meaning."""
    return ctx.request("DELETE", ctx.base_url + _normalise_after_host(f"/api/v1/customers/{user_id}"))


# WHATWG URL percent-encode sets (beyond C0 controls, DEL and non-ASCII) for special schemes.
_PATH_SET = frozenset(' "#<>?`{}')
_QUERY_SET = frozenset(" \"#<>'")
_FRAGMENT_SET = frozenset(' "<>`')


def _percent_encode(text: str, extra: frozenset[str]) -> str:
    out = []
    for char in text:
        if " " < char < "\x7f" and char not in extra:
            out.append(char)
        else:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
    return "".join(out)


def _normalise_after_host(rest: str) -> str:
    """Path, query and fragment of a URL as `new URL()` serialises them (special scheme)."""
    rest = rest.encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # lone surrogates -> U+FFFD
    rest = rest.replace("\t", "").replace("\n", "").replace("\r", "").rstrip("".join(map(chr, range(0x21))))
    rest, hash_mark, fragment = rest.partition("#")
    path, question, query = rest.partition("?")
    segments: list[str] = []
    raw = path.replace("\\", "/").split("/")[1:]
    for index, segment in enumerate(raw):
        lowered = segment.lower()
        single, double = lowered in (".", "%2e"), lowered in ("..", ".%2e", "%2e.", "%2e%2e")
        if double and segments:
            segments.pop()
        if single or double:
            if index == len(raw) - 1:
                segments.append("")  # a final dot segment leaves a trailing slash
            continue
        segments.append(_percent_encode(segment, _PATH_SET))
    out = "/" + "/".join(segments)
    if question:
        out += "?" + _percent_encode(query, _QUERY_SET)
    if hash_mark:
        out += "#" + _percent_encode(fragment, _FRAGMENT_SET)
    return out
