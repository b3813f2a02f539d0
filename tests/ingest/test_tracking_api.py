"""The Segment Tracking HTTP API: routes, auth forms, limits, normalisation and rejections."""

from __future__ import annotations

import base64
import gzip
import os
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from segcio import jsonutil
from segcio.spec.timestamps import parse_iso
from segcio.store.tables.routing import suppressions
from tests.ingest.conftest import Ingest


def identify(user_id: str = "u1", **extra: object) -> dict[str, object]:
    return {"type": "identify", "userId": user_id, "traits": {"email": f"{user_id}@example.com"}, **extra}


@pytest.mark.parametrize("path", ["/v1/batch", "/v1/import", "/v1/b"])
def test_batch_routes_store_every_message_in_order(ingest: Ingest, path: str) -> None:
    batch = [identify("a"), {"type": "track", "userId": "a", "event": "Signed Up"}, identify("b")]
    response = ingest.post(path, {"batch": batch})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    stored = ingest.stored()
    assert [(m["type"], m["userId"]) for m in stored] == [("identify", "a"), ("track", "a"), ("identify", "b")]


@pytest.mark.parametrize(
    ("path", "expected_type"),
    [
        ("/v1/identify", "identify"),
        ("/v1/track", "track"),
        ("/v1/page", "page"),
        ("/v1/screen", "screen"),
        ("/v1/group", "group"),
        ("/v1/alias", "alias"),
        ("/v1/i", "identify"),
        ("/v1/t", "track"),
        ("/v1/p", "page"),
        ("/v1/s", "screen"),
        ("/v1/g", "group"),
        ("/v1/a", "alias"),
    ],
)
def test_single_routes_take_the_type_from_the_path(ingest_sqlite: Ingest, path: str, expected_type: str) -> None:
    body = {"type": "track", "userId": "u1", "anonymousId": "x", "event": "E", "groupId": "g1", "previousId": "p1"}
    assert ingest_sqlite.post(path, body).status_code == 200
    [stored] = ingest_sqlite.stored()
    assert stored["type"] == expected_type


def test_metrics_route_is_accepted_and_ignored(ingest_sqlite: Ingest) -> None:
    response = ingest_sqlite.client.post("/v1/m", content=b'{"series":[]}')
    assert response.status_code == 200
    assert ingest_sqlite.stored() == []


def test_unknown_tracking_path_is_404_with_a_hint(ingest_sqlite: Ingest) -> None:
    response = ingest_sqlite.post("/v1/nope", identify())
    assert response.status_code == 404
    assert "/v1/batch" in response.json()["message"]


def test_cors_preflight_allows_browsers(ingest_sqlite: Ingest) -> None:
    response = ingest_sqlite.client.options(
        "/v1/t", headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]


def test_pixel_always_answers_a_gif_and_stores_valid_messages(ingest_sqlite: Ingest) -> None:
    message = {"writeKey": ingest_sqlite.write_key, "userId": "px", "event": "Email Opened"}
    data = base64.b64encode(jsonutil.dumpb(message)).decode()
    ok = ingest_sqlite.client.get(f"/v1/pixel/track?data={data}")
    bad = ingest_sqlite.client.get("/v1/pixel/track?data=%%%not-base64")
    flat = ingest_sqlite.client.get(
        f"/v1/pixel/track?writeKey={ingest_sqlite.write_key}&userId=flat&event=Open&properties.subject=Hi"
    )
    for response in (ok, bad, flat):
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/gif"
    stored = ingest_sqlite.stored()
    assert [(m["userId"], m["event"]) for m in stored] == [("px", "Email Opened"), ("flat", "Open")]
    assert stored[1]["properties"] == {"subject": "Hi"}


# --- authentication -------------------------------------------------------------------------------------------


def _basic(value: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(value.encode()).decode()}


def test_basic_auth_with_and_without_the_trailing_colon(ingest_sqlite: Ingest) -> None:
    wk = ingest_sqlite.write_key
    assert ingest_sqlite.post("/v1/identify", identify("a"), auth=None, headers=_basic(wk + ":")).status_code == 200
    assert ingest_sqlite.post("/v1/identify", identify("b"), auth=None, headers=_basic(wk)).status_code == 200
    assert [m["userId"] for m in ingest_sqlite.stored()] == ["a", "b"]


def test_bearer_with_write_key_in_the_body(ingest_sqlite: Ingest) -> None:
    body = {"batch": [identify()], "writeKey": ingest_sqlite.write_key}
    response = ingest_sqlite.post("/v1/batch", body, auth=None, headers={"Authorization": "Bearer some.oauth.token"})
    assert response.status_code == 200
    assert len(ingest_sqlite.stored()) == 1


def test_write_key_at_the_body_root_and_per_message(ingest_sqlite: Ingest) -> None:
    wk = ingest_sqlite.write_key
    assert ingest_sqlite.post("/v1/batch", {"batch": [identify("a")], "writeKey": wk}, auth=None).status_code == 200
    assert ingest_sqlite.post("/v1/t", {"userId": "b", "event": "E", "writeKey": wk}, auth=None).status_code == 200
    stored = ingest_sqlite.stored()
    assert [m["userId"] for m in stored] == ["a", "b"]
    assert all("writeKey" not in m for m in stored)


def test_unknown_or_missing_write_key_is_401_and_counted(ingest: Ingest) -> None:
    wrong = ingest.post("/v1/batch", {"batch": [identify()]}, auth=("not-a-key", ""))
    missing = ingest.post("/v1/batch", {"batch": [identify()]}, auth=None)
    for response in (wrong, missing):
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_write_key"
        assert "write key" in response.json()["message"]
    assert ingest.stored() == []
    assert ingest.counters()["ingest/invalid_write_key"] == 2


# --- encodings and limits -------------------------------------------------------------------------------------


def test_gzip_and_deflate_bodies_and_any_content_type(ingest_sqlite: Ingest) -> None:
    raw = jsonutil.dumpb({"batch": [identify("gz")]})
    gz = ingest_sqlite.post("/v1/batch", content=gzip.compress(raw), headers={"Content-Encoding": "gzip"})
    df = ingest_sqlite.post(
        "/v1/batch",
        content=zlib.compress(jsonutil.dumpb({"batch": [identify("df")]})),
        headers={"Content-Encoding": "deflate", "Content-Type": "text/plain"},
    )
    assert gz.status_code == df.status_code == 200
    assert [m["userId"] for m in ingest_sqlite.stored()] == ["gz", "df"]


def test_malformed_json_is_400_naming_the_problem(ingest_sqlite: Ingest) -> None:
    response = ingest_sqlite.post("/v1/batch", content=b'{"batch": [}')
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert "not valid JSON" in response.json()["message"]


def test_batch_must_be_an_array(ingest_sqlite: Ingest) -> None:
    response = ingest_sqlite.post("/v1/batch", {"batch": {"type": "identify"}})
    assert response.status_code == 400
    assert "'batch' must be an array" in response.json()["message"]


def test_single_message_over_32_kb_is_400(ingest_sqlite: Ingest) -> None:
    response = ingest_sqlite.post("/v1/track", {"userId": "u", "event": "E", "properties": {"x": "a" * 33_000}})
    assert response.status_code == 400
    assert "32 KB" in response.json()["message"]
    assert ingest_sqlite.stored() == []


def test_batch_item_over_32_kb_is_400(ingest_sqlite: Ingest) -> None:
    big = {"type": "track", "userId": "u", "event": "E", "properties": {"x": "a" * 33_000}}
    response = ingest_sqlite.post("/v1/batch", {"batch": [identify(), big]})
    assert response.status_code == 400
    assert "message 1 of the batch" in response.json()["message"]


def test_batch_over_500_kb_is_400_even_when_gzipped(ingest_sqlite: Ingest) -> None:
    batch = [{"type": "track", "userId": "u", "event": "E", "properties": {"x": "a" * 20_000}} for _ in range(30)]
    raw = jsonutil.dumpb({"batch": batch})
    response = ingest_sqlite.post("/v1/batch", content=gzip.compress(raw), headers={"Content-Encoding": "gzip"})
    assert response.status_code == 400
    assert "500 KB" in response.json()["message"]


def test_messages_beyond_2500_are_dropped_and_counted(ingest_sqlite: Ingest) -> None:
    batch = [{"type": "track", "userId": f"u{i}", "event": "E"} for i in range(2510)]
    response = ingest_sqlite.post("/v1/batch", {"batch": batch})
    assert response.status_code == 200
    assert len(ingest_sqlite.stored()) == 2500
    counters = ingest_sqlite.counters()
    assert counters["source:1/rejected:batch_limit"] == 10
    assert counters["source:1/accepted"] == 2500


# --- normalisation -------------------------------------------------------------------------------------------


def test_batch_context_and_integrations_merge_into_each_message_the_message_wins(ingest_sqlite: Ingest) -> None:
    body = {
        "batch": [identify("a", context={"locale": "fr"}), identify("b")],
        "context": {"locale": "en", "library": {"name": "x"}},
        "integrations": {"All": False},
    }
    ingest_sqlite.post("/v1/batch", body)
    a, b = ingest_sqlite.stored()
    assert a["context"]["locale"] == "fr" and a["context"]["library"] == {"name": "x"}
    assert b["context"]["locale"] == "en"
    assert a["integrations"] == {"All": False}


def test_null_is_absent_numeric_ids_are_strings_and_message_ids_are_generated(ingest_sqlite: Ingest) -> None:
    body = {"batch": [{"type": "identify", "userId": 42, "anonymousId": None, "traits": None}]}
    ingest_sqlite.post("/v1/batch", body)
    [stored] = ingest_sqlite.stored()
    assert stored["userId"] == "42"
    assert "anonymousId" not in stored and "traits" not in stored
    assert len(stored["messageId"]) == 36


def test_message_id_over_100_characters_is_rejected(ingest_sqlite: Ingest) -> None:
    ingest_sqlite.post("/v1/batch", {"batch": [identify("a", messageId="m" * 101), identify("b")]})
    assert [m["userId"] for m in ingest_sqlite.stored()] == ["b"]
    assert ingest_sqlite.rejected()[0][0] == "invalid_message_id"


def test_clock_skew_is_corrected_from_sent_at(ingest_sqlite: Ingest) -> None:
    # The device clock runs one hour fast: it sent at 11:00 (device time) an event from 10:59 (device time).
    device_now = datetime.now(UTC) + timedelta(hours=1)
    happened = (device_now - timedelta(minutes=1)).isoformat()
    ingest_sqlite.post("/v1/batch", {"batch": [identify(timestamp=happened)], "sentAt": device_now.isoformat()})
    [stored] = ingest_sqlite.stored()
    received, timestamp = parse_iso(stored["receivedAt"]), parse_iso(stored["timestamp"])
    assert received is not None and timestamp is not None
    assert abs((received - timestamp).total_seconds() - 60) < 1
    assert stored["originalTimestamp"] == happened  # the client's value, as received
    assert stored["timestamp"].endswith("Z") and stored["sentAt"].endswith("Z")


def test_timestamp_defaults_to_receipt(ingest_sqlite: Ingest) -> None:
    ingest_sqlite.post("/v1/identify", identify())
    [stored] = ingest_sqlite.stored()
    assert stored["timestamp"] == stored["receivedAt"] == stored["originalTimestamp"]


def test_context_ip_from_the_peer_unless_the_client_sent_one(ingest_sqlite: Ingest) -> None:
    """The peer is no trusted proxy (none is configured): its X-Forwarded-For is ignored (see test_client_address)."""
    ingest_sqlite.post("/v1/identify", identify("a"), headers={"X-Forwarded-For": "203.0.113.9, 10.0.0.1"})
    ingest_sqlite.post("/v1/identify", identify("b", context={"ip": "198.51.100.1"}))
    a, b = ingest_sqlite.stored()
    assert a["context"]["ip"] == "testclient"
    assert b["context"]["ip"] == "198.51.100.1"


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"type": "identify", "traits": {}}, "no_user_anon_id"),
        ({"type": "identify", "userId": "", "anonymousId": None}, "no_user_anon_id"),
        ({"type": "track", "userId": "u"}, "missing_event"),
        ({"type": "track", "userId": "u", "event": "  "}, "missing_event"),
        ({"type": "group", "userId": "u"}, "missing_group_id"),
        ({"type": "alias", "userId": "u"}, "missing_previous_id"),
        ({"type": "alias", "previousId": "p"}, "missing_user_id"),
        ({"type": "unknown", "userId": "u"}, "invalid_type"),
        ({"userId": "u"}, "invalid_type"),
        ("a string", "invalid_message"),
        ({"type": "identify", "userId": "u", "traits": [1]}, "invalid_traits"),
        ({"type": "identify", "userId": True}, "invalid_user_id"),
    ],
)
def test_a_bad_message_is_rejected_alone_with_its_reason(ingest_sqlite: Ingest, message: object, code: str) -> None:
    response = ingest_sqlite.post("/v1/batch", {"batch": [identify("before"), message, identify("after")]})
    assert response.status_code == 200
    assert [m["userId"] for m in ingest_sqlite.stored()] == ["before", "after"]
    [(rejected_code, reason)] = ingest_sqlite.rejected()
    assert rejected_code == code
    assert reason.endswith(".")
    assert ingest_sqlite.counters()[f"source:1/rejected:{code}"] == 1


def test_resent_message_is_acknowledged_and_stored_once(ingest: Ingest) -> None:
    message = identify("a", messageId="m-1")
    assert ingest.post("/v1/batch", {"batch": [message]}).status_code == 200
    assert ingest.post("/v1/batch", {"batch": [message, identify("b", messageId="m-2")]}).status_code == 200
    assert [m["messageId"] for m in ingest.stored()] == ["m-1", "m-2"]
    assert ingest.counters()["source:1/deduplicated"] == 1


def test_suppressed_user_is_acknowledged_and_dropped(ingest: Ingest) -> None:
    with ingest.runtime.db.begin() as conn:
        conn.execute(insert(suppressions).values(user_id="gone", regulation_id=1, created_at=0.0))
    ingest.runtime.suppressions.refresh()
    response = ingest.post("/v1/batch", {"batch": [identify("gone"), identify("kept")]})
    assert response.status_code == 200
    assert [m["userId"] for m in ingest.stored()] == ["kept"]
    assert ingest.counters()["source:1/suppressed"] == 1


def test_healthz_reports_the_backlog_and_metrics_count_outcomes(ingest_sqlite: Ingest) -> None:
    ingest_sqlite.post("/v1/batch", {"batch": [identify("a"), {"type": "track", "userId": "a"}]})
    health = ingest_sqlite.client.get("/healthz").json()
    processes = health.pop("processes")
    assert health == {"status": "ok", "backlog": 1}
    assert [(p["role"], p["pid"], p["alive"]) for p in processes] == [("http", os.getpid(), True)]
    admin = {"Authorization": f"Bearer {ingest_sqlite.runtime.defaults.admin_token}"}
    text = ingest_sqlite.client.get("/metrics", headers=admin).text
    assert 'segcio_ingest_rejected_total{reason="missing_event"}' in text
    assert "segcio_ingest_request_seconds_bucket" in text
