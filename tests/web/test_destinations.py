"""Destinations, subscriptions and the Event Tester through the UI's forms (plain HTTP)."""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select

from segcio import jsonutil
from segcio.destinations.subscriptions import load_subscriptions
from segcio.store.tables.core import destinations
from tests.web.conftest import UI

PAGE_WITHOUT_URL = {"type": "page", "userId": "test-person", "name": "https://example.com/pricing", "properties": {}}
MISSING_URL = "The root value is missing the required field &#39;url&#39;."


def subs(ui: UI, destination_id: int) -> list[dict[str, Any]]:
    with ui.runtime.db.connect() as conn:
        return load_subscriptions(conn, destination_id)


def destination_rows(ui: UI) -> list[Any]:
    with ui.runtime.db.connect() as conn:
        return list(conn.execute(select(destinations).order_by(destinations.c.id)))


def run_tester(ui: UI, destination_id: int, event: dict[str, Any], **extra: str) -> str:
    response = ui.post(
        f"/ui/destinations/{destination_id}/tester", {"type": event["type"], "event": jsonutil.dumps(event), **extra}
    )
    assert response.status_code == 200
    return str(response.text)


def mapping_form(ui: UI, destination_id: int, subscription_id: int | str) -> dict[str, str]:
    """The editor's current inputs, as the browser would submit them unchanged."""
    import re

    page = ui.client.get(f"/ui/destinations/{destination_id}/subscriptions/{subscription_id}").text
    data: dict[str, str] = {}
    for name, value in re.findall(
        r'<input id="value-[^"]+" name="(value\.[^"]+)" type="text" class="mono" value="([^"]*)"', page
    ):
        data[name] = value.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")
    for name, block in re.findall(r'<select name="(kind\.[^"]+)"[^>]*>(.*?)</select>', page, re.S):
        data[name] = re.search(r'<option value="([^"]+)" selected', block).group(1)  # type: ignore[union-attr]
    for name, block in re.findall(r'<select id="value-[^"]+" name="(value\.[^"]+)">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]+)" selected', block)
        data[name] = chosen.group(1) if chosen else "true"
    return data


def test_quick_setup_creates_a_destination_with_the_preset_subscriptions(admin_both: UI) -> None:
    response = admin_both.post(
        "/ui/destinations",
        {
            "kind": "customerio-actions",
            "source_id": "1",
            "target": "remote",
            "siteId": "site",
            "apiKey": "key",
            "accountRegion": "EU",
            "setup": "quick",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    row = destination_rows(admin_both)[-1]
    assert row.kind == "customerio-actions"
    assert jsonutil.loads(row.settings) == {
        "siteId": "site",
        "apiKey": "key",
        "accountRegion": "EU",
        "target": "remote",
    }
    created = subs(admin_both, row.id)
    assert {"Create or Update Person", "Track Event", "Track Page View"} <= {s["name"] for s in created}
    assert all(s["enabled"] for s in created)
    page = admin_both.client.get(f"/ui/destinations/{row.id}/subscriptions").text
    assert "Track Page View" in page and "type = &#34;page&#34;" in page


def test_customized_setup_starts_with_every_action_disabled(admin: UI) -> None:
    response = admin.post(
        "/ui/destinations",
        {"kind": "customerio-actions", "source_id": "1", "target": "local", "workspace_id": "1", "setup": "custom"},
        follow_redirects=False,
    )
    assert response.headers["location"].endswith("/subscriptions")
    row = destination_rows(admin)[-1]
    assert jsonutil.loads(row.settings)["siteId"] == admin.runtime.defaults.site_id
    created = subs(admin, row.id)
    assert created and not any(s["enabled"] for s in created)


def test_remote_destination_needs_site_id_and_api_key(admin: UI) -> None:
    page = admin.post("/ui/destinations", {"kind": "customerio-actions", "source_id": "1", "target": "remote"}).text
    assert "Site ID and API Key: both are required" in page
    assert len(destination_rows(admin)) == 1


def test_settings_are_saved_and_the_destination_turned_off_after_confirming(admin: UI) -> None:
    d = admin.runtime.defaults.destination_id
    admin.post(
        f"/ui/destinations/{d}/settings",
        {"name": "Renamed", "target": "remote", "siteId": "s1", "apiKey": "k1", "accountRegion": "EU"},
    )
    row = destination_rows(admin)[0]
    assert row.name == "Renamed" and jsonutil.loads(row.settings)["accountRegion"] == "EU"
    assert "Please confirm" in admin.post(f"/ui/destinations/{d}/enabled").text
    assert destination_rows(admin)[0].enabled
    admin.post(f"/ui/destinations/{d}/enabled", {"confirm": "yes"})
    assert not destination_rows(admin)[0].enabled
    admin.post(f"/ui/destinations/{d}/enabled", {"enabled": "on"})
    assert destination_rows(admin)[0].enabled


def test_migration_from_classic_runs_both_then_removes_classic(admin: UI) -> None:
    admin.post("/ui/sources", {"name": "Legacy"})
    admin.post(
        "/ui/destinations",
        {"kind": "customerio-classic", "source_id": "2", "target": "remote", "siteId": "s", "apiKey": "k"},
    )
    page = admin.client.get("/ui/destinations").text
    assert "Migrate from Classic to Actions" in page
    admin.post("/ui/destinations/migration/2", {"mode": "both"})
    kinds = {(r.kind, r.enabled) for r in destination_rows(admin) if r.source_id == 2}
    assert kinds == {("customerio-classic", True), ("customerio-actions", True)}
    assert "duplicates" in admin.client.get("/ui/destinations").text
    admin.post("/ui/destinations/migration/2", {"mode": "actions", "confirm": "yes"})
    kinds = {(r.kind, r.enabled) for r in destination_rows(admin) if r.source_id == 2}
    assert kinds == {("customerio-actions", True)}


def test_event_tester_page_without_url_then_a_page_subscription_mapping_name(admin_both: UI) -> None:
    d = admin_both.runtime.defaults.destination_id
    page = run_tester(admin_both, d, PAGE_WITHOUT_URL)
    assert MISSING_URL in page
    assert "No request sent to the destination." in page

    # The fix from the documentation: a Page subscription whose Page URL is mapped to `name`.
    form = mapping_form(admin_both, d, "new?action=trackPageView")
    form.update(
        {
            "name": "Page from API",
            "subscribe": 'type = "page"',
            "enabled": "on",
            "partnerAction": "trackPageView",
            "kind.url": "path",
            "value.url": "name",
        }
    )
    response = admin_both.post(f"/ui/destinations/{d}/subscriptions/new", form, follow_redirects=False)
    assert response.status_code == 303, response.text
    added = next(s for s in subs(admin_both, d) if s["name"] == "Page from API")
    assert added["mapping"]["url"] == {"@path": "$.name"}
    assert added["mapping"]["convert_timestamp"] is True

    page = run_tester(admin_both, d, PAGE_WITHOUT_URL)
    result = page.split('data-subscription="Page from API"', 1)[1].split('data-subscription="', 1)[0]
    assert "https://track.customer.io/api/v2/entity" in result
    assert "&#34;name&#34;: &#34;https://example.com/pricing&#34;" in result
    assert MISSING_URL not in result


def test_event_matching_no_subscription_says_nothing_was_sent(admin: UI) -> None:
    d = admin.runtime.defaults.destination_id
    for sub in subs(admin, d):
        admin.post(f"/ui/destinations/{d}/subscriptions/{sub['id']}/enabled")  # disable all
    page = run_tester(admin, d, {"type": "track", "userId": "u", "event": "Order Completed"})
    assert "did not send any requests to the destination" in page


def test_tester_reports_invalid_json_with_a_fix(admin: UI) -> None:
    d = admin.runtime.defaults.destination_id
    page = admin.post(f"/ui/destinations/{d}/tester", {"type": "track", "event": "{not json"}).text
    assert "The event is not valid JSON" in page


def test_custom_trigger_and_remapped_field(admin: UI) -> None:
    d = admin.runtime.defaults.destination_id
    track = next(s for s in subs(admin, d) if s["name"] == "Track Event")
    form = mapping_form(admin, d, track["id"])
    form.update(
        {
            "name": "Track Event",
            "enabled": "on",
            "subscribe": 'type = "track" and event = "Order Completed"',
            "kind.name": "template",
            "value.name": "order {{properties.order_id}}",
            "kind.convert_timestamp": "literal",
            "value.convert_timestamp": "false",
        }
    )
    assert (
        admin.post(f"/ui/destinations/{d}/subscriptions/{track['id']}", form, follow_redirects=False).status_code == 303
    )
    saved = next(s for s in subs(admin, d) if s["id"] == track["id"])
    assert saved["subscribe"] == 'type = "track" and event = "Order Completed"'
    assert saved["mapping"]["name"] == {"@template": "order {{properties.order_id}}"}
    assert saved["mapping"]["convert_timestamp"] is False

    matched = run_tester(
        admin, d, {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"order_id": "A-1"}}
    )
    assert "&#34;name&#34;: &#34;order A-1&#34;" in matched
    other = run_tester(admin, d, {"type": "track", "userId": "u1", "event": "Signed Up"})
    assert 'data-subscription="Track Event"' not in other


def test_invalid_trigger_is_refused_with_its_position(admin: UI) -> None:
    d = admin.runtime.defaults.destination_id
    track = next(s for s in subs(admin, d) if s["name"] == "Track Event")
    form = mapping_form(admin, d, track["id"])
    form.update({"name": "Track Event", "subscribe": 'type = "track" and', "enabled": "on"})
    response = admin.post(f"/ui/destinations/{d}/subscriptions/{track['id']}", form)
    assert response.status_code == 400
    assert "subscribe:" in response.text and "position" in response.text
    assert next(s for s in subs(admin, d) if s["id"] == track["id"])["subscribe"] == track["subscribe"]


def test_trigger_endpoint_validates_as_you_type(admin: UI) -> None:
    token = admin.csrf("/ui/")
    ok = admin.client.post("/ui/api/trigger", json={"trigger": 'type = "page"'}, headers={"X-CSRF-Token": token})
    assert ok.json() == {"ok": True}
    bad = admin.client.post("/ui/api/trigger", json={"trigger": 'type == "page"'}, headers={"X-CSRF-Token": token})
    assert bad.json()["ok"] is False and bad.json()["position"] == 5 and "'=='" in bad.json()["message"]
    forged = admin.client.post("/ui/api/trigger", json={"trigger": "x"}, headers={"X-CSRF-Token": "nope"})
    assert forged.status_code == 403


def test_subscription_enable_disable_and_delete(admin: UI) -> None:
    d = admin.runtime.defaults.destination_id
    first = subs(admin, d)[0]
    admin.post(f"/ui/destinations/{d}/subscriptions/{first['id']}/enabled")
    assert not subs(admin, d)[0]["enabled"]
    admin.post(f"/ui/destinations/{d}/subscriptions/{first['id']}/enabled", {"enabled": "on"})
    assert subs(admin, d)[0]["enabled"]
    admin.post(f"/ui/destinations/{d}/subscriptions/{first['id']}/delete", {"confirm": "yes"})
    assert first["id"] not in {s["id"] for s in subs(admin, d)}


def test_tester_can_also_apply_to_the_local_workspace(admin: UI) -> None:
    from segcio.workspace import queries

    d = admin.runtime.defaults.destination_id
    event = {"type": "identify", "userId": "tester-1", "traits": {"email": "tester-1@example.com"}}
    page = run_tester(admin, d, event)
    assert "Also apply to the local workspace" in page and "real data" in page
    assert queries.find_person(admin.runtime.db, 1, id="tester-1") is None  # not applied unless asked
    page = run_tester(admin, d, event, apply_local="on")
    result = page.split('data-subscription="Create or Update Person"', 1)[1].split("</div>\n  </div>", 1)[0]
    assert "person identify: ok" in result
    found = queries.find_person(admin.runtime.db, 1, id="tester-1")
    assert found is not None and found.email == "tester-1@example.com"


def test_event_tester_page_reports_an_event_filtered_by_its_integrations(admin: UI) -> None:
    d = admin.runtime.defaults.destination_id
    event = {"type": "track", "userId": "u", "event": "Order Completed", "integrations": {"All": False}}
    page = run_tester(admin, d, event)
    assert 'id="tester-filtered"' in page and "filtered by integrations" in page
    assert "https://track.customer.io/api/v2/entity" not in page
    allowed = run_tester(admin, d, {**event, "integrations": {"All": False, "Customer.io (Actions)": True}})
    assert "filtered by integrations" not in allowed
    assert "https://track.customer.io/api/v2/entity" in allowed


def test_the_ui_and_the_cli_refuse_the_same_remote_targets(admin: UI, tmp_path: Any) -> None:
    """One rule for both: a remote target with this segcio's own workspace credentials, or a Track API URL that is
    not http(s), is refused, naming the field."""
    import subprocess
    import sys

    d = admin.runtime.defaults
    form = {"name": "x", "target": "remote", "siteId": d.site_id, "apiKey": d.api_key, "accountRegion": "US"}
    page = admin.post(f"/ui/destinations/{d.destination_id}/settings", form).text
    assert "a local workspace&#39;s credentials" in page or "a local workspace's credentials" in page
    page = admin.post(f"/ui/destinations/{d.destination_id}/settings", {**form, "siteId": "s", "apiKey": "k",
                                                                         "base_url": "ftp://x"}).text
    assert "Track API URL" in page
    database = str(admin.runtime.db.url)
    for extra in (["--site-id", d.site_id, "--api-key", d.api_key], ["--site-id", "s", "--api-key", "k",
                                                                      "--base-url", "ftp://x"]):
        done = subprocess.run([sys.executable, "-m", "segcio", "destination", "target", "remote", *extra,
                               "--database", database, "--data-dir", str(tmp_path)], capture_output=True, text=True)
        assert done.returncode == 2, done.stderr
    assert "local workspace's credentials" in subprocess.run(
        [sys.executable, "-m", "segcio", "destination", "target", "remote", "--site-id", d.site_id, "--api-key",
         d.api_key, "--database", database, "--data-dir", str(tmp_path)], capture_output=True, text=True).stderr
    assert jsonutil.loads(destination_rows(admin)[0].settings)["target"] == "local"


def test_tester_shows_customerio_limit_warnings_escaped(admin: UI) -> None:
    name = "<b>" + "n" * 150  # an attribute name over 150 bytes, with markup in it
    event = {"type": "identify", "userId": "u1", "traits": {name: "v", "bio": "x" * 1001}}
    page = run_tester(admin, 1, event)
    assert ('<code>attributes.bio</code> (limit 1000 bytes): the value is 1001 bytes; Customer.io drops attribute '
            'values over 1000 bytes') in page
    assert f"<code>attributes.&lt;b&gt;{'n' * 150}</code> (limit 150 bytes)" in page
    assert "<b>nnn" not in page


def test_tester_samples_draw_no_customerio_warning(admin: UI) -> None:
    """The pre-filled samples are stamped now: an old timestamp would warn (72 hours) on every sample."""
    d = admin.runtime.defaults.destination_id
    page = admin.client.get(f"/ui/destinations/{d}/tester").text
    embedded = page.split('id="tester-samples">', 1)[1].split("</script>", 1)[0]
    samples = jsonutil.loads(html.unescape(embedded))
    assert set(samples) == {"track", "identify", "page", "screen", "group", "alias"}
    for kind, event in samples.items():
        result = run_tester(admin, d, event)
        assert "(limit " not in result, kind
