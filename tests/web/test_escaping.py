"""User data is escaped in every page (plain HTTP); the browser side is in test_browser.py."""

from __future__ import annotations

from tests.web.conftest import UI

SCRIPT = "<script>window.__xss=1</script>"


def test_source_name_with_markup_is_escaped(admin: UI) -> None:
    admin.post("/ui/sources", {"name": SCRIPT})
    for path in ("/ui/", "/ui/sources"):
        page = admin.client.get(path).text
        assert SCRIPT not in page, path
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page, path


def test_rejected_body_with_markup_is_escaped(admin: UI) -> None:
    key = admin.runtime.defaults.write_key
    admin.client.post("/v1/track", json={"event": SCRIPT, "properties": {SCRIPT: SCRIPT}}, auth=(key, ""))
    page = admin.client.get("/ui/sources").text
    assert SCRIPT not in page
    assert "&lt;script&gt;" in page


def test_json_inside_script_blocks_cannot_close_the_block() -> None:
    import json

    from segcio.web.render import script_json

    text = str(script_json({"type": "track", "event": "</script><script>alert(1)</script>", "b": "&'"}))
    assert "<" not in text and ">" not in text and "&" not in text and "'" not in text
    assert json.loads(text) == {"type": "track", "event": "</script><script>alert(1)</script>", "b": "&'"}
    assert text.startswith('{"type"')  # key order kept: the sample shows `type` first


def test_pages_forbid_inline_scripts_and_framing(admin: UI) -> None:
    headers = admin.client.get("/ui/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
