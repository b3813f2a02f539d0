"""liquidjs's tokenizer (10.30) for `@liquid` templates: the template's tokens (text, `{% tags %}`, `{{ outputs }}`
with whitespace control) and expressions (values, operators, filters), compiled into evaluators.

This follows liquidjs's own reading closely, because liquidjs is lenient in ways templates rely on: operands
and operators are read as long as they come and evaluated as a postfix program (`{% if a b %}` tests `a`,
`{% if s == %}` compares with undefined, `<>` is `<` then `>`), a trailing `|` or `,` is ignored, and what an
output leaves unread is ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from segcio.actions.jsvalues import MISSING
from segcio.actions.liquid_values import (
    LITERALS,
    MEMORY_LIMIT,
    compare,
    contains,
    equals,
    js_number,
    js_string,
    json_text,
    length,
    lookup,
    truthy,
    units,
    value_of,
)
from segcio.errors import Invalid

BLANKS = frozenset("\t\n\v\f\r \u00a0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                   "\u200a\u2028\u2029\u202f\u205f\u3000")
_NOT_WORD = BLANKS | {"\u201c", "\u201d"}
PRECEDENCE = {"==": 2, "!=": 2, ">": 2, "<": 2, ">=": 2, "<=": 2, "contains": 2, "not": 1, "and": 0, "or": 0}
_OPERATORS = sorted(PRECEDENCE, key=len, reverse=True)
_LITERAL_NAMES = sorted(LITERALS, key=len, reverse=True)
_FIRST_LETTERS = frozenset(name[0] for name in [*_OPERATORS, *_LITERAL_NAMES])
RANGE_LIMIT = 10_000  # elements in a `(a..b)` range; liquidjs allows up to its memory limit


class Context:
    """What a template sees: the event (liquidjs's environment) and the variables it assigned."""

    __slots__ = ("assigned", "cycles", "data", "own_data", "stopped")

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.assigned: dict[str, Any] = {}
        self.cycles: dict[str, int] = {}  # `cycle`: the next candidate of each cycle
        self.own_data = False  # `increment` writes into the data: a copy, so that the event stays as it was
        self.stopped = False  # a `break` or `continue` (outside a loop, liquidjs renders nothing after one)

    def writable_data(self) -> dict[str, Any]:
        if not self.own_data:
            self.data, self.own_data = dict(self.data), True
        return self.data


Evaluator = Callable[[Context], Any]


class LiquidSyntaxError(Invalid):
    """A template liquidjs refuses to parse; `position` is where liquidjs reports it."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


class EvaluationError(Invalid):
    """Raised while rendering (a filter fails); reported at the output or tag being rendered."""


_WORD_RUN = re.compile("(?:[0-9A-Za-z_?\\-]|[^\\x00-\\x7f" + "".join(sorted(_NOT_WORD - set(" \t\n\v\f\r")))
                       + "])*")
_BLANK_RUN = re.compile("[" + "".join(sorted(BLANKS)) + "]*")


def is_word(ch: str) -> bool:
    if not ch:
        return False
    if ord(ch) >= 128:
        return ch not in _NOT_WORD
    return ch.isalnum() or ch in "_-?"


def where(text: str, position: int) -> str:
    """liquidjs's `line:N, col:M` (columns in UTF-16 code units)."""
    line = text.count("\n", 0, position) + 1
    return f"line:{line}, col:{length(text[text.rfind(chr(10), 0, position) + 1 : position]) + 1}"


def snapshot(text: str) -> str:
    """liquidjs's excerpt of the source in a message: at most 32 characters, as JSON."""
    return json_text(json.dumps(text if length(text) <= 32 else units(text)[:29] + "...", ensure_ascii=False))


def parse_string_literal(text: str) -> str:
    """The value of a quoted token (its first and last characters are the quotes), with JavaScript's escapes."""
    escapes = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
    out: list[str] = []
    index, end = 1, len(text) - 1
    while index < end:
        ch = text[index]
        if ch != "\\":
            out.append(ch)
            index += 1
            continue
        following = text[index + 1] if index + 1 < len(text) else ""
        if following in escapes:
            out.append(escapes[following])
            index += 2
        elif following == "u":
            value, probe = 0, index + 2
            while probe <= index + 5 and probe < len(text) and text[probe] in "0123456789abcdefABCDEF":
                value = value * 16 + int(text[probe], 16)
                probe += 1
            out.append(chr(value))
            index = probe
        elif following not in "01234567" or following == "":
            out.append(following)
            index += 2
        else:
            value, probe = 0, index + 1
            while probe <= index + 3 and probe < len(text) and text[probe] in "01234567":
                value = value * 8 + int(text[probe])
                probe += 1
            out.append(chr(value))
            index = probe
    return "".join(out)


# --- evaluators -------------------------------------------------------------------------------------------------


class _Constant:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, context: Context) -> Any:
        return self.value


def _constant(value: Any) -> Evaluator:
    return _Constant(value)


def scope_variable(props: list[Evaluator]) -> Evaluator:
    """A variable: the first name is looked up among assigned variables, then in the event (else it is
    undefined, except `size`, which is then 0, as liquidjs reads it from an empty global scope)."""
    first, rest = props[0], props[1:]
    if all(type(prop) is _Constant and isinstance(prop.value, str) for prop in props):
        return _namedvariable([prop.value for prop in props if isinstance(prop, _Constant)])

    def variable(context: Context) -> Any:
        key = value_of(first(context))
        name = key if isinstance(key, str) else js_string(key)
        if name in context.assigned:
            value = lookup(context.assigned, name)
        elif name in context.data:
            value = context.data[name]
        else:
            value = lookup({}, name)
        for prop in rest:
            value = lookup(value, prop(context))
        return value

    return variable


def _namedvariable(names: list[str]) -> Evaluator:
    """`a.b.c`: the common case, with plain keys and objects looked up directly."""
    name, rest = names[0], names[1:]

    def variable(context: Context) -> Any:
        if name in context.assigned:
            value = context.assigned[name]
        elif name in context.data:
            value = context.data[name]
        else:
            value = lookup({}, name)
        for key in rest:
            value = value[key] if type(value) is dict and key in value else lookup(value, key)
        return value

    return variable


def _property_access(base: Evaluator, props: list[Evaluator]) -> Evaluator:
    def access(context: Context) -> Any:
        value = base(context)
        for prop in props:
            value = lookup(value, prop(context))
        return value

    return access


def _range(low: Evaluator, high: Evaluator) -> Evaluator:
    def values(context: Context) -> list[float]:
        start, stop = js_number(low(context)), js_number(high(context))
        if start != start or stop != stop or stop < start:
            return []
        if stop - start + 1 > MEMORY_LIMIT:
            raise EvaluationError("memory alloc limit exceeded")
        if stop - start + 1 > RANGE_LIMIT:
            raise EvaluationError(f"ranges are limited to {RANGE_LIMIT} values")
        out, current = [], start
        while current < stop + 1:
            out.append(current)
            current += 1
        return out

    return values


def _apply(operator: str, left: Any, right: Any) -> Any:
    if operator == "==":
        return equals(left, right)
    if operator == "!=":
        return not equals(left, right)
    if operator == "contains":
        return contains(left, right)
    if operator == "and":
        return truthy(left) and truthy(right)
    if operator == "or":
        return truthy(left) or truthy(right)
    return compare(operator, left, right)


def _expression(postfix: list[tuple[str, Any]]) -> Evaluator:
    """liquidjs's postfix evaluation: a missing operand is undefined; the result is the first operand left."""
    if len(postfix) == 1 and postfix[0][0] == "value":
        only: Evaluator = postfix[0][1]
        return only
    if len(postfix) == 3 and [kind for kind, _ in postfix] == ["value", "value", "op"] and postfix[2][1] != "not":
        left, right, operator = postfix[0][1], postfix[1][1], postfix[2][1]
        return lambda context: _apply(operator, left(context), right(context))

    def evaluate(context: Context) -> Any:
        operands: list[Any] = []
        for kind, item in postfix:
            if kind == "value":
                operands.append(item(context))
                continue
            right = operands.pop() if operands else MISSING
            if item == "not":
                operands.append(not truthy(right))
                continue
            left = operands.pop() if operands else MISSING
            operands.append(_apply(item, left, right))
        return operands[0]

    return evaluate


@dataclass
class FilterCall:
    name: str
    arguments: list[Evaluator] = field(default_factory=list)


@dataclass
class FilteredValue:
    initial: Evaluator
    filters: list[FilterCall]


# --- the expression tokenizer -----------------------------------------------------------------------------------


class Tokenizer:
    """liquidjs's Tokenizer over `text[start:end]`."""

    def __init__(self, text: str, start: int = 0, end: int | None = None) -> None:
        self.text, self.p = text, start
        self.n = len(text) if end is None else end

    def peek(self, offset: int = 0) -> str:
        index = self.p + offset
        return self.text[index] if index < self.n else ""

    def at_end(self) -> bool:
        return self.p >= self.n

    def skip_blank(self) -> None:
        if self.p < self.n and self.text[self.p] in BLANKS:
            found = _BLANK_RUN.match(self.text, self.p, self.n)
            self.p = found.end() if found else self.p

    def error(self, message: str, position: int | None = None) -> LiquidSyntaxError:
        return LiquidSyntaxError(message, self.p if position is None else position)

    def snapshot(self, begin: int | None = None) -> str:
        return snapshot(self.text[self.p if begin is None else begin : self.n])

    def _match_words(self, names: list[str]) -> int:
        """liquidjs's `matchTrie`: the longest name here; a name ending in a letter must end a word."""
        if self.p >= self.n or self.text[self.p] not in _FIRST_LETTERS:
            return -1
        for name in names:
            if self.text.startswith(name, self.p) and self.p + len(name) <= self.n:
                end = self.p + len(name)
                if is_word(name[-1]) and end < self.n and is_word(self.text[end]):
                    return -1
                return end
        return -1

    def read_identifier(self) -> str:
        self.skip_blank()
        begin = self.p
        found = _WORD_RUN.match(self.text, begin, self.n)
        self.p = found.end() if found else begin
        return self.text[begin : self.p]

    def read_tag_name(self) -> str:
        self.skip_blank()
        if self.peek() == "#":
            self.p += 1
            return "#"
        return self.read_identifier()

    def read_quoted(self) -> str | None:
        """A quoted string's source (quotes included), or None."""
        self.skip_blank()
        begin = self.p
        if self.peek() not in ("'", '"'):
            return None
        self.p += 1
        escaped = False
        while self.p < self.n:
            self.p += 1
            previous = self.text[self.p - 1]
            if previous == self.text[begin] and not escaped:
                break
            if escaped:
                escaped = False
            elif previous == "\\":
                escaped = True
        return self.text[begin : self.p]

    def read_number(self) -> str | None:
        self.skip_blank()
        decimal = digit = False
        count = 1 if self.peek() in ("+", "-") else 0
        while self.p + count <= self.n:
            ch = self.peek(count)
            if ch.isascii() and ch.isdigit():
                digit = True
                count += 1
            elif ch == "." and self.peek(count + 1) != ".":
                if decimal or not digit:
                    return None
                decimal = True
                count += 1
            else:
                break
        if digit and not is_word(self.peek(count)):
            self.p += count
            return self.text[self.p - count : self.p]
        return None

    def read_value(self) -> tuple[Evaluator, int] | None:
        """A value and where its source starts, or None."""
        self.skip_blank()
        begin = self.p
        variable: Evaluator | None = None
        end = self._match_words(_LITERAL_NAMES)
        if end >= 0:
            variable = _constant(LITERALS[self.text[self.p : end]])
            self.p = end
        elif (quoted := self.read_quoted()) is not None:
            variable = _constant(parse_string_literal(quoted))
        elif (number := self.read_number()) is not None:
            variable = _constant(js_number(number))
        elif self.peek() == "(":
            variable = self.read_range()
        props = self.read_properties(variable is None)
        if not props:
            return None if variable is None else (variable, begin)
        if variable is None:
            return scope_variable(props), begin
        return _property_access(variable, props), begin

    def read_range(self) -> Evaluator:
        self.p += 1
        low = self.read_value_or_throw()
        self.skip_blank()
        if self.peek() == "." and self.peek(1) == ".":
            self.p += 2
            high = self.read_value_or_throw()
            self.skip_blank()
            closing = self.peek()
            self.p += 1
            if closing != ")":
                raise self.error("invalid range syntax")
            return _range(low, high)
        raise self.error("invalid range syntax")

    def read_value_or_throw(self) -> Evaluator:
        value = self.read_value()
        if value is None:
            raise self.error(f"unexpected token {self.snapshot()}, value expected")
        return value[0]

    def read_properties(self, is_begin: bool) -> list[Evaluator]:
        props: list[Evaluator] = []
        while True:
            if self.peek() == "[":
                self.p += 1
                value = self.read_value()
                props.append(value[0] if value else _constant(""))
                if not self.read_to("]"):
                    raise self.error("[ not closed")
                continue
            if is_begin and not props:
                name = self.read_identifier()
                if name:
                    props.append(_constant(name))
                    continue
            if self.peek() == "." and self.peek(1) != ".":
                self.p += 1
                name = self.read_identifier()
                if not name:
                    break
                props.append(_constant(name))
                continue
            break
        return props

    def read_to(self, end: str) -> bool:
        while self.p < self.n:
            self.p += 1
            if self.text[self.p - 1] == end:
                return True
        return False

    def read_operator(self) -> str | None:
        self.skip_blank()
        end = self._match_words(_OPERATORS)
        if end < 0:
            return None
        operator = self.text[self.p : end]
        self.p = end
        return operator

    def read_expression(self) -> list[tuple[str, Any]]:
        """Operands and operators as far as they go, in postfix order."""
        postfix: list[tuple[str, Any]] = []
        operators: list[str] = []
        while self.p < self.n:
            operator = self.read_operator()
            if operator is not None:
                while operators and PRECEDENCE[operators[-1]] > PRECEDENCE[operator]:
                    postfix.append(("op", operators.pop()))
                operators.append(operator)
                continue
            value = self.read_value()
            if value is None:
                break
            postfix.append(("value", value[0]))
        postfix.extend(("op", operator) for operator in reversed(operators))
        return postfix

    def read_filtered_value(self) -> FilteredValue:
        postfix = self.read_expression()
        if not postfix:
            raise self.error(f"invalid value expression: {self.snapshot()}")
        return FilteredValue(_expression(postfix), self.read_filters())

    def read_filters(self) -> list[FilterCall]:
        filters: list[FilterCall] = []
        while (found := self.read_filter()) is not None:
            filters.append(found)
        return filters

    def read_filter(self) -> FilterCall | None:
        self.skip_blank()
        if self.at_end() or self.peek() in (")", ","):
            return None
        bar = self.peek()
        self.p += 1
        if bar != "|":
            raise self.error('expected "|" before filter')
        name = self.read_identifier()
        if not name:
            if not self.at_end():
                raise self.error("expected filter name")
            return None
        call = FilterCall(name)
        self.skip_blank()
        if self.peek() == ":":
            while True:
                self.p += 1
                argument = self.read_filter_argument()
                if argument is not None:
                    call.arguments.append(argument)
                self.skip_blank()
                if not (self.at_end() or self.peek() in (",", "|", ")")):
                    raise self.error(f"unexpected character {self.snapshot()}")
                if self.peek() != ",":
                    break
        elif not (self.at_end() or self.peek() in ("|", ")", ",")):
            raise self.error('expected ":" after filter name')
        return call

    def read_filter_argument(self) -> Evaluator | None:
        key = self.read_value()
        if key is None:
            return None
        self.skip_blank()
        if self.peek() != ":":
            return key[0]
        name = self.text[key[1] : self.p].rstrip("".join(BLANKS))
        self.p += 1
        value = self.read_value()
        argument = value[0] if value else _constant(MISSING)
        # a keyword argument reaches the filter as liquidjs passes it: a [name, value] pair among the arguments
        return lambda context: [name, argument(context)]
