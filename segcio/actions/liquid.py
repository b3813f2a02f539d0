"""`@liquid` templates as the mapping kit renders them: liquidjs 10.30 with Segment's disabled tags and filters.

Tags: `if` / `elsif` / `else`, `unless`, `assign`, `capture`, `echo`, `comment`, `raw`, `{% # comment %}`,
`increment`, `decrement`, `cycle`, `break`, `continue` and `liquid`;
outputs `{{ value | filter: arg, name: arg }}` with whitespace control (`{{-`, `-}}`, `{%-`, `-%}`); every
filter of liquidjs except `sample` (liquid_filters.py, liquid_dates.py). Tags and filters Segment
disables fail with its messages; liquidjs's own parse errors are reported where liquidjs reports them
(`..., line:1, col:4`). Templates are parsed once (LiquidTemplate) and rendered per event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from segcio.actions.jsvalues import MISSING, to_string
from segcio.actions.jsvalues import truthy as js_truthy
from segcio.actions.liquid_filters import DISABLED_FILTERS, FILTERS, UNSUPPORTED_FILTERS
from segcio.actions.liquid_syntax import (
    BLANKS,
    Context,
    EvaluationError,
    FilteredValue,
    LiquidSyntaxError,
    Tokenizer,
    parse_string_literal,
    snapshot,
    where,
)
from segcio.actions.liquid_values import Drop, LiquidFilterError, length, stringify, truthy, value_of, well_formed
from segcio.errors import Invalid

MAX_TEMPLATE_LENGTH = 1000
DISABLED_TAGS = frozenset({"case", "for", "include", "layout", "render", "tablerow"})
# liquidjs tags segcio does not implement (a clear error rather than a wrong result)
UNSUPPORTED_TAGS = frozenset({"block"})
_BLANK_TEXT = "".join(BLANKS)


class LiquidError(Invalid):
    """A template that cannot be parsed or rendered; the message is liquidjs's where segcio can tell."""


Renderer = Callable[[Context, list[str]], None]


# --- the template's tokens --------------------------------------------------------------------------------------


@dataclass
class _Token:
    kind: str  # text | tag | output
    begin: int
    end: int
    content_begin: int = 0  # tags and outputs: what is inside the delimiters, blanks and `-` removed
    content_end: int = 0
    trim_left: bool = False
    trim_right: bool = False
    name: str = ""  # tags
    arguments_begin: int = 0
    cut_left: int = 0  # text: characters removed by whitespace control
    cut_right: int = 0


def _delimited(kind: str, text: str, begin: int, end: int) -> _Token:
    return _tag_like(kind, text, begin, end, begin + 2, end - 2, "illegal tag syntax, tag name expected")


def _tag_like(kind: str, text: str, begin: int, end: int, content_begin: int, content_end: int,
              no_name: str) -> _Token:
    """A tag or output token: its content without `-` markers and blanks, and a tag's name."""
    trim_left = content_begin < len(text) and text[content_begin] == "-"
    trim_right = text[content_end - 1] == "-" if content_end - 1 >= 0 else False
    left = content_begin + 1 if trim_left else content_begin
    right = content_end - 1 if trim_right else content_end
    while left < right and text[left] in BLANKS:
        left += 1
    while right > left and text[right - 1] in BLANKS:
        right -= 1
    token = _Token(kind, begin, end, left, right, trim_left, trim_right)
    if kind == "tag":
        tokenizer = Tokenizer(text, left, right)
        token.name = tokenizer.read_tag_name()
        if not token.name:
            raise LiquidSyntaxError(no_name, tokenizer.p)
        tokenizer.skip_blank()
        token.arguments_begin = tokenizer.p
    return token


_OUTPUT_STOP = re.compile("['\"]|}}")


def _read_to_delimiter(text: str, start: int, delimiter: str, respect_quotes: bool) -> int:
    """Where a tag or output closes (an output's quoted strings may hold its delimiter), or -1."""
    if not respect_quotes:
        found = text.find(delimiter, start)
        return -1 if found < 0 else found + len(delimiter)
    position = start
    while (stop := _OUTPUT_STOP.search(text, position)) is not None:
        if stop.group() == delimiter:
            return stop.end()
        reader = Tokenizer(text, stop.start())
        reader.read_quoted()
        position = reader.p
    return -1


def _after_tag_opening(text: str, position: int) -> tuple[int, int]:
    """liquidjs's `readTo('{%')`: the position after the next `{%` and where it starts (-3 when there is none)."""
    found = text.find("{%", max(position - 1, 0))
    return (len(text), -3) if found < 0 else (found + 2, found)


def _raw_content(text: str, begin: int, raw_begin: int) -> _Token:
    """A raw block's body, then its `{% endraw %}` (liquidjs finds no `endraw` after a `{%-`)."""
    position, left = _after_tag_opening(text, begin + 1)
    while position < len(text):
        reader = Tokenizer(text, position)
        name = reader.read_identifier()
        position = reader.p
        if name != "endraw":
            position, left = _after_tag_opening(text, position + 1)
            continue
        while position <= len(text):
            if position >= 2 and text[position - 2 : position] == "%}":
                if begin == left:
                    return _delimited("tag", text, begin, position)
                return _Token("text", begin, left)
            if position >= 2 and text[position - 2 : position] == "{%":
                break
            position += 1
    raise LiquidSyntaxError(f"raw {snapshot(text[raw_begin:])} not closed", begin)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position, raw_begin = 0, -1
    while position < len(text):
        if raw_begin >= 0:
            token = _raw_content(text, position, raw_begin)
            if token.kind == "tag":
                raw_begin = -1
        elif text.startswith("{%", position):
            end = _read_to_delimiter(text, position, "%}", respect_quotes=False)
            if end < 0:
                raise LiquidSyntaxError(f"tag {snapshot(text[position:])} not closed", position)
            token = _delimited("tag", text, position, end)
            if token.name == "raw":
                raw_begin = position
        elif text.startswith("{{", position):
            end = _read_to_delimiter(text, position, "}}", respect_quotes=True)
            if end < 0:
                raise LiquidSyntaxError(f"output {snapshot(text[position:])} not closed", position)
            token = _delimited("output", text, position, end)
        else:
            end = position
            while (end := text.find("{", end + 1)) >= 0 and not text.startswith(("{%", "{{"), end):
                pass
            token = _Token("text", position, len(text) if end < 0 else end)
        tokens.append(token)
        position = token.end
    _whitespace_control(text, tokens)
    return tokens


def _whitespace_control(text: str, tokens: list[_Token]) -> None:
    in_raw = False
    for index, token in enumerate(tokens):
        if token.kind == "text":
            continue
        if not in_raw and token.trim_left and index > 0 and tokens[index - 1].kind == "text":
            previous = tokens[index - 1]
            while previous.end - 1 - previous.cut_right >= previous.begin + previous.cut_left and \
                    text[previous.end - 1 - previous.cut_right] in BLANKS:
                previous.cut_right += 1
        if token.kind == "tag" and token.name in ("raw", "endraw"):
            in_raw = token.name == "raw"
        if not in_raw and token.trim_right and index + 1 < len(tokens) and tokens[index + 1].kind == "text":
            following = tokens[index + 1]
            while following.begin + following.cut_left < following.end - following.cut_right and \
                    text[following.begin + following.cut_left] in BLANKS:
                following.cut_left += 1


# --- parsing ----------------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0

    def fail(self, message: str, position: int) -> LiquidError:
        return LiquidError(f"{message}, {where(self.text, position)}")

    def next(self) -> _Token | None:
        if self.index >= len(self.tokens):
            return None
        self.index += 1
        return self.tokens[self.index - 1]

    def parse_all(self) -> list[Renderer]:
        renderers: list[Renderer] = []
        while (token := self.next()) is not None:
            renderers.append(self.parse(token))
        return renderers

    def parse(self, token: _Token) -> Renderer:
        try:
            if token.kind == "text":
                return _text(self.text[token.begin + token.cut_left : token.end - token.cut_right])
            if token.kind == "output":
                return self.output(token, self.filtered_value(token, token.content_begin))
            return self.tag(token)
        except LiquidSyntaxError as problem:
            raise self.fail(problem.message, problem.position) from None
        except _TagError as problem:
            raise self.fail(str(problem), token.begin) from None

    def filtered_value(self, token: _Token, begin: int) -> Callable[[Context], Any]:
        return self.value(Tokenizer(self.text, begin, token.content_end).read_filtered_value(), token)

    def value(self, filtered: FilteredValue, token: _Token) -> Callable[[Context], Any]:
        evaluator = filtered.initial
        for call in filtered.filters:
            evaluator = _filter_step(call.name, evaluator, call.arguments)
        if not filtered.filters and "(" not in self.text[token.begin : token.end]:  # nothing that can fail
            return evaluator
        text, begin = self.text, token.begin

        def located(context: Context) -> Any:
            try:
                return evaluator(context)
            except (LiquidFilterError, EvaluationError) as problem:
                raise LiquidError(f"{problem}, {where(text, begin)}") from None

        return located

    def output(self, token: _Token, value: Callable[[Context], Any]) -> Renderer:
        return lambda context, out: out.append(stringify(value(context)))

    def tag(self, token: _Token) -> Renderer:
        name = token.name
        if name in DISABLED_TAGS:
            raise _TagError(f'tag "{name}" is disabled')
        if name in ("if", "unless"):
            return self.conditional(token)
        if name == "assign":
            return self.assign(token)
        if name == "capture":
            return self.capture(token)
        if name == "echo":
            if token.arguments_begin >= token.content_end:
                return _text("")
            return self.output(token, self.filtered_value(token, token.arguments_begin))
        if name == "comment":
            self.skip_to(("endcomment",), token)
            return _text("")
        if name == "raw":
            body = self.skip_to(("endraw",), token)
            return _text("".join(self.text[t.begin : t.end] for t in body))
        if name == "#":
            if re.search(r"\n\s*[^#\s]", self.text[token.arguments_begin : token.content_end]):
                raise _TagError("every line of an inline comment must start with a '#' character")
            return _text("")
        if name == "cycle":
            return self.cycle(token)
        if name == "liquid":
            return self.liquid_tag(token)
        if name in ("break", "continue"):
            return _stop
        if name in ("increment", "decrement"):
            name_reader = Tokenizer(self.text, token.arguments_begin, token.content_end)
            return _counter(name_reader.read_identifier(), 1 if name == "increment" else -1)
        if name in UNSUPPORTED_TAGS:
            raise LiquidError(f'the Liquid tag "{name}" is not supported')
        raise _TagError(f'tag "{name}" not found')

    def skip_to(self, ends: tuple[str, ...], opening: _Token) -> list[_Token]:
        skipped: list[_Token] = []
        while (token := self.next()) is not None:
            if token.kind == "tag" and token.name in ends:
                return skipped
            skipped.append(token)
        raise _TagError(f"tag {self.text[opening.begin : opening.end]} not closed")

    def assign(self, token: _Token) -> Renderer:
        reader = Tokenizer(self.text, token.arguments_begin, token.content_end)
        key = reader.read_identifier()
        if not key:
            raise LiquidSyntaxError("expected variable name", reader.p)
        reader.skip_blank()
        if reader.peek() != "=":
            raise LiquidSyntaxError('expected "="', reader.p)
        reader.p += 1
        value = self.value(reader.read_filtered_value(), token)

        def assign(context: Context, out: list[str]) -> None:
            context.assigned[key] = value(context)

        return assign

    def capture(self, token: _Token) -> Renderer:
        reader = Tokenizer(self.text, token.arguments_begin, token.content_end)
        name = reader.read_identifier()
        if not name:
            quoted = reader.read_quoted()
            if quoted is None:
                raise LiquidSyntaxError("invalid capture name", reader.p)
            name = parse_string_literal(quoted)
        body: list[Renderer] = []
        while (inner := self.next()) is not None:
            if inner.kind == "tag" and inner.name == "endcapture":

                def capture(context: Context, out: list[str]) -> None:
                    captured: list[str] = []
                    _run(body, context, captured)
                    context.assigned[name] = "".join(captured)

                return capture
            body.append(self.parse(inner))
        raise _TagError(f"tag {self.text[token.begin : token.end]} not closed")

    def condition(self, token: _Token, begin: int) -> Callable[[Context], Any]:
        try:
            return self.value(Tokenizer(self.text, begin, token.content_end).read_filtered_value(), token)
        except LiquidSyntaxError as problem:
            raise self.fail(problem.message, problem.position) from None

    def conditional(self, opening: _Token) -> Renderer:
        """`if` and `unless` with their `elsif` and `else` branches, as liquidjs builds them."""
        unless = opening.name == "unless"
        closing = "end" + opening.name
        branches: list[tuple[Callable[[Context], Any], bool, list[Renderer]]] = []
        branches.append((self.condition(opening, opening.arguments_begin), not unless, []))
        current = branches[0][2]
        otherwise: list[Renderer] | None = None
        else_count = 0
        while (token := self.next()) is not None:
            if token.kind == "tag" and token.name == closing:
                if not unless and token.arguments_begin < token.content_end:
                    raise self.fail(f"unexpected {_js_quote(self.arguments(token))}", opening.begin)
                return _conditional(branches, otherwise or [])
            if token.kind == "tag" and token.name == "elsif":
                if unless and else_count:
                    current = []
                    continue
                if not unless and otherwise is not None:
                    raise self.fail("unexpected elsif after else", opening.begin)
                branches.append((self.condition(token, token.arguments_begin), True, []))
                current = branches[-1][2]
                continue
            if token.kind == "tag" and token.name == "else":
                if not unless:
                    if token.arguments_begin < token.content_end:
                        raise self.fail(f"unexpected {_js_quote(self.arguments(token))}", opening.begin)
                    if otherwise is not None:
                        raise self.fail("duplicated else", opening.begin)
                else_count += 1
                otherwise = otherwise if otherwise is not None else []
                current = otherwise if not unless or else_count == 1 else []
                continue
            current.append(self.parse(token))
        raise self.fail(f"tag {self.text[opening.begin : opening.end]} not closed", opening.begin)

    def liquid_tag(self, token: _Token) -> Renderer:
        """`{% liquid %}`: one tag per line, without delimiters."""
        lines: list[_Token] = []
        position, end = token.arguments_begin, token.content_end
        while position < end:
            while position < end and self.text[position] in BLANKS:
                position += 1
            if position >= end:
                break
            newline = self.text.find("\n", position, end)
            stop = end if newline < 0 else newline + 1
            lines.append(_tag_like("tag", self.text, position, stop, position, stop, "illegal liquid tag syntax"))
            position = stop
        outer = self.tokens, self.index
        self.tokens, self.index = lines, 0
        try:
            body = self.parse_all()
        finally:
            self.tokens, self.index = outer
        return lambda context, out: _run(body, context, out)

    def cycle(self, token: _Token) -> Renderer:
        """`{% cycle 'a', 'b' %}` (or `{% cycle group: 'a', 'b' %}`): the next candidate at each use in a render,
        written only when it is truthy in JavaScript, as liquidjs does."""
        reader = Tokenizer(self.text, token.arguments_begin, token.content_end)
        begin, group = reader.p, None
        found = reader.read_value()
        reader.skip_blank()
        if found is not None and reader.peek() == ":":
            group = found[0]
            reader.p += 1
        else:
            reader.p = begin
        candidates: list[Callable[[Context], Any]] = []
        texts: list[str] = []
        while not reader.at_end():
            start = reader.p
            candidates.append(self.value(reader.read_filtered_value(), token))
            texts.append(self.text[start : reader.p])
            reader.read_to(",")
        if not candidates:
            raise LiquidSyntaxError(f'empty candidates: "{self.text[token.begin : token.end]}"', reader.p)
        fingerprint = ",".join(texts)

        def cycle(context: Context, out: list[str]) -> None:
            label = MISSING if group is None else group(context)
            key = f"cycle:{'[object Object]' if type(label) is Drop else to_string(label)}:{fingerprint}"
            index = context.cycles.get(key, 0)
            context.cycles[key] = (index + 1) % len(candidates)
            value = value_of(candidates[index](context))
            if js_truthy(value):
                out.append(stringify(value))

        return cycle

    def arguments(self, token: _Token) -> str:
        return self.text[token.arguments_begin : token.content_end]


class _TagError(Exception):
    """A tag liquidjs refuses; reported at the tag."""


def _js_quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _filter_step(name: str, previous: Callable[[Context], Any], arguments: list[Callable[[Context], Any]]
                 ) -> Callable[[Context], Any]:
    if name in UNSUPPORTED_FILTERS:
        raise LiquidError(f'the Liquid filter "{name}" is not supported')
    if name in DISABLED_FILTERS:  # Segment's stand-ins fail when they run, not when parsed

        def disabled(context: Context) -> Any:
            previous(context)
            for argument in arguments:
                argument(context)
            raise LiquidFilterError(f'filter "{name}" is disabled')

        return disabled
    function = FILTERS.get(name)
    if function is None:  # liquidjs leaves the value as it is for a filter it does not know
        return previous
    if not arguments:
        return lambda context: function(previous(context))
    if len(arguments) == 1:
        only = arguments[0]
        return lambda context: function(previous(context), only(context))
    return lambda context: function(previous(context), *[argument(context) for argument in arguments])


# --- rendering --------------------------------------------------------------------------------------------------


def _text(text: str) -> Renderer:
    return lambda context, out: out.append(text)


def _run(renderers: list[Renderer], context: Context, out: list[str]) -> None:
    for renderer in renderers:
        renderer(context, out)
        if context.stopped:
            return


def _stop(context: Context, out: list[str]) -> None:
    context.stopped = True


def _counter(name: str, step: int) -> Renderer:
    """`increment` (shows the counter, then adds one) and `decrement` (subtracts one, then shows it): the
    counter lives in the event's data, as in liquidjs, and starts at 0 unless the data holds a number."""

    def count(context: Context, out: list[str]) -> None:
        data = context.writable_data()
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            value = 0
        data[name] = value + step
        out.append(stringify(value if step > 0 else value + step))

    return count


def _conditional(branches: list[tuple[Callable[[Context], Any], bool, list[Renderer]]],
                 otherwise: list[Renderer]) -> Renderer:
    def conditional(context: Context, out: list[str]) -> None:
        for test, wanted, body in branches:
            if truthy(test(context)) is wanted:
                _run(body, context, out)
                return
        _run(otherwise, context, out)

    return conditional


class LiquidTemplate:
    """A parsed template; `render(payload)` returns the text (LiquidError when rendering fails)."""

    def __init__(self, template: str) -> None:
        if length(template) > MAX_TEMPLATE_LENGTH:
            raise LiquidError(f"liquid template values are limited to {MAX_TEMPLATE_LENGTH} characters")
        try:
            self._body = _Parser(template).parse_all()
        except LiquidSyntaxError as problem:
            raise LiquidError(f"{problem.message}, {where(template, problem.position)}") from None

    def render(self, payload: Any) -> str:
        context = Context(payload if type(payload) is dict else dict(payload) if isinstance(payload, Mapping) else {})
        out: list[str] = []
        try:
            _run(self._body, context, out)
        except (LiquidFilterError, EvaluationError) as problem:
            raise LiquidError(str(problem)) from None
        return well_formed("".join(out))
