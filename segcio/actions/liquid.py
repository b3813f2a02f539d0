"""`@liquid` templates: the part of Liquid that Segment's mapping kit allows, following liquidjs.

Supported: output `{{ value | filter: arg, ... }}`, whitespace control (`{{-`, `-}}`, `{%-`, `-%}`), the tags
`if` / `elsif` / `else`, `unless`, `assign`, `capture`, `echo`, `comment`, `raw`; conditions with `==`, `!=`,
`<>`, `<`, `<=`, `>`, `>=`, `contains`, `and` / `or` (evaluated right to left), `empty` and `blank`; and the
common filters (see FILTERS). Tags and filters that Segment disables give its errors; other tags and filters
liquidjs has but segcio does not raise LiquidError naming them. Templates are parsed once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from segcio.actions.jsvalues import MISSING
from segcio.actions.liquid_filters import DISABLED_FILTERS, FILTERS, UNSUPPORTED_FILTERS, FilterError
from segcio.actions.liquid_values import (
    LITERALS,
    compare,
    contains,
    equals,
    lookup,
    stringify,
    truthy,
    well_formed,
)

MAX_TEMPLATE_LENGTH = 1000
DISABLED_TAGS = frozenset({"case", "for", "include", "layout", "render", "tablerow"})
# liquidjs tags segcio does not implement (a clear error rather than a wrong result)
UNSUPPORTED_TAGS = frozenset({"liquid", "cycle", "increment", "decrement", "break", "continue", "block", "#"})


class LiquidError(Exception):
    """A template that cannot be parsed or rendered; the message follows liquidjs where it can."""


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": equals,
    "!=": lambda a, b: not equals(a, b),
    "<>": lambda a, b: False,  # what liquidjs answers
    "<": lambda a, b: compare("<", a, b),
    ">": lambda a, b: compare(">", a, b),
    "<=": lambda a, b: compare("<=", a, b),
    ">=": lambda a, b: compare(">=", a, b),
    "contains": contains,
}


# --- expressions ----------------------------------------------------------------------------------------------

_EXPRESSION_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'[^']*'|"[^"]*")
    | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
    | (?P<operator>==|!=|<>|<=|>=|<|>)
    | (?P<word>[A-Za-z_][\w-]*\??)
    | (?P<punct>[.\[\]|:,])
    )""", re.VERBOSE)

Evaluator = Callable[[dict[str, Any]], Any]


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    index = 0
    while index < len(text):
        if text[index:].strip() == "":
            break
        found = _EXPRESSION_TOKEN.match(text, index)
        if not found or found.end() == index:
            raise LiquidError(f"unexpected {text[index:].strip()[:20]!r} in {text.strip()!r}")
        kind = found.lastgroup or ""
        tokens.append((kind, found.group(kind)))
        index = found.end()
    return tokens


@dataclass
class _Cursor:
    tokens: list[tuple[str, str]]
    source: str
    index: int = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.index] if self.index < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.index += 1
        return token

    def expect(self, value: str) -> None:
        if self.take()[1] != value:
            raise LiquidError(f"expected {value!r} in {self.source.strip()!r}")


def _constant(value: Any) -> Evaluator:
    return lambda scope: value


class _InvalidValue(LiquidError):
    """No value where one is expected (reported with the expression and its place)."""


def _value(cursor: _Cursor) -> Evaluator:
    if cursor.index == 0 and cursor.peek()[0] in ("end", "punct", "operator"):
        raise _InvalidValue(cursor.source.strip())
    kind, text = cursor.take()
    if kind == "string":
        return _constant(text[1:-1])
    if kind == "number":
        number = float(text)
        return _constant(int(number) if number.is_integer() and abs(number) < 2**53 else number)
    if kind == "word" and text in LITERALS and cursor.peek()[1] not in (".", "["):
        return _constant(LITERALS[text])
    if kind != "word":
        raise LiquidError(f"unexpected {text!r} in {cursor.source.strip()!r}")
    steps: list[Evaluator] = []
    name = text
    while cursor.peek()[1] in (".", "["):
        if cursor.take()[1] == ".":
            kind, key = cursor.take()
            if kind != "word":
                raise LiquidError(f"unexpected {key!r} after '.' in {cursor.source.strip()!r}")
            steps.append(_constant(key))
        else:
            steps.append(_value(cursor))
            cursor.expect("]")

    def variable(scope: dict[str, Any]) -> Any:
        value = scope.get(name, MISSING)
        for step in steps:
            value = lookup(value, step(scope))
        return value

    return variable


def _filtered(cursor: _Cursor) -> Evaluator:
    """`value | filter: arg, name: arg | ...`"""
    evaluator = _value(cursor)
    while cursor.peek()[1] == "|":
        cursor.take()
        if cursor.peek()[0] == "end":  # a trailing '|' is ignored
            break
        kind, name = cursor.take()
        if kind != "word":
            raise LiquidError(f"expected a filter name in {cursor.source.strip()!r}")
        arguments: list[Evaluator] = []
        if cursor.peek()[1] == ":":
            cursor.take()
            while True:
                if cursor.peek()[0] == "word" and cursor.tokens[cursor.index + 1:cursor.index + 2] == [("punct", ":")]:
                    key = cursor.take()[1]
                    cursor.take()
                    arguments.append(_pair(key, _value(cursor)))
                else:
                    arguments.append(_value(cursor))
                if cursor.peek()[1] != ",":
                    break
                cursor.take()
        evaluator = _filter_step(name, evaluator, arguments)
    return evaluator


def _pair(key: str, value: Evaluator) -> Evaluator:
    """A keyword argument, passed as liquidjs passes it: a `[name, value]` pair among the arguments."""
    return lambda scope: [key, value(scope)]


def _filter_step(name: str, previous: Evaluator, arguments: list[Evaluator]) -> Evaluator:
    if name in UNSUPPORTED_FILTERS:
        raise LiquidError(f'the Liquid filter "{name}" is not supported')
    if name in DISABLED_FILTERS:  # Segment's stand-in filters fail when they run, not when parsed

        def disabled(scope: dict[str, Any]) -> Any:
            previous(scope)
            raise FilterError(f'filter "{name}" is disabled')

        return disabled
    function = FILTERS.get(name)
    if function is None:  # liquidjs ignores unknown filters
        return previous

    def step(scope: dict[str, Any]) -> Any:
        return function(previous(scope), *[argument(scope) for argument in arguments])

    return step


def _condition(cursor: _Cursor) -> Evaluator:
    """Comparisons joined by and/or, grouped from the right as Liquid does."""
    left = _value(cursor)
    term: Evaluator = left
    kind, operator = cursor.peek()
    if kind == "operator" or operator == "contains":
        cursor.take()
        right = _value(cursor)
        compare = COMPARISONS[operator]

        def comparison(scope: dict[str, Any]) -> Any:
            return compare(left(scope), right(scope))

        term = comparison
    connective = cursor.peek()[1]
    if connective in ("and", "or"):
        cursor.take()
        rest = _condition(cursor)
        if connective == "and":
            return lambda scope: truthy(term(scope)) and truthy(rest(scope))
        return lambda scope: truthy(term(scope)) or truthy(rest(scope))
    return term


def _parse_expression(source: str, parse: Callable[[_Cursor], Evaluator]) -> Evaluator:
    cursor = _Cursor(_tokens(source), source)
    evaluator = parse(cursor)
    if cursor.peek()[0] != "end":
        raise LiquidError(f"unexpected {cursor.peek()[1]!r} in {source.strip()!r}")
    return evaluator


# --- template structure ---------------------------------------------------------------------------------------

Renderer = Callable[[dict[str, Any], list[str]], None]
_MARKUP = re.compile(r"\{\{-?|\{%-?")
_TAG_NAME = re.compile(r"\s*(\w+|#)\s*(.*)", re.DOTALL)


@dataclass
class _Piece:
    kind: str  # text | output | tag
    text: str  # text, or what is inside the braces
    position: int
    trim_left: bool = False
    trim_right: bool = False
    name: str = ""
    markup: str = ""
    opening: int = 2  # length of `{{`, `{%`, `{{-` or `{%-`


def _where(template: str, position: int) -> str:
    line = template.count("\n", 0, position) + 1
    column = position - (template.rfind("\n", 0, position) + 1) + 1
    return f"line:{line}, col:{column}"


def _pieces(template: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    index = 0
    while True:
        found = _MARKUP.search(template, index)
        if not found:
            pieces.append(_Piece("text", template[index:], index))
            break
        pieces.append(_Piece("text", template[index : found.start()], index))
        is_output = found.group().startswith("{{")
        closing = "}}" if is_output else "%}"
        end = template.find(closing, found.end())
        if end < 0:
            what = f'output "{template[found.start():][:30]}"' if is_output else f"tag {template[found.start():]}"
            raise LiquidError(f"{what} not closed, {_where(template, found.start())}")
        inner = template[found.end() : end]
        trim_right = inner.endswith("-")
        inner = inner[:-1] if trim_right else inner
        piece = _Piece("output" if is_output else "tag", inner, found.start(), found.group().endswith("-"), trim_right,
                       opening=len(found.group()))
        if not is_output:
            parts = _TAG_NAME.match(inner)
            piece.name, piece.markup = (parts.group(1), parts.group(2)) if parts else ("", "")
            if piece.name in ("raw", "comment"):
                closing_tag = re.compile(r"\{%-?\s*end" + piece.name + r"\s*-?%\}")
                finish = closing_tag.search(template, end + 2)
                if not finish:
                    raise LiquidError(f"tag {template[found.start():end + 2]} not closed, "
                                      f"{_where(template, found.start())}")
                pieces.append(piece)
                body = template[end + 2 : finish.start()] if piece.name == "raw" else ""
                pieces.append(_Piece("text", body, end + 2))
                index = finish.end()
                closing_text = finish.group()
                pieces.append(_Piece("tag", closing_text, finish.start(), closing_text.startswith("{%-"),
                                     closing_text.endswith("-%}"), "end" + piece.name))
                continue
        pieces.append(piece)
        index = end + 2
    # whitespace control
    for number, piece in enumerate(pieces):
        if piece.kind != "text":
            continue
        if number > 0 and pieces[number - 1].trim_right:
            piece.text = piece.text.lstrip()
        if number + 1 < len(pieces) and pieces[number + 1].trim_left:
            piece.text = piece.text.rstrip()
    return pieces


@dataclass
class _Parser:
    template: str
    pieces: list[_Piece]
    index: int = 0
    blocks: list[str] = field(default_factory=list)

    def block(self, ends: tuple[str, ...]) -> tuple[list[Renderer], _Piece | None]:
        renderers: list[Renderer] = []
        while self.index < len(self.pieces):
            piece = self.pieces[self.index]
            self.index += 1
            if piece.kind == "text":
                if piece.text:
                    renderers.append(_text_renderer(piece.text))
            elif piece.kind == "output":
                renderers.append(_output_renderer(self.expression(piece, piece.text, piece.opening, _filtered)))
            elif piece.name in ends:
                return renderers, piece
            else:
                renderers.append(self.tag(piece))
        return renderers, None

    def expression(self, piece: _Piece, source: str, offset: int, parse: Callable[[_Cursor], Evaluator]) -> Evaluator:
        """Parse an expression found at `offset` characters into `piece`; errors say where, as liquidjs does."""
        try:
            evaluator = _parse_expression(source, parse)
        except _InvalidValue as problem:
            start = piece.position + offset + (len(source) - len(source.lstrip()))
            raise LiquidError(f'invalid value expression: "{problem}", {_where(self.template, start)}') from None
        where = _where(self.template, piece.position)

        def located(scope: dict[str, Any]) -> Any:
            try:
                return evaluator(scope)
            except FilterError as problem:
                raise LiquidError(f"{problem}, {where}") from None

        return located

    def markup_offset(self, piece: _Piece) -> int:
        """Where a tag's markup starts, counted from the tag's `{%`."""
        if piece.name not in piece.text:
            return piece.opening
        return piece.opening + piece.text.index(piece.name) + len(piece.name)

    def tag(self, piece: _Piece) -> Renderer:
        name, markup = piece.name, piece.markup
        if name in DISABLED_TAGS:
            raise LiquidError(f'tag "{name}" is disabled, {_where(self.template, piece.position)}')
        if name in ("if", "unless"):
            return self.conditional(piece)
        if name == "assign":
            target, _, source = markup.partition("=")
            variable = target.strip()
            evaluator = self.expression(piece, source, self.markup_offset(piece) + len(target) + 1, _filtered)

            def assign(scope: dict[str, Any], out: list[str]) -> None:
                scope[variable] = evaluator(scope)

            return assign
        if name == "capture":
            variable = markup.strip()
            body, end = self.block(("endcapture",))
            self.require(end, piece)

            def capture(scope: dict[str, Any], out: list[str]) -> None:
                captured: list[str] = []
                _run(body, scope, captured)
                scope[variable] = "".join(captured)

            return capture
        if name == "echo":
            if not markup.strip():
                return _text_renderer("")
            return _output_renderer(self.expression(piece, markup, self.markup_offset(piece), _filtered))
        if name in ("raw", "comment"):
            body, end = self.block(("end" + name,))
            self.require(end, piece)
            return lambda scope, out: _run(body, scope, out)
        if name in UNSUPPORTED_TAGS:
            raise LiquidError(f'the Liquid tag "{name}" is not supported')
        raise LiquidError(f'tag "{name}" not found, {_where(self.template, piece.position)}')

    def require(self, end: _Piece | None, opening: _Piece) -> None:
        if end is None:
            raise LiquidError(f"tag {{%{opening.text}%}} not closed, {_where(self.template, opening.position)}")

    def conditional(self, piece: _Piece) -> Renderer:
        closing = "end" + piece.name
        branches: list[tuple[Evaluator, list[Renderer]]] = []
        condition = self.expression(piece, piece.markup, self.markup_offset(piece), _condition)
        if piece.name == "unless":
            condition = (lambda c: lambda scope: not truthy(c(scope)))(condition)
        otherwise: list[Renderer] = []
        while True:
            body, end = self.block(("elsif", "else", closing))
            self.require(end, piece)
            assert end is not None
            branches.append((condition, body))
            if end.name == "elsif":
                condition = self.expression(end, end.markup, self.markup_offset(end), _condition)
                continue
            if end.name == "else":
                otherwise, end = self.block((closing,))
                self.require(end, piece)
            break

        def conditional(scope: dict[str, Any], out: list[str]) -> None:
            for test, body in branches:
                if truthy(test(scope)):
                    _run(body, scope, out)
                    return
            _run(otherwise, scope, out)

        return conditional


def _text_renderer(text: str) -> Renderer:
    return lambda scope, out: out.append(text)


def _output_renderer(evaluator: Evaluator) -> Renderer:
    return lambda scope, out: out.append(stringify(evaluator(scope)))


def _run(renderers: list[Renderer], scope: dict[str, Any], out: list[str]) -> None:
    for renderer in renderers:
        renderer(scope, out)


class LiquidTemplate:
    """A parsed template; `render(payload)` returns the text (LiquidError when rendering fails)."""

    def __init__(self, template: str) -> None:
        if len(template) > MAX_TEMPLATE_LENGTH:
            raise LiquidError(f"liquid template values are limited to {MAX_TEMPLATE_LENGTH} characters")
        parser = _Parser(template, _pieces(template))
        self._body, end = parser.block(())
        if end is not None:
            raise LiquidError(f'tag "{end.name}" not found, {_where(template, end.position)}')

    def render(self, payload: Any) -> str:
        scope = dict(payload) if isinstance(payload, Mapping) else {}
        out: list[str] = []
        _run(self._body, scope, out)
        return well_formed("".join(out))

