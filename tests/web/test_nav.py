"""The navigation: declared in one list, each entry a page that renders for a signed-in admin."""

from __future__ import annotations

import re

from segcio.web.nav import NAV
from segcio.web.routes import PAGES
from tests.web.conftest import UI


def test_the_navigation_is_the_declared_list_and_each_page_renders(admin_both: UI) -> None:
    assert [path for _module, path in PAGES if path] == [path for path, _label in NAV]
    home = admin_both.client.get("/ui/")
    assert home.status_code == 200
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', home.text, re.S)
    assert nav is not None
    linked = re.findall(r'href="([^"]+)"', nav.group(1))
    assert linked == [path for path, _label in NAV]
    for path, label in NAV:
        page = admin_both.client.get(path, follow_redirects=False)
        assert page.status_code == 200, (path, page.status_code)
        assert label in page.text
