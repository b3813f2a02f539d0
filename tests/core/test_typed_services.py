"""The process's services are typed attributes (segcio.runtime.Runtime, segcio.services.Services), never looked
up by a string key: a typo or a wrong type is then mypy's to catch, not a request's."""

from __future__ import annotations

import re
from pathlib import Path

import segcio

PACKAGE_DIR = Path(segcio.__file__).parent
LOOKUP = re.compile(r"\bservices(\[|\.get\(|\.pop\(|\.setdefault\()|in\s+[\w.]*services\b")


def test_no_service_is_read_by_a_string_key() -> None:
    found = [
        f"{path.relative_to(PACKAGE_DIR.parent)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LOOKUP.search(line)
    ]
    assert not found, "services looked up by name (give them a typed attribute instead):\n" + "\n".join(found)
