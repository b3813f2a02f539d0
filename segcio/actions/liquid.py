"""`@liquid` templates: the part of Liquid that Segment's mapping kit allows, following liquidjs.

Supported: output `{{ value | filter: arg, ... }}`, whitespace control (`{{-`, `-}}`, `{%-`, `-%}`), the tags
`if` / `elsif` / `else`, `unless`, `assign`, `capture`, `echo`, `comment`, `raw`; conditions with `==`, `!=`,
`<>`, `<`, `<=`, `>`, `>=`, `contains`, `and` / `or` (evaluated right to left), `empty` and `blank`; and the
common filters (see FILTERS). Tags and filters that Segment disables give its errors; other tags and filters
liquidjs has but segcio does not raise LiquidError naming them. Templates are parsed once.
"""

from __future__ import annotations

import html
import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from segcio.actions.jsvalues import MISSING, json_stringify, number_to_string, to_number, utf16_length

MAX_TEMPLATE_LENGTH = 1000
DISABLED_TAGS = frozenset({"case", "for", "include", "layout", "render", "tablerow"})
DISABLED_FILTERS = frozenset({
    "array_to_sentence_string", "concat", "find", "find_exp", "find_index", "find_index_exp", "group_by",
    "group_by_exp", "has", "has_exp", "map", "newline_to_br", "reject", "reject_exp", "reverse", "sort",
    "sort_natural", "uniq", "where_exp", "type"})
# liquidjs tags and filters segcio does not implement (a clear error rather than a wrong result)
UNSUPPORTED_TAGS = frozenset({"liquid", "cycle", "increment", "decrement", "break", "continue", "ifchanged",
                              "block", "layout", "inline_comment", "#"})
UNSUPPORTED_FILTERS = frozenset({
    "date", "date_to_xmlschema", "date_to_rfc822", "date_to_string", "date_to_long_string", "where", "sum",
    "sort", "push", "pop", "shift", "unshift", "sample", "escape_once", "xml_escape", "cgi_escape", "uri_escape",
    "slugify", "normalize_whitespace", "number_of_words", "strip_newlines", "base64_encode", "base64_decode",
    "jsonify", "inspect", "to_integer", "raw", "markdownify", "pluralize", "truncate_words", "arrayify"})


class LiquidError(Exception):
    """A template that cannot be parsed or rendered; the message follows liquidjs where it can."""


# --- values ---------------------------------------------------------------------------------------------------


def _to_output(value: Any) -> str:
    """liquidjs output: nothing for nil, arrays concatenated, JS `String()` otherwise."""
    if value is None or value is MISSING:
        return ""
    if isinstance(value, str):
        return value
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_to_string(value)
    if isinstance(value, list | tuple):
        return "".join(_to_output(item) for item in value)
    return "[object Object]"


def _truthy(value: Any) -> bool:
    """Liquid truthiness: only false and nil are falsy ("" and 0 are true)."""
    return value is not None and value is not MISSING and value is not False


def _number(value: Any) -> float:
    """liquidjs' number coercion for arithmetic filters: anything unparsable is 0."""
    number = to_number(value) if isinstance(value, str | int | float | bool) else math.nan
    return 0.0 if math.isnan(number) else number


def _whole(value: Any) -> int:
    """A length, index or digit count from event data as JavaScript truncates one; infinities clamp far beyond any
    real length instead of failing."""
    number = _number(value)
    if math.isinf(number):
        return int(math.copysign(2**53, number))
    return int(number)


def _rounded(function: Any, value: Any) -> int | float:
    """ceil/floor as JavaScript's Math: infinities stay infinite."""
    number = _number(value)
    return number if math.isinf(number) else _plain(float(function(number)))


def _plain(value: float) -> int | float:
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value


class _Empty:
    """The `empty` / `blank` literals, which only mean something in comparisons."""

    def __init__(self, blank: bool) -> None:
        self.blank = blank

    def matches(self, value: Any) -> bool:
        if isinstance(value, str):
            return value == "" or (self.blank and value.strip() == "")
        if isinstance(value, list | tuple | Mapping):
            return len(value) == 0
        return self.blank and value is False


EMPTY, BLANK = _Empty(blank=False), _Empty(blank=True)


def _strict_equal(left: Any, right: Any) -> bool:
    if isinstance(left, _Empty):
        return left.matches(right)
    if isinstance(right, _Empty):
        return right.matches(left)
    if (left is None or left is MISSING) and (right is None or right is MISSING):
        return True
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return bool(left == right)
    return type(left) is type(right) and bool(left == right)


def _less(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left < right
    numbers = (to_number(left), to_number(right)) if all(
        isinstance(v, str | int | float | bool) or v is None for v in (left, right)) else (math.nan, math.nan)
    return numbers[0] < numbers[1]


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        return _to_output(item) in container
    if isinstance(container, list | tuple):
        return any(_strict_equal(element, item) for element in container)
    return False


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": _strict_equal,
    "!=": lambda a, b: not _strict_equal(a, b),
    "<>": lambda a, b: False,  # what liquidjs answers
    "<": _less,
    ">": lambda a, b: _less(b, a),
    "<=": lambda a, b: _less(a, b) or _strict_equal(a, b),
    ">=": lambda a, b: _less(b, a) or _strict_equal(a, b),
    "contains": _contains,
}


# --- filters --------------------------------------------------------------------------------------------------


def _js_round(value: float, digits: int = 0) -> float:
    """liquidjs rounds halves away from zero."""
    factor = 10.0**digits
    return math.copysign(math.floor(abs(value) * factor + 0.5) / factor, value)


def _truncate(value: Any, length: Any = 50, ending: Any = "...") -> str:
    text, limit, tail = _to_output(value), _whole(length), _to_output(ending)
    if utf16_length(text) <= limit:
        return text
    return text[: max(limit - len(tail), 0)] + tail


def _truncatewords(value: Any, words: Any = 15, ending: Any = "...") -> str:
    parts, count = _to_output(value).split(), max(_whole(words), 1)
    if len(parts) <= count:
        return " ".join(parts) if parts else _to_output(value)
    return " ".join(parts[:count]) + _to_output(ending)


def _slice(value: Any, start: Any, length: Any = 1) -> Any:
    sequence = value if isinstance(value, list | tuple) else _to_output(value)
    begin, size = _whole(start), _whole(length)
    if begin < 0:
        begin = max(len(sequence) + begin, 0)
    return sequence[begin : begin + size]


def _default(value: Any, fallback: Any = "", *_args: Any, allow_false: Any = False) -> Any:
    if isinstance(value, str | list | tuple) and len(value) == 0:
        return fallback
    if value is False and allow_false is True:
        return value
    return value if _truthy(value) else fallback


def _size(value: Any) -> int:
    if isinstance(value, str):
        return utf16_length(value)
    if isinstance(value, list | tuple | Mapping):
        return len(value)
    return 0


def _split(value: Any, separator: Any = " ") -> list[str]:
    text, separator = _to_output(value), _to_output(separator)
    return list(text) if separator == "" else text.split(separator)


def _join(value: Any, separator: Any = " ") -> Any:
    if not isinstance(value, list | tuple):
        return value
    return _to_output(separator).join(_to_output(item) for item in value)


def _url_encode(value: Any) -> str:
    return urllib.parse.quote(_to_output(value), safe="-_.!~*'()").replace("%20", "+")


def _escape(value: Any) -> str:
    return html.escape(_to_output(value), quote=True).replace("&#x27;", "&#39;")


def _arith(operation: Callable[[float, float], float]) -> Callable[..., Any]:
    return lambda value, other=0: _plain(operation(_number(value), _number(other)))


def _modulo(value: Any, other: Any) -> Any:
    divisor = _number(other)
    return _plain(math.fmod(_number(value), divisor) % divisor) if divisor else math.nan


FILTERS: dict[str, Callable[..., Any]] = {
    "upcase": lambda v: _to_output(v).upper(),
    "downcase": lambda v: _to_output(v).lower(),
    "capitalize": lambda v: (lambda s: s[:1].upper() + s[1:].lower())(_to_output(v)),
    "append": lambda v, other="": _to_output(v) + _to_output(other),
    "prepend": lambda v, other="": _to_output(other) + _to_output(v),
    "plus": _arith(lambda a, b: a + b),
    "minus": _arith(lambda a, b: a - b),
    "times": _arith(lambda a, b: a * b),
    "divided_by": _arith(lambda a, b: a / b if b else (math.copysign(math.inf, a) if a else math.nan)),
    "modulo": _modulo,
    "abs": lambda v: _plain(abs(_number(v))),
    "ceil": lambda v: _rounded(math.ceil, v),
    "floor": lambda v: _rounded(math.floor, v),
    "round": lambda v, digits=0: _plain(_js_round(_number(v), _whole(digits))),
    "at_least": lambda v, other: _plain(max(_number(v), _number(other))),
    "at_most": lambda v, other: _plain(min(_number(v), _number(other))),
    "default": _default,
    "size": _size,
    "first": lambda v: v[0] if isinstance(v, list | tuple) and v else (v[:1] if isinstance(v, str) else None),
    "last": lambda v: v[-1] if isinstance(v, list | tuple) and v else (v[-1:] if isinstance(v, str) else None),
    "join": _join,
    "split": _split,
    "compact": lambda v: [x for x in v if x is not None and x is not MISSING] if isinstance(v, list | tuple) else v,
    "strip": lambda v: _to_output(v).strip(),
    "lstrip": lambda v: _to_output(v).lstrip(),
    "rstrip": lambda v: _to_output(v).rstrip(),
    "strip_html": lambda v: re.sub(r"<script.*?</script>|<style.*?</style>|<.*?>|<!--.*?-->", "", _to_output(v),
                                   flags=re.DOTALL),
    "truncate": _truncate,
    "truncatewords": _truncatewords,
    "replace": lambda v, old="", new="": _to_output(v).replace(_to_output(old), _to_output(new)),
    "replace_first": lambda v, old="", new="": _to_output(v).replace(_to_output(old), _to_output(new), 1),
    "remove": lambda v, old="": _to_output(v).replace(_to_output(old), ""),
    "remove_first": lambda v, old="": _to_output(v).replace(_to_output(old), "", 1),
    "slice": _slice,
    "url_encode": _url_encode,
    "url_decode": lambda v: urllib.parse.unquote(_to_output(v).replace("+", " ")),
    "escape": _escape,
    "json": lambda v: "" if (text := json_stringify(v)) is MISSING else text,
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


_LITERALS: dict[str, Any] = {"true": True, "false": False, "nil": None, "null": None, "empty": EMPTY, "blank": BLANK}


def _lookup(base: Any, key: Any) -> Any:
    if isinstance(base, Mapping):
        if key in base:
            return base[key]
    elif isinstance(base, list | tuple | str):
        if isinstance(key, int | float) and not isinstance(key, bool):
            if isinstance(key, float) and not math.isfinite(key):
                return None
            index = int(key)
            return base[index] if -len(base) <= index < len(base) else None
        if key == "size":
            return _size(base)
        if key == "first" and isinstance(base, list | tuple):
            return base[0] if base else None
        if key == "last" and isinstance(base, list | tuple):
            return base[-1] if base else None
        if isinstance(key, str) and key.isascii() and key.isdigit():  # an index, as JavaScript reads one
            return _lookup(base, int(key))
        return None
    else:
        return None
    return None


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
        return _constant(_plain(float(text)))
    if kind == "word" and text in _LITERALS and cursor.peek()[1] not in (".", "["):
        return _constant(_LITERALS[text])
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
            value = _lookup(value, step(scope))
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
        positional: list[Evaluator] = []
        keywords: dict[str, Evaluator] = {}
        if cursor.peek()[1] == ":":
            cursor.take()
            while True:
                if cursor.peek()[0] == "word" and cursor.tokens[cursor.index + 1:cursor.index + 2] == [("punct", ":")]:
                    key = cursor.take()[1]
                    cursor.take()
                    keywords[key] = _value(cursor)
                else:
                    positional.append(_value(cursor))
                if cursor.peek()[1] != ",":
                    break
                cursor.take()
        evaluator = _filter_step(name, evaluator, positional, keywords)
    return evaluator


def _filter_step(name: str, previous: Evaluator, positional: list[Evaluator],
                 keywords: dict[str, Evaluator]) -> Evaluator:
    if name in DISABLED_FILTERS:
        raise LiquidError(f'filter "{name}" is disabled')
    if name in UNSUPPORTED_FILTERS:
        raise LiquidError(f'the Liquid filter "{name}" is not supported')
    function = FILTERS.get(name)
    if function is None:  # liquidjs ignores unknown filters
        return previous

    def step(scope: dict[str, Any]) -> Any:
        arguments = [argument(scope) for argument in positional]
        named = {key: value(scope) for key, value in keywords.items()}
        try:
            return function(previous(scope), *arguments, **named)
        except (TypeError, ValueError, OverflowError):
            raise LiquidError(f'wrong arguments for the filter "{name}"') from None

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
            return lambda scope: _truthy(term(scope)) and _truthy(rest(scope))
        return lambda scope: _truthy(term(scope)) or _truthy(rest(scope))
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
            return _parse_expression(source, parse)
        except _InvalidValue as problem:
            start = piece.position + offset + (len(source) - len(source.lstrip()))
            raise LiquidError(f'invalid value expression: "{problem}", {_where(self.template, start)}') from None
        except LiquidError as problem:
            if str(problem).startswith('filter "'):
                raise LiquidError(f"{problem}, {_where(self.template, piece.position)}") from None
            raise

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
            condition = (lambda c: lambda scope: not _truthy(c(scope)))(condition)
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
                if _truthy(test(scope)):
                    _run(body, scope, out)
                    return
            _run(otherwise, scope, out)

        return conditional


def _text_renderer(text: str) -> Renderer:
    return lambda scope, out: out.append(text)


def _output_renderer(evaluator: Evaluator) -> Renderer:
    return lambda scope, out: out.append(_to_output(evaluator(scope)))


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
        return "".join(out)

