"""The admin API, the regulations API and the UI answer ids that overflow their column, NUL and lone surrogates
with a 4xx in their own shape (SQLite and PostgreSQL), never 500: values are refused at the edge by rule."""

from __future__ import annotations

import pytest

from tests.core.conftest import Target

# Beyond a 32-bit INTEGER column (PostgreSQL), beyond 64 bits, a Unicode digit.
OVERFLOWING = ["2147483648", "9223372036854775808", "99999999999999999999999"]


@pytest.mark.parametrize("number", OVERFLOWING)
def test_admin_api_overflowing_ids_are_not_found(target: Target, number: str) -> None:
    for method, path in [
        ("GET", f"/admin/api/destinations/{number}"),
        ("GET", f"/admin/api/destinations/{number}/subscriptions"),
        ("GET", f"/admin/api/destinations/1/subscriptions/{number}"),
        ("DELETE", f"/admin/api/destinations/1/subscriptions/{number}"),
        ("POST", f"/admin/api/destinations/{number}/quick-setup"),
    ]:
        response = target.request("admin", method, path)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["message"], response.text


@pytest.mark.parametrize("ref", ["%C2%B2", "a%00b"])
def test_admin_api_subscription_refs_that_cannot_exist_are_not_found(target: Target, ref: str) -> None:
    response = target.request("admin", "GET", f"/admin/api/destinations/1/subscriptions/{ref}")
    assert response.status_code == 404, response.text


@pytest.mark.parametrize("name", ["a\\u0000b", "a\\ud800b"])
def test_admin_api_refuses_subscription_text_no_column_can_hold(target: Target, name: str) -> None:
    body = '{"name":"' + name + '","partnerAction":"trackEvent"}'
    response = target.request("admin", "POST", "/admin/api/destinations/1/subscriptions", content=body,
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["field"] == "name"


@pytest.mark.parametrize("number", OVERFLOWING)
def test_regulations_overflowing_ids_are_refused_in_segment_shape(target: Target, number: str) -> None:
    response = target.request("admin", "GET", f"/regulations/{number}")
    assert response.status_code == 404, response.text
    assert response.json()["errors"][0]["message"]
    body = {"regulationType": "SUPPRESS", "subjectIds": ["u1"]}
    response = target.request("admin", "POST", f"/regulations/sources/{number}", json=body)
    assert response.status_code == 422, response.text
    assert "source" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("subject", ["a\\u0000b", "a\\ud800b"])
def test_regulations_refuse_subject_ids_no_column_can_hold(target: Target, subject: str) -> None:
    body = '{"regulationType":"SUPPRESS","subjectType":"USER_ID","subjectIds":["ok","' + subject + '"]}'
    response = target.request("admin", "POST", "/regulations", content=body,
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert "subjectIds[1]" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("number", OVERFLOWING)
def test_ui_pages_with_overflowing_ids_are_not_found(target: Target, number: str) -> None:
    for path in [f"/ui/destinations/{number}", f"/ui/destinations/{number}/subscriptions/new",
                 f"/ui/destinations/1/subscriptions/{number}", f"/ui/objects/{number}",
                 f"/ui/deliveries/dead/{number}"]:
        response = target.request("ui", "GET", path)
        assert response.status_code in (404, 422), (path, response.status_code)


def test_ui_static_names_with_nul_are_not_found(target: Target) -> None:
    assert target.request("ui", "GET", "/ui/static/a%00b.css").status_code == 404
