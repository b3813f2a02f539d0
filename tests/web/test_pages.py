"""Pages render for a logged-in admin; sources' write keys are created, rotated and revoked (plain HTTP)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from segcio.store.tables.core import sources
from tests.web.conftest import UI


def source_rows(ui: UI) -> list[Any]:
    with ui.runtime.db.connect() as conn:
        return list(conn.execute(select(sources).order_by(sources.c.id)))


def test_overview_counts_received_accepted_and_rejected(admin_both: UI) -> None:
    key = admin_both.runtime.defaults.write_key
    ok = {"type": "track", "userId": "u1", "event": "Signed Up"}
    admin_both.client.post("/v1/batch", json={"batch": [ok, {"type": "track"}]}, auth=(key, ""))
    page = admin_both.client.get("/ui/").text
    assert 'data-testid="received">2<' in page
    assert 'data-testid="accepted">1<' in page
    assert 'data-testid="rejected">1<' in page
    assert "Customer.io (Actions)" in page and "Default source" in page


def test_sources_page_shows_snippets_pointed_at_this_server(admin: UI) -> None:
    key = admin.runtime.defaults.write_key
    page = admin.client.get("/ui/sources").text
    assert key in page
    assert 'analytics.host = "http://testserver"' in page
    assert "curl http://testserver/v1/track" in page
    assert "apiHost: &#34;testserver/v1&#34;" in page or 'apiHost: "testserver/v1"' in page


def test_rejected_messages_are_listed_with_their_reason(admin: UI) -> None:
    key = admin.runtime.defaults.write_key
    admin.client.post("/v1/track", json={"event": "No user"}, auth=(key, ""))
    page = admin.client.get("/ui/sources").text
    section = page.split('id="rejected"', 1)[1]
    assert "Nothing rejected." not in section
    assert "userId" in section or "anonymousId" in section


def test_rejections_are_one_row_per_reason_with_totals_and_examples(admin_both: UI) -> None:
    key = admin_both.runtime.defaults.write_key
    batch = [{"type": "track", "userId": "u", "properties": {"n": n}} for n in range(3000)]  # no `event`
    for _ in range(3):
        admin_both.client.post("/v1/batch", json={"batch": batch}, auth=(key, ""))
    admin_both.client.post("/v1/identify", json={"traits": {}}, auth=(key, ""))
    section = admin_both.client.get("/ui/sources").text.split('id="rejected"', 1)[1]
    table = section.split('data-testid="rejections-by-reason"', 1)[1].split("</table>", 1)[0]
    rows = table.split("<tr>")[2:]
    assert [(row.split("<code>", 1)[1].split("<", 1)[0]) for row in rows] == [
        "no_user_anon_id",
        "batch_limit",
        "missing_event",
    ]  # fmt: skip  (the most recently seen first)
    messages = [int(row.split('data-testid="reason-messages">', 1)[1].split("<", 1)[0]) for row in rows]
    assert messages == [1, 3 * 500, 3 * 2500]
    assert rows[1].count("<details>") == 3  # a few examples, not 1,500 rows
    assert "&#34;n&#34;: 2500" in rows[1]  # the first message past the limit
    assert "?rejections=each&amp;code=batch_limit" in rows[1]


def test_each_rejection_is_still_listed_one_by_one(admin: UI) -> None:
    key = admin.runtime.defaults.write_key
    batch = [{"type": "track", "userId": "u"}] * 7 + [{"type": "identify"}]
    admin.client.post("/v1/batch", json={"batch": batch}, auth=(key, ""))
    admin.client.post("/v1/batch", json={"batch": batch[:2]}, auth=(key, ""))
    each = admin.client.get("/ui/sources?rejections=each").text.split('id="rejected"', 1)[1]
    counts = [part.split("<", 1)[0] for part in each.split('data-testid="rejected-count">')[1:]]
    assert counts == ["2", "1", "7"]  # one row per request and reason, newest first
    one = admin.client.get("/ui/sources?rejections=each&code=no_user_anon_id").text.split('id="rejected"', 1)[1]
    assert one.count('data-testid="rejected-count"') == 1 and "#7 <code>no_user_anon_id</code>" in one
    assert admin.client.get("/ui/sources?rejections=all").status_code == 422


def test_create_rotate_revoke_and_reenable_a_write_key(admin: UI) -> None:
    assert admin.post("/ui/sources", {"name": "Mobile app"}, follow_redirects=False).status_code == 303
    created = source_rows(admin)[-1]
    assert created.name == "Mobile app" and created.enabled

    # Without confirmation the server asks first and changes nothing.
    asked = admin.post(f"/ui/sources/{created.id}/rotate")
    assert "Please confirm" in asked.text
    assert source_rows(admin)[-1].write_key == created.write_key

    admin.post(f"/ui/sources/{created.id}/rotate", {"confirm": "yes"})
    rotated = source_rows(admin)[-1]
    assert rotated.write_key != created.write_key

    admin.post(f"/ui/sources/{created.id}/revoke", {"confirm": "yes"})
    assert not source_rows(admin)[-1].enabled
    admin.post(f"/ui/sources/{created.id}/enable")
    assert source_rows(admin)[-1].enabled


def test_source_name_is_validated(admin: UI) -> None:
    page = admin.post("/ui/sources", {"name": "  "}).text
    assert "Source name: give 1 to 200 characters." in page
    assert len(source_rows(admin)) == 1


def test_static_assets_are_served_locally(ui: UI) -> None:
    assert ui.client.get("/ui/static/app.css").headers["content-type"].startswith("text/css")
    assert ui.client.get("/ui/static/app.js").status_code == 200
    assert ui.client.get("/ui/static/..%2Fsession.py").status_code == 404
    page = ui.client.get("/ui/login").text
    assert "http://" not in page.split("<body>")[0].replace('content="', "")
