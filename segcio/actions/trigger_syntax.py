"""Trigger syntax: the tokenizer and the recursive-descent parser producing the condition tree (AST).

The tree has the shape Segment's condition builder uses (`{"type": "group", "operator": "and", "children":
[...]}`, leaves `{"type": "event-property", "name": "plan", "operator": "=", "value": "pro"}`), plus two
extensions: `{"type": "not", "child": ...}` and the operators `is_not_true` / `is_not_false`. Grammar and
choices: docs/actions-language.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from segcio.actions.jsvalues import MISSING, is_number, number_to_string
from segcio.actions.paths import split_trigger_name
from segcio.errors import Invalid

MAX_TRIGGER_LENGTH = 100_000
MAX_NESTING = 64

# Field heads and the reference's condition types.
SIMPLE_FIELDS = {"type": "event-type", "event": "event", "name": "name", "userId": "userId"}
NESTED_FIELDS = {"properties": "event-property", "traits": "event-trait", "context": "event-context"}
ROOT_OF_TYPE = {**{v: k for k, v in SIMPLE_FIELDS.items()}, **{v: k for k, v in NESTED_FIELDS.items()}}
_FIELD_HINT = "type, event, name, userId, properties.<path>, traits.<path> or context.<path>"
_VALUE_HINT = "a value (a double-quoted string, a number, true, false or null)"
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SPECIAL_NUMBERS = {"NaN": float("nan"), "Infinity": float("inf")}


class TriggerError(Invalid, ValueError):
    """An invalid trigger; `message` says what is wrong and where, `position` is the 0-based offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


# --- tokens ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # string | number | word | op | not | ( | ) | , | end
    text: str  # source text of the token
    pos: int
    value: Any = None  # string: its content; number: float; word: tuple of name parts
    escaped: bool = False  # word written with '\' escapes (never a keyword)


def _is_name_char(char: str) -> bool:
    if char.isascii():
        return char.isalnum() or char == "_" or char == "-"
    return char.isalnum()


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in " \t\n\r":
            i += 1
        elif char == '"' or char == "'":
            end = text.find(char, i + 1)
            if end < 0:
                raise TriggerError(f"Unterminated string starting at position {i}: add the closing {char}", i)
            tokens.append(_Token("string", text[i : end + 1], i, text[i + 1 : end]))
            i = end + 1
        elif char in "(),":
            tokens.append(_Token(char, char, i))
            i += 1
        elif char == "=":
            if text.startswith("==", i):
                raise TriggerError(f"Unexpected '==' at position {i}: compare with a single '='", i)
            tokens.append(_Token("op", "=", i))
            i += 1
        elif char == "!":
            if text.startswith("!=", i):
                tokens.append(_Token("op", "!=", i))
                i += 2
            else:
                tokens.append(_Token("not", "!", i))
                i += 1
        elif char in "<>":
            op = text[i : i + 2] if text.startswith("=", i + 1) else char
            tokens.append(_Token("op", op, i))
            i += len(op)
        elif (char.isdigit() and char.isascii()) or (char in "+-." and _starts_number(text, i)):
            i = _lex_number(text, i, tokens)
        elif char == "\\" or char == "_" or (char.isalpha()):
            i = _lex_word(text, i, tokens)
        else:
            raise TriggerError(f"Unexpected character {char!r} at position {i}", i)
    tokens.append(_Token("end", "", n))
    return tokens


def _starts_number(text: str, i: int) -> bool:
    rest = text[i + 1 : i + 2]
    if text[i] in "+-" and text.startswith("Infinity", i + 1):
        return True
    return bool(rest) and ((rest.isdigit() and rest.isascii()) or (rest == "." and text[i] != "."))


def _lex_number(text: str, i: int, tokens: list[_Token]) -> int:
    if text[i] in "+-" and text.startswith("Infinity", i + 1):
        end = i + 9
        value = float("-inf") if text[i] == "-" else float("inf")
    else:
        found = _NUMBER.match(text, i)
        if not found:
            raise TriggerError(f"Invalid number at position {i}", i)
        end = found.end()
        value = float(found.group())
    if end < len(text) and (_is_name_char(text[end]) or text[end] == "."):
        raise TriggerError(f"Invalid number {text[i : end + 1]!r} at position {i}", i)
    tokens.append(_Token("number", text[i:end], i, value))
    return end


def _lex_word(text: str, i: int, tokens: list[_Token]) -> int:
    """A name, possibly dotted (`properties.product\\ 1.price`); `\\x` stands for the character x."""
    start, n = i, len(text)
    parts: list[str] = []
    escaped = False
    while True:
        part: list[str] = []
        while i < n:
            char = text[i]
            if char == "\\":
                if i + 1 >= n:
                    raise TriggerError(f"Expected a character after '\\' at position {i}", i)
                part.append(text[i + 1])
                escaped = True
                i += 2
            elif _is_name_char(char):
                part.append(char)
                i += 1
            else:
                break
        if not part:
            raise TriggerError(f"Expected a name after '.' at position {i}", i)
        parts.append(_join_surrogates("".join(part)))
        if i < n and text[i] == ".":
            i += 1
            continue
        break
    tokens.append(_Token("word", text[start:i], start, tuple(parts), escaped))
    return i


def _join_surrogates(text: str) -> str:
    """The condition builder escapes UTF-16 halves separately (`\\<high>\\<low>`); put such pairs back together."""
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return text


# --- parser -> AST -------------------------------------------------------------------------------------------

Ast = dict[str, Any]


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def fail(self, token: _Token, expected: str) -> TriggerError:
        if token.kind == "end":
            return TriggerError(f"Unexpected end of trigger at position {token.pos}: expected {expected}", token.pos)
        shown = token.text if len(token.text) <= 40 else token.text[:37] + "..."
        return TriggerError(f"Unexpected token '{shown}' at position {token.pos}: expected {expected}", token.pos)

    def parse(self) -> Ast:
        node = self.parse_or()
        token = self.peek()
        if token.kind != "end":
            raise self.fail(token, "'and', 'or' or the end of the trigger")
        if node["type"] != "group":
            node = {"type": "group", "operator": "and", "children": [node]}
        return node

    def is_connective(self, word: str) -> bool:
        token = self.peek()
        return token.kind == "word" and not token.escaped and token.text.lower() == word

    def parse_or(self) -> Ast:
        return self.parse_chain("or", self.parse_and)

    def parse_and(self) -> Ast:
        return self.parse_chain("and", self.parse_unary)

    def parse_chain(self, word: str, operand: Callable[[], Ast]) -> Ast:
        children = [operand()]
        while self.is_connective(word):
            self.advance()
            children.append(operand())
        if len(children) == 1:
            return children[0]
        return {"type": "group", "operator": word, "children": children}

    def nest(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise TriggerError(f"Too deeply nested at position {token.pos}: at most {MAX_NESTING} levels", token.pos)

    def parse_unary(self) -> Ast:
        token = self.peek()
        if token.kind == "not":
            self.advance()
            self.nest(token)
            following = self.peek()
            if self.is_function(following):
                node = self.parse_call(negate=True)
            elif following.kind in ("(", "not"):
                node = {"type": "not", "child": self.parse_unary()}
            else:
                raise self.fail(following, "contains(...), match(...) or a parenthesised condition after '!'")
            self.depth -= 1
            return node
        if token.kind == "(":
            self.advance()
            self.nest(token)
            node = self.parse_or()
            closing = self.peek()
            if closing.kind != ")":
                raise self.fail(closing, f"')' to close the '(' at position {token.pos}")
            self.advance()
            self.depth -= 1
            return node
        if self.is_function(token):
            return self.parse_call(negate=False)
        if token.kind == "word" and not (self.is_connective("and") or self.is_connective("or")):
            return self.parse_comparison()
        raise self.fail(token, "a condition")

    def is_function(self, token: _Token) -> bool:
        return (token.kind == "word" and not token.escaped and token.text in ("contains", "match")
                and self.tokens[self.index + 1].kind == "(")

    def parse_field(self) -> tuple[str, str | None]:
        """(condition type, nested name or None) of the field at the current token."""
        token = self.advance()
        if token.kind != "word":
            raise self.fail(token, f"a field ({_FIELD_HINT})")
        head, *rest = ".".join(token.value).split(".")
        if head in SIMPLE_FIELDS:
            if rest:
                raise TriggerError(f"Field '{head}' at position {token.pos} has no sub-fields", token.pos)
            return SIMPLE_FIELDS[head], None
        if head in NESTED_FIELDS:
            name = ".".join(rest)
            if not split_trigger_name(name):
                raise TriggerError(
                    f"Field '{head}' at position {token.pos} needs a path, for example {head}.plan", token.pos)
            return NESTED_FIELDS[head], name
        raise TriggerError(f"Unknown field '{token.text}' at position {token.pos}: expected {_FIELD_HINT}", token.pos)

    def parse_literal(self, expected: str) -> _Token:
        token = self.advance()
        if token.kind in ("string", "number"):
            return token
        if token.kind == "word" and not token.escaped:
            if token.text in ("true", "false", "null"):
                return token
            if token.text in _SPECIAL_NUMBERS:
                return _Token("number", token.text, token.pos, _SPECIAL_NUMBERS[token.text])
            raise TriggerError(
                f"Unexpected word '{token.text}' at position {token.pos}: expected {expected}; "
                f'put text in double quotes ("{token.text}")', token.pos)
        raise self.fail(token, expected)

    def parse_comparison(self) -> Ast:
        kind, name = self.parse_field()
        op_token = self.advance()
        if op_token.kind != "op":
            raise self.fail(op_token, "an operator (=, !=, <, <=, >, >=)")
        value = self.parse_literal(_VALUE_HINT)
        return _leaf(kind, name, _comparison_operator(op_token.text, value), _comparison_value(op_token.text, value))

    def parse_call(self, negate: bool) -> Ast:
        function = self.advance().text
        self.advance()  # '(' (checked by is_function)
        kind, name = self.parse_field()
        comma = self.advance()
        if comma.kind != ",":
            raise self.fail(comma, "',' between the field and the text")
        if function == "contains":
            value = self.parse_literal("the text to look for (a double-quoted string)")
            if value.text == "null":
                raise self.fail(value, "the text to look for (a double-quoted string)")
            text = value.value if value.kind == "string" else _literal_text(value)
            operator = "not_contains" if negate else "contains"
        else:
            value = self.advance()
            if value.kind != "string":
                raise self.fail(value, 'a double-quoted pattern such as "Order*" or "*Completed"')
            operator, text = _match_operator(value.value, negate)
        closing = self.advance()
        if closing.kind != ")":
            raise self.fail(closing, f"')' to close {function}(")
        return _leaf(kind, name, operator, text)


def _literal_text(token: _Token) -> str:
    """`String(value)` of a number / true / false literal."""
    return number_to_string(token.value) if token.kind == "number" else token.text


def _comparison_operator(op: str, value: _Token) -> str:
    if value.kind == "word":  # true, false, null
        if op not in ("=", "!="):
            raise TriggerError(
                f"Operator '{op}' at position {value.pos} needs a number, not {value.text}", value.pos)
        return {
            ("=", "true"): "is_true", ("=", "false"): "is_false", ("=", "null"): "not_exists",
            ("!=", "true"): "is_not_true", ("!=", "false"): "is_not_false", ("!=", "null"): "exists",
        }[(op, value.text)]
    if value.kind == "number" and op in ("=", "!="):
        return "number_equals" if op == "=" else "number_not_equals"
    return op


def _comparison_value(op: str, value: _Token) -> Any:
    if value.kind == "word":
        return MISSING  # the operator says it all
    if value.kind == "number":
        return value.value
    return value.value  # string content (quotes removed, no escape sequences)


def _match_operator(pattern: str, negate: bool) -> tuple[str, str]:
    """`match(x, "a*")` is starts-with, `match(x, "*a")` ends-with; without '*' at either end, equality."""
    if pattern.endswith("*"):
        return ("not_starts_with" if negate else "starts_with"), pattern[:-1]
    if pattern.startswith("*"):
        return ("not_ends_with" if negate else "ends_with"), pattern[1:]
    return ("!=" if negate else "="), pattern


def _leaf(kind: str, name: str | None, operator: str, value: Any) -> Ast:
    node: Ast = {"type": kind}
    if name is not None:
        node["name"] = name
    node["operator"] = operator
    if value is not MISSING:
        if kind in SIMPLE_FIELDS.values() and not is_number(value):
            value = str(value)
        if is_number(value) and float(value).is_integer() and abs(value) < 2**53:
            value = int(value)  # JSON shows 10, not 10.0, as the builder's JavaScript would
        node["value"] = value
    return node


def parse_trigger(text: str) -> Ast:
    """The condition tree of a trigger; raises TriggerError (with the position of the problem)."""
    if len(text) > MAX_TRIGGER_LENGTH:
        raise TriggerError(
            f"Trigger too long at position {MAX_TRIGGER_LENGTH}: at most {MAX_TRIGGER_LENGTH} characters",
            MAX_TRIGGER_LENGTH)
    return _Parser(text).parse()
