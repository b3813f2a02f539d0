"""liquidjs's filters (10.30), as the mapping kit's `@liquid` runs them.

Each filter takes the value and the arguments as written (keyword arguments arrive as `[name, value]` pairs, as
liquidjs passes them); an argument that is missing, or undefined, takes the filter's default as in JavaScript.
Segment disables some filters (DISABLED_FILTERS); `sample` (random) is not implemented (UNSUPPORTED_FILTERS)
and refused with a clear error. The date filters are in liquid_dates.py.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import math
import re
import unicodedata
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from segcio.actions.jscompat import js_ordered
from segcio.actions.jsvalues import MISSING, json_stringify, number_to_string
from segcio.actions.jsvalues import truthy as js_truthy
from segcio.actions.liquid_dates import date, date_to_long_string, date_to_rfc822, date_to_string, date_to_xmlschema
from segcio.actions.liquid_syntax import Context, Tokenizer, scope_variable
from segcio.actions.liquid_values import (
    MEMORY_LIMIT,
    Drop,
    LiquidFilterError,
    equals,
    has_surrogate,
    is_nil,
    js_add,
    js_less,
    js_number,
    json_text,
    length,
    lookup,
    rejoin,
    stringify,
    to_liquid_number,
    truthy,
    units,
    value_of,
    well_formed,
)

DISABLED_FILTERS = frozenset({
    "array_to_sentence_string", "concat", "find", "find_exp", "find_index", "find_index_exp", "group_by",
    "group_by_exp", "has", "has_exp", "map", "newline_to_br", "reject", "reject_exp", "reverse", "sort",
    "sort_natural", "uniq", "where_exp", "type"})
UNSUPPORTED_FILTERS = frozenset({"sample"})
JS_SPACE = " \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028" \
    "\u2029\u202f\u205f\u3000\ufeff"
_SPACES = re.compile(f"[{JS_SPACE}]+")


def _arg(args: tuple[Any, ...], index: int, default: Any) -> Any:
    """JavaScript's default parameters: a missing or undefined argument takes the default."""
    return args[index] if index < len(args) and args[index] is not MISSING else default


# --- numbers ----------------------------------------------------------------------------------------------------


def _js_mod(a: float, b: float) -> float:
    if b == 0 or math.isinf(a) or a != a or b != b:
        return math.nan
    return a if math.isinf(b) else math.fmod(a, b)


def _numbers(function: Callable[..., float]) -> Callable[..., Any]:
    """liquidjs `argumentsToNumber`: the value and every argument through `+x || 0`."""
    return lambda value, *args: function(to_liquid_number(value), *(to_liquid_number(a) for a in args))


def _divided_by(value: float, divisor: float = math.nan, integer: float = 0, *_: float) -> float:
    quotient = (math.copysign(math.inf, value) if value else math.nan) if divisor == 0 else value / divisor
    return math.floor(quotient) if integer and math.isfinite(quotient) else quotient


def _rounded(function: Callable[[float], Any]) -> Callable[..., float]:
    return lambda value, *_: value if not math.isfinite(value) else float(function(value))


def _shift_decimal(number: float, exponent: float) -> float:
    mantissa, _, power = number_to_string(number).partition("e")
    return js_number(f"{mantissa}e{number_to_string(js_number(power or '0') + exponent)}")


def _round(value: Any, digits: Any = 0, *_: Any) -> float:
    number, places = to_liquid_number(value), to_liquid_number(_arg((digits,), 0, 0))
    scaled = _shift_decimal(abs(number), places)
    if not scaled <= 2**53 - 1:
        return number
    whole = math.floor(scaled)  # JavaScript's Math.round, without the float error of adding 0.5
    rounded = _shift_decimal(float(whole + 1 if scaled - whole >= 0.5 else whole), -places)
    return -rounded if number < 0 else rounded


def _plus(value: float, other: float = math.nan, *_: float) -> float:
    return value + other


def _minus(value: float, other: float = math.nan, *_: float) -> float:
    return value - other


def _times(value: float, other: float = math.nan, *_: float) -> float:
    return value * other


def _modulo(value: float, other: float = math.nan, *_: float) -> float:
    return _js_mod(_js_mod(value, other) + other, other)


def _max(*numbers: float) -> float:
    return max(numbers)


def _min(*numbers: float) -> float:
    return min(numbers)


# --- strings ----------------------------------------------------------------------------------------------------


def _text_filter(function: Callable[[str], str]) -> Callable[..., str]:
    return lambda value, *_: function(stringify(value))


def _append(value: Any, *args: Any) -> str:
    if len(args) != 1:
        raise LiquidFilterError("append expect 2 arguments")
    return stringify(value) + stringify(args[0])


def _prepend(value: Any, *args: Any) -> str:
    if len(args) != 1:
        raise LiquidFilterError("prepend expect 2 arguments")
    return stringify(args[0]) + stringify(value)


def _trim_set(value: Any, args: tuple[Any, ...]) -> tuple[str, set[str] | None]:
    chars = args[0] if args else MISSING
    # `if (chars)`: the argument as written, so a literal drop is an (empty) set of characters
    if js_truthy(chars):
        return stringify(value), set(stringify(chars))
    return stringify(value), None


def _strip(value: Any, *args: Any) -> str:
    text, chars = _trim_set(value, args)
    if chars is None:
        return text.strip(JS_SPACE)
    return text.strip("".join(chars)) if chars else text


def _lstrip(value: Any, *args: Any) -> str:
    text, chars = _trim_set(value, args)
    if chars is None:
        return text.lstrip(JS_SPACE)
    return text.lstrip("".join(chars)) if chars else text


def _rstrip(value: Any, *args: Any) -> str:
    text, chars = _trim_set(value, args)
    if chars is None:
        return text.rstrip(JS_SPACE)
    return text.rstrip("".join(chars)) if chars else text


def _texts(value: Any, *others: Any) -> list[str]:
    """The value and arguments as text; as UTF-16 code units when a lone surrogate is involved (JavaScript
    can then match half of a character)."""
    texts = [stringify(value), *(stringify(other) for other in others)]
    if any(not text.isascii() and has_surrogate(text) for text in texts):
        return [units(text) for text in texts]
    return texts


def _split(value: Any, *args: Any) -> list[str]:
    text, separator = _texts(value, _arg(args, 0, MISSING))
    parts = list(units(text)) if separator == "" else text.split(separator)
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _replace(value: Any, *args: Any) -> str:
    text, pattern, replacement = _texts(value, _arg(args, 0, ""), _arg(args, 1, ""))
    if pattern == "":
        return replacement.join(units(text))
    return text.replace(pattern, replacement)


def _replace_first(value: Any, *args: Any) -> str:
    text, pattern, replacement = _texts(value, _arg(args, 0, ""), _arg(args, 1, ""))
    return text.replace(pattern, replacement, 1)


def _replace_last(value: Any, *args: Any) -> str:
    text, pattern, replacement = _texts(value, _arg(args, 0, ""), _arg(args, 1, ""))
    index = text.rfind(pattern)
    return text if index < 0 else text[:index] + replacement + text[index + len(pattern):]


def _remove(value: Any, *args: Any) -> str:
    text, pattern = _texts(value, _arg(args, 0, ""))
    return text.replace(pattern, "") if pattern else text


def _remove_first(value: Any, *args: Any) -> str:
    text, pattern = _texts(value, _arg(args, 0, ""))
    return text.replace(pattern, "", 1)


def _remove_last(value: Any, *args: Any) -> str:
    return _replace_last(value, _arg(args, 0, ""), "")


def _capitalize(text: str) -> str:
    coded = units(text)
    return coded[:1].upper() + coded[1:].lower() if coded[:1] and ord(coded[0]) < 0xD800 else \
        coded[:1] + coded[1:].lower()


def _code_points(number: float) -> int:
    """How many code points `advanceCodePoints` steps over for a count (`i < count`)."""
    if number != number or number <= 0:
        return 0
    return int(min(math.ceil(number), 2**53))


def _truncate(value: Any, *args: Any) -> Any:
    text, limit, ending = stringify(value), js_number(_arg(args, 0, 50)), stringify(_arg(args, 1, "..."))
    characters = len(text)
    if length(text) <= limit or _code_points(limit) >= characters:
        return value
    keep = _code_points(max(limit - len(ending), 0)) if limit == limit else 0
    return text[:keep] + ending


def _truncatewords(value: Any, *args: Any) -> str:
    text, ending = stringify(value), stringify(_arg(args, 1, "..."))
    words = js_number(_arg(args, 0, 15))
    parts = _SPACES.split(text.lstrip(JS_SPACE))
    if words <= 0:
        words = 1
    count = 0 if words != words else int(min(words, 2**53))
    result = " ".join(parts[:count])
    if len(parts) >= words:
        result += ending
    return result


def _number_of_words(value: Any, *args: Any) -> int:
    text = stringify(value).strip(JS_SPACE)
    if not text:
        return 0
    mode = _arg(args, 0, MISSING)
    if mode in ("cjk", "auto"):
        cjk = len(_CJK.findall(text))
        if mode == "auto" and not cjk:
            return len(_SPACES.split(text))
        return cjk + len(_NON_CJK.findall(text))
    return len(_SPACES.split(text))


_CJK_RANGES = "\u4e00-\u9fff\uf900-\ufaff\u3400-\u4dbf\u3040-\u309f\u30a0-\u30ff\uac00-\ud7af"
_CJK = re.compile(f"[{_CJK_RANGES}]")
_NON_CJK = re.compile(f"[^{_CJK_RANGES}{JS_SPACE}]+")

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"}
_ESCAPE = re.compile("[&<>\"']")
_UNESCAPE = re.compile("&(amp|lt|gt|#34|#39);")
_UNESCAPES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&#34;": '"', "&#39;": "'"}


def _escape(text: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group()], text)


def _escape_once(text: str) -> str:
    return _escape(_UNESCAPE.sub(lambda m: _UNESCAPES[m.group()], text))


def _strip_html(text: str) -> str:
    """liquidjs's scanner: script/style/comment blocks and tags go; an opener that never closes stops it."""
    blocks = {"<script": "</script>", "<style": "</style>", "<!--": "-->", "<": ">"}
    out: list[str] = []
    index = 0
    while index < len(text):
        start = text.find("<", index)
        if start < 0:
            return "".join(out) + text[index:]
        out.append(text[index:start])
        for opener, closer in list(blocks.items()):
            if not text.startswith(opener, start):
                continue
            end = text.find(closer, start + len(opener))
            if end >= 0:
                index = end + len(closer)
                break
            del blocks[opener]
        if index <= start:
            return "".join(out) + text[start:]
    return "".join(out)


# --- URLs -------------------------------------------------------------------------------------------------------

_URI_COMPONENT_SAFE = "-_.!~*'()"
_URI_SAFE = _URI_COMPONENT_SAFE + ";,/?:@&=+$#"


def _encode(text: str, safe: str) -> str:
    try:
        return urllib.parse.quote(rejoin(text).encode("utf-8"), safe=safe)
    except UnicodeEncodeError:
        raise LiquidFilterError("URI malformed") from None


def _url_decode(text: str) -> str:
    """JavaScript's `decodeURIComponent`: a malformed escape fails."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    pieces: list[str] = []
    index = 0
    while index < len(text):
        if text[index] != "%":
            pieces.append(text[index])
            index += 1
            continue
        raw = bytearray()
        while index < len(text) and text[index] == "%":
            pair = text[index + 1 : index + 3]
            if len(pair) != 2 or not all(ch in "0123456789abcdefABCDEF" for ch in pair):
                raise LiquidFilterError("URI malformed")
            raw.append(int(pair, 16))
            index += 3
        try:
            pieces.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise LiquidFilterError("URI malformed") from None
    return "".join(pieces)


def _cgi_escape(text: str) -> str:
    encoded = _encode(text, _URI_COMPONENT_SAFE).replace("%20", "+")
    return re.sub(r"[!'()*]", lambda m: f"%{ord(m.group()):02X}", encoded)


def _uri_escape(text: str) -> str:
    return _encode(text, _URI_SAFE).replace("%5B", "[").replace("%5D", "]")


def _slug_keep(mode: str) -> Callable[[str], bool] | None:
    def word(ch: str) -> bool:
        category = unicodedata.category(ch)
        return category[0] in "LM" or category == "Nd"

    if mode in ("default", "latin"):
        return word
    if mode == "pretty":
        return lambda ch: word(ch) or ch in "._~!$&'()+,;=@"
    if mode == "ascii":
        return lambda ch: ch.isascii() and ch.isalnum()
    if mode == "raw":
        return lambda ch: ch not in JS_SPACE
    return None


_ACCENTS = [("àáâãäå", "a"), ("æ", "ae"), ("ç", "c"), ("èéêë", "e"), ("ìíîï", "i"), ("ð", "d"), ("ñ", "n"),
            ("òóôõöø", "o"), ("ùúûü", "u"), ("ýÿ", "y"), ("ß", "ss"), ("œ", "oe"), ("þ", "th"), ("ẞ", "SS"),
            ("Œ", "OE"), ("Þ", "TH")]


def _slugify(value: Any, *args: Any) -> str:
    text, mode, cased = stringify(value), _arg(args, 0, "default"), _arg(args, 1, False)
    keep = _slug_keep(mode) if isinstance(mode, str) else None
    if keep is not None:
        if mode == "latin":
            for accented, plain in _ACCENTS:
                text = re.sub(f"[{accented}]", plain, text)
        pieces: list[str] = []
        in_run = False
        for ch in text:
            if keep(ch):
                pieces.append(ch)
            elif not in_run:
                pieces.append("-")
            in_run = not keep(ch)
        slug = "".join(pieces)
        slug = slug[1:] if slug.startswith("-") else slug
        text = slug[:-1] if slug.endswith("-") else slug
    return text if js_truthy(cased) else text.lower()


# --- arrays -----------------------------------------------------------------------------------------------------


def _to_array(value: Any) -> list[Any]:
    value = value_of(value)
    if is_nil(value):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _join_item(item: Any) -> str:
    """`Array.prototype.join` of one element: null and undefined are empty, nested arrays joined with ','."""
    if is_nil(item):
        return ""
    if type(item) is Drop:  # an object to `Array.prototype.join`
        return "[object Object]"
    if isinstance(item, list | tuple):
        return ",".join(_join_item(element) for element in item)
    return stringify(item)


def _join(value: Any, *args: Any) -> str:
    separator = value_of(_arg(args, 0, MISSING))
    return (" " if is_nil(separator) else stringify(separator)).join(_join_item(i) for i in _to_array(value))


def _first(value: Any, *_: Any) -> Any:
    value = value_of(value)
    if isinstance(value, list | tuple):
        return value[0] if value else MISSING
    if isinstance(value, str) and value:
        return units(value)[0]
    return ""


def _last(value: Any, *_: Any) -> Any:
    value = value_of(value)
    if isinstance(value, list | tuple):
        return value[-1] if value else MISSING
    if isinstance(value, str) and value:
        return units(value)[-1]
    return ""


def _size(value: Any, *_: Any) -> Any:
    """`(v && v.length) || 0`: an object's size is its `length` key, if it has a truthy one."""
    if isinstance(value, str):
        return length(value)
    if isinstance(value, list | tuple):
        return len(value)
    if isinstance(value, Mapping):
        found = value.get("length", MISSING)
        return found if js_truthy(found) else 0
    return 0


def _integer(value: Any) -> float:
    """JavaScript's ToIntegerOrInfinity."""
    number = js_number(value)
    return 0 if number != number else number if math.isinf(number) else float(math.trunc(number))


def _bound(index: float, size: int) -> int:
    """An `Array.prototype.slice` bound."""
    return int(max(size + index, 0) if index < 0 else min(index, size))


def _slice(value: Any, *args: Any) -> Any:
    """liquidjs's slice, with JavaScript's arithmetic on the arguments as written (`"1"` is text)."""
    value = value_of(value)
    if is_nil(value):
        return []
    sequence: list[Any] | str = list(value) if isinstance(value, list | tuple) else stringify(value)
    begin, count = _arg(args, 0, MISSING), _arg(args, 1, 1)
    if js_less(begin, 0):
        begin = js_add(len(sequence), begin)
    if js_less(begin, 0) or js_less(count, 0):
        return [] if isinstance(sequence, list) else ""
    if js_number(count) > MEMORY_LIMIT:
        raise LiquidFilterError("memory alloc limit exceeded")
    if isinstance(sequence, list):
        return sequence[_bound(_integer(begin), len(sequence)) : _bound(_integer(js_add(begin, count)), len(sequence))]
    start = _code_points(js_number(begin))
    return sequence[start : start + _code_points(js_number(count))]


def _compact(value: Any, *_: Any) -> list[Any]:
    return [item for item in _to_array(value) if not is_nil(value_of(item))]


def _sum(value: Any, *args: Any) -> float:
    total = 0.0
    path = stringify(args[0]).split(".") if args and js_truthy(args[0]) else None
    for item in _to_array(value):
        if path is not None:
            for key in path:
                item = lookup(item, key)
        number = js_number(item)
        total += 0 if number != number else number
    return total


@functools.lru_cache(maxsize=256)
def _property_path(path: str) -> Callable[[Context], Any] | None:
    """liquidjs's `readScopeValue` of a `where` property (`a.b`, `a[0]`), or None when there is no path."""
    reader = Tokenizer(path)
    reader.skip_blank()
    props = reader.read_properties(True)
    return scope_variable(props) if props else None


def _item_scope(item: Any) -> dict[str, Any]:
    """What liquidjs's `in` finds on an array element used as a scope: an object's keys, an array's or a
    string's indexes and `length`, nothing on a number."""
    item = value_of(item)
    if isinstance(item, dict):
        return item
    if isinstance(item, list | tuple | str):
        elements = units(item) if isinstance(item, str) else item
        return {**{str(index): element for index, element in enumerate(elements)}, "length": len(elements)}
    return {}


def _where(value: Any, *args: Any) -> list[Any]:
    """Elements whose property is truthy (no value given) or equals the value."""
    path = _property_path(stringify(args[0] if args else MISSING))
    expected = args[1] if len(args) > 1 else MISSING
    kept = []
    for item in _to_array(value):
        found = MISSING if path is None else path(Context(_item_scope(item)))
        if truthy(found) if expected is MISSING else equals(found, expected):
            kept.append(item)
    return kept


def _push(value: Any, *args: Any) -> list[Any]:
    return [*_to_array(value), args[0] if args else MISSING]


def _unshift(value: Any, *args: Any) -> list[Any]:
    return [args[0] if args else MISSING, *_to_array(value)]


def _default(value: Any, *args: Any) -> Any:
    value, fallback = value_of(value), args[0] if args else MISSING
    if isinstance(value, str | list | tuple):
        return value if len(value) else fallback
    if value is False and any(isinstance(a, list) and len(a) == 2 and a[0] == "allow_false" and js_truthy(a[1])
                              for a in args[1:]):
        return False
    return value if not is_nil(value) and value is not False else fallback


# --- JSON, base64, hashes ---------------------------------------------------------------------------------------


def _json(value: Any, *args: Any) -> Any:
    space, value = value_of(_arg(args, 0, 0)), js_ordered(_plain(value))
    text = json_stringify(value)
    if text is MISSING:
        return MISSING
    indent = ""
    if isinstance(space, int | float) and not isinstance(space, bool):
        indent = " " * int(max(0, min(10, space))) if space == space else ""
    elif isinstance(space, str):
        indent = space[:10]
    return json_text(_indent(value, indent) if indent else str(text))


def _plain(value: Any) -> Any:
    """What `JSON.stringify` sees: a literal drop is an object without keys."""
    if type(value) is Drop:
        return {}
    if isinstance(value, list | tuple) and any(type(item) is Drop or isinstance(item, list) for item in value):
        return [_plain(item) for item in value]
    return value




def _indent(value: Any, indent: str, depth: int = 0) -> str:
    inner, outer = "\n" + indent * (depth + 1), "\n" + indent * depth
    if isinstance(value, list | tuple) and value:
        return "[" + ",".join(inner + ("null" if v is MISSING else _indent(v, indent, depth + 1))
                              for v in value) + outer + "]"
    if isinstance(value, Mapping):
        items = [(k, v) for k, v in value.items() if v is not MISSING]
        if items:
            return "{" + ",".join(f"{inner}{json_stringify(str(k))}: {_indent(v, indent, depth + 1)}"
                                  for k, v in items) + outer + "}"
    text = json_stringify(value)
    return "null" if text is MISSING else str(text)


def _utf8(text: str) -> bytes:
    """Node's UTF-8 encoding: a lone surrogate is U+FFFD."""
    return well_formed(text).encode()


def _base64_decode(text: str) -> str:
    compact = re.sub("[\t\n\f\r ]", "", text)
    if len(compact) % 4 == 0:
        compact = re.sub("==?$", "", compact)
    if len(compact) % 4 == 1 or not re.fullmatch("[A-Za-z0-9+/]*", compact):
        raise LiquidFilterError("invalid base64 provided to base64_decode")
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4))
    except binascii.Error:
        raise LiquidFilterError("invalid base64 provided to base64_decode") from None
    return raw.decode("utf-8", "replace")


def _hmac_sha256(value: Any, *args: Any) -> str:
    key = _utf8(stringify(_arg(args, 0, MISSING)))
    return hmac.new(key, _utf8(stringify(value)), hashlib.sha256).hexdigest()


def _identity(value: Any, *_: Any) -> Any:
    return value


FILTERS: dict[str, Callable[..., Any]] = {
    "escape": _text_filter(_escape),
    "xml_escape": _text_filter(_escape),
    "escape_once": _text_filter(_escape_once),
    "strip_html": _text_filter(_strip_html),
    "abs": _numbers(lambda v, *_: abs(v)),
    "at_least": _numbers(_max),
    "at_most": _numbers(_min),
    "ceil": _numbers(_rounded(math.ceil)),
    "floor": _numbers(_rounded(math.floor)),
    "divided_by": _numbers(_divided_by),
    "minus": _numbers(_minus),
    "plus": _numbers(_plus),
    "modulo": _numbers(_modulo),
    "times": _numbers(_times),
    "round": _round,
    "url_decode": _text_filter(_url_decode),
    "url_encode": _text_filter(lambda t: _encode(t, _URI_COMPONENT_SAFE).replace("%20", "+")),
    "cgi_escape": _text_filter(_cgi_escape),
    "uri_escape": _text_filter(_uri_escape),
    "slugify": _slugify,
    "join": _join,
    "first": _first,
    "last": _last,
    "size": _size,
    "sum": _sum,
    "date": date,
    "date_to_xmlschema": date_to_xmlschema,
    "date_to_rfc822": date_to_rfc822,
    "date_to_string": date_to_string,
    "date_to_long_string": date_to_long_string,
    "where": _where,
    "compact": _compact,
    "push": _push,
    "unshift": _unshift,
    "pop": lambda value, *_: _to_array(value)[:-1],
    "shift": lambda value, *_: _to_array(value)[1:],
    "slice": _slice,
    "append": _append,
    "prepend": _prepend,
    "lstrip": _lstrip,
    "rstrip": _rstrip,
    "strip": _strip,
    "downcase": _text_filter(str.lower),
    "upcase": _text_filter(str.upper),
    "capitalize": _text_filter(_capitalize),
    "remove": _remove,
    "remove_first": _remove_first,
    "remove_last": _remove_last,
    "replace": _replace,
    "replace_first": _replace_first,
    "replace_last": _replace_last,
    "split": _split,
    "strip_newlines": _text_filter(lambda t: re.sub("\r?\n", "", t)),
    "squish": _text_filter(lambda t: _SPACES.sub(" ", t).strip(JS_SPACE)),
    "normalize_whitespace": _text_filter(lambda t: _SPACES.sub(" ", t)),
    "truncate": _truncate,
    "truncatewords": _truncatewords,
    "number_of_words": _number_of_words,
    "base64_encode": _text_filter(lambda t: base64.b64encode(_utf8(t)).decode()),
    "base64_decode": _text_filter(_base64_decode),
    "sha256": _text_filter(lambda t: hashlib.sha256(_utf8(t)).hexdigest()),
    "hmac_sha256": _hmac_sha256,
    "default": _default,
    "raw": _identity,
    "json": _json,
    "jsonify": _json,
    "inspect": _json,
    "to_integer": lambda value, *_: js_number(value),
}
