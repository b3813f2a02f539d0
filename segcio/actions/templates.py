"""`@template` strings: `{{ path }}` and `{{{ path }}}` placeholders, parsed once.

Rendering follows the reference (`mapping-kit/placeholders.ts`): triple-brace placeholders are replaced
first, then double-brace ones (in the text produced by the first pass); the inner text is trimmed and looked
up without `$.` handling; null and missing values render as '', other values as JS `String(value)`; nothing
is HTML-escaped.
"""

from __future__ import annotations

import re
from typing import Any

from segcio.actions.jsvalues import JS_WHITESPACE, MISSING, to_string
from segcio.actions.paths import Getter, make_getter, split_mapping_path

_TRIPLE = re.compile(r"\{\{\{([^}]+)\}\}\}")
_DOUBLE = re.compile(r"\{\{([^}]+)\}\}")


def _placeholder_getter(inner: str) -> Getter:
    return make_getter(split_mapping_path(inner.strip(JS_WHITESPACE)))


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None or value is MISSING:
        return ""
    return to_string(value)


class _Pieces:
    """Literal text interleaved with placeholder lookups."""

    __slots__ = ("getters", "literals")

    def __init__(self, text: str, pattern: re.Pattern[str]) -> None:
        chunks = pattern.split(text)
        self.literals = tuple(chunks[0::2])
        self.getters = tuple(_placeholder_getter(inner) for inner in chunks[1::2])

    def render(self, payload: Any) -> str:
        literals = self.literals
        if len(literals) == 2:  # one placeholder, the usual `{{traits.email}}`
            return literals[0] + _text(self.getters[0](payload)) + literals[1]
        out = [literals[0]]
        for index, getter in enumerate(self.getters, 1):
            out.append(_text(getter(payload)))
            out.append(literals[index])
        return "".join(out)


class Template:
    """A compiled `@template`; `render(payload)` always returns a string."""

    __slots__ = ("_first", "_second", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        triple = _Pieces(text, _TRIPLE)
        if triple.getters:
            self._first: _Pieces | None = triple
            self._second: _Pieces | None = None
        else:
            self._first = None
            self._second = _Pieces(text, _DOUBLE)

    def render(self, payload: Any) -> str:
        if self._second is not None:
            if not self._second.getters:
                return self.text
            return self._second.render(payload)
        assert self._first is not None
        # Values inserted by the triple-brace pass take part in the double-brace pass, as in the reference.
        first = self._first.render(payload)
        return _DOUBLE.sub(lambda found: _text(_placeholder_getter(found.group(1))(payload)), first)
