"""Generated `@liquid` templates and event data for the differential test against liquidjs (test_liquid.py).

The data is drawn by Hypothesis (strings full of separators, white space, quotes and non-BMP characters;
integers, floats and negative numbers; arrays, nested arrays, objects; nulls and missing keys). Templates come
from a grammar over the filters and tags the mapping kit's liquidjs allows, plus the ones it disables, unknown
names and broken syntax, so that refusals are compared too. A batch of templates is generated from one seed
drawn by Hypothesis: thousands of templates cost one draw each, and the CI profile makes the seeds fixed.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import strategies as st

SAFE_INT = 2**53 - 1

# --- data ---------------------------------------------------------------------------------------------------------

STRING_PIECES = ["a", "b", "B", "ab", "Ab", "é", "ß", "\U0001f600", "日本", " ", "  ", "\t", "\n", ",", ", ", "-",
                 "|", "'", '"', "<b>", "&", "1", "2.5", "-3", "0", "%20", "+", ".", "x y", "&amp;", "=", "_",
                 "İ", "ΣΑΣ", "ǅ", "\u00a0", "\u2028", "\ufeff", "\u200b", "%E2%82", "%C3%A9", "0x1F", "1e3", " 7 "]
strings = st.lists(st.sampled_from(STRING_PIECES), max_size=6).map("".join)
numbers = st.one_of(st.integers(-1000, 1000), st.integers(-SAFE_INT, SAFE_INT),
                    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
                    st.sampled_from([0, -0.0, 0.5, -0.5, 1.5, -2.5, 2.5, 1e21, 1e-7, 0.1, 3]))
scalars = st.one_of(strings, numbers, st.booleans(), st.none())
arrays = st.lists(scalars, max_size=4)
nested_arrays = st.lists(st.one_of(scalars, arrays), max_size=4)
objects = st.dictionaries(st.sampled_from(["a", "b", "size", "first", "0"]), scalars, max_size=3)
anything = st.one_of(scalars, arrays, nested_arrays, objects)

timestamps = st.one_of(
    st.builds(lambda seconds, zone: datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", zone),
              st.integers(-2 * 10**9, 4 * 10**9), st.sampled_from(["Z", "+05:30", "-08:00", "", ".123Z"])),
    st.integers(-10**10, 10**10), st.integers(0, 4 * 10**9).map(str), st.floats(-1e10, 1e10),
    st.sampled_from(["2024-02-29", "25 Mar 2015", "Mar 25 2015 10:00", "2015-03-25 10:00", "now?", "1e3",
                     "2024-13-01", "Tue, 01 Nov 2016 01:23:45 GMT", "-000001-01-01T00:00:00Z", "+275760-09-13",
                     "0000-06-01T12:00:00Z", "1800-01-01", "-271821-04-20T00:00:00Z"]))
event_data = st.fixed_dictionaries(
    {"s": strings, "n": st.integers(-1000, 1000), "f": numbers, "arr": arrays, "obj": objects},
    optional={
        "t": strings, "w": st.sampled_from(["", " ", "  \t", "\n", " a ", "a  b"]), "nil": st.none(),
        "b": st.booleans(), "e": st.sampled_from(["", [], {}]), "timestamp": timestamps, "ts": timestamps,
 "nested": nested_arrays, "v": anything,
        "list": st.lists(objects, max_size=3), "num": st.integers(-50, 50).map(str),
        "properties": st.fixed_dictionaries({}, optional={"name": strings, "price": numbers, "tags": arrays,
                                                          "items": st.lists(objects, max_size=3)}),
        "traits": st.fixed_dictionaries({}, optional={"email": strings, "first_name": strings,
                                                      "last_name": st.none(), "age": numbers}),
    })

# --- templates ----------------------------------------------------------------------------------------------------

VARIABLES = ["timestamp", "ts", "s", "t", "n", "f", "w", "nil", "b", "e", "arr", "nested", "obj", "v", "list", "num",
             "missing",
             "properties.name", "properties.price", "properties.tags", "properties.items", "properties.missing",
             "traits.email", "traits.first_name", "traits.last_name", "traits.age", "arr[0]", "arr[-1]", "arr[9]",
             "arr.size", "arr.first", "arr.last", "s.size", "obj.a", "obj.size", "obj['b']", "nested[0]",
             "nested.first", "list[0].a", "list.last.b", "properties.tags[1]", "e.size", "missing.x", "x", "c",
             "nil.size", "arr['0']", "arr[0.5]", "obj[0]", "['s']", "size", "first", "s.length", "arr.length",
             "e.first", "w.size", "s[0]", "s[-1]", "blank.size", "(1..3)", "(-2..num)", "(b..2)", "properties"]
STRING_LITERAL_PIECES = ["a", "b", "a.b", "first", "size", "length", "0", "cjk", "auto", "pretty", "ascii", "latin",
                         "raw", "A", "é", "\U0001f600", " ", "  ", "\t", ",", ", ", "-", "|", "x", "1", "2.5",
                         "<p>", "&", "%", "+", "=", ""]
NUMBER_LITERALS = ["0", "1", "2", "3", "-1", "-2", "10", "2.5", "-0.5", "0.5", "1.25", "100", "-7", "1.0", "1.", "+1",
                   "-0", "007", "1e3"]
ESCAPED_STRINGS = ["'a\\'b'", '"\\n"', "'\\u00e9'", "'\\101'", "'tab\\t'", '"}}"', "'%}'"]
KEYWORDS = ["true", "false", "nil", "null", "empty", "blank"]

# name -> (min, max) positional arguments; liquidjs filters Segment allows
FILTERS: dict[str, tuple[int, int]] = {
    "upcase": (0, 0), "downcase": (0, 0), "capitalize": (0, 0), "append": (1, 1), "prepend": (1, 1),
    "plus": (1, 1), "minus": (1, 1), "times": (1, 1), "divided_by": (1, 1), "modulo": (1, 1), "abs": (0, 0),
    "ceil": (0, 0), "floor": (0, 0), "round": (0, 1), "at_least": (1, 1), "at_most": (1, 1), "default": (0, 1),
    "size": (0, 0), "first": (0, 0), "last": (0, 0), "join": (0, 1), "split": (0, 1), "compact": (0, 0),
    "strip": (0, 1), "lstrip": (0, 1), "rstrip": (0, 1), "strip_html": (0, 0), "truncate": (0, 2),
    "truncatewords": (0, 2), "replace": (1, 2), "replace_first": (1, 2), "replace_last": (1, 2), "remove": (1, 1),
    "remove_first": (1, 1), "remove_last": (1, 1), "slice": (1, 2), "url_encode": (0, 0), "url_decode": (0, 0),
    "escape": (0, 0), "escape_once": (0, 0), "xml_escape": (0, 0), "json": (0, 0), "jsonify": (0, 0),
    "strip_newlines": (0, 0), "squish": (0, 0), "normalize_whitespace": (0, 0), "cgi_escape": (0, 0),
    "uri_escape": (0, 0), "base64_encode": (0, 0), "base64_decode": (0, 0), "sha256": (0, 0),
    "hmac_sha256": (1, 1), "to_integer": (0, 0), "push": (1, 1), "pop": (0, 0), "shift": (0, 0),
    "unshift": (1, 1), "sum": (0, 1), "number_of_words": (0, 1), "raw": (0, 0), "where": (1, 2), "inspect": (0, 1),
    "slugify": (0, 2),
}
DATE_FILTERS = {"date": (0, 2), "date_to_xmlschema": (0, 0), "date_to_rfc822": (0, 0), "date_to_string": (0, 2),
                "date_to_long_string": (0, 2)}
DATE_ARGUMENTS = [
    "'%Y-%m-%d'", "'%s'", "'%a %A %b %B %h %C %d %e %H %I %j %k %l %L %m %M %N %p %P %q %S %u %U %w %W %y %Y'",
    "'%z %:z %Z'", "'%c | %x | %X'", "'%-d/%-m %_H %05Y %^a %#B %#p %3N %10e %E %O %Q %%'", "nil", "'ordinal'",
    "'US'", "-120", "330", "'America/New_York'", "'UTC'", "'asia/kolkata'", "'Bad/Zone'", "0", "45.5", "ts", "s",
    "'%Y %j %U %W'", "'%'", "'at %l:%M%P'"]
DISABLED_FILTERS = ["reverse", "sort", "map", "uniq", "concat", "where_exp", "type", "newline_to_br"]
UNKNOWN_FILTERS = ["pluralize", "nosuch", "upcase2"]
COMPARATORS = ["==", "!=", "<>", "<", "<=", ">", ">=", "contains", "==", "contains"]


class TemplateGenerator:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def pick(self, options: list[str]) -> str:
        return self.random.choice(options)

    def chance(self, probability: float) -> bool:
        return self.random.random() < probability

    def string_literal(self) -> str:
        quote = self.pick(["'", '"'])
        body = "".join(self.pick(STRING_LITERAL_PIECES) for _ in range(self.random.randint(0, 3)))
        return quote + body + quote

    def value(self) -> str:
        roll = self.random.random()
        if roll < 0.55:
            return self.pick(VARIABLES)
        if roll < 0.72:
            return self.string_literal()
        if roll < 0.75:
            return self.pick(ESCAPED_STRINGS)
        if roll < 0.9:
            return self.pick(NUMBER_LITERALS)
        return self.pick(KEYWORDS)

    def filter(self) -> str:
        roll = self.random.random()
        if roll < 0.12:
            name = self.pick(list(DATE_FILTERS))
            low, high = DATE_FILTERS[name]
            count = self.random.randint(low, high)
            return f" | {name}" + (": " + ", ".join(self.pick(DATE_ARGUMENTS) for _ in range(count)) if count else "")
        if roll < 0.975:
            name = self.pick(list(FILTERS))
            low, high = FILTERS[name]
        else:
            name, low, high = self.pick(DISABLED_FILTERS + UNKNOWN_FILTERS), 0, 1
        count = self.random.randint(low, high)
        arguments = [self.value() for _ in range(count)]
        if name == "default" and self.chance(0.3):
            arguments.append(f"allow_false: {self.pick(['true', 'false', 'b'])}")
        elif self.chance(0.03):
            arguments.append(f"key: {self.value()}")
        return f" | {name}" + (": " + ", ".join(arguments) if arguments else "")

    def filtered(self) -> str:
        head = self.value() if self.chance(0.93) else self.condition()
        return head + "".join(self.filter() for _ in range(self.random.randint(0, 3)))

    def condition(self) -> str:
        parts = []
        for _ in range(self.random.randint(1, 3)):
            term = ("not " if self.chance(0.05) else "") + self.value()
            if self.chance(0.8):
                term += f" {self.pick(COMPARATORS)} {self.value()}"
            parts.append(term)
        joined = parts[0]
        for part in parts[1:]:
            joined += f" {self.pick(['and', 'or'])} {part}"
        return joined

    def tag(self, name: str, markup: str = "") -> str:
        left, right = self.pick(["{%", "{%", "{%-"]), self.pick(["%}", "%}", "-%}"])
        return f"{left} {name}{' ' + markup if markup else ''} {right}"

    def output(self) -> str:
        left, right = self.pick(["{{", "{{", "{{-"]), self.pick(["}}", "}}", "-}}"])
        return f"{left} {self.filtered()} {right}"

    def text(self) -> str:
        return self.pick(["", " ", "x", "Hi ", "\n", " - ", "a,b", "  "])

    def block(self, depth: int) -> str:
        return "".join(self.node(depth + 1) for _ in range(self.random.randint(1, 3)))

    def node(self, depth: int = 0) -> str:
        roll = self.random.random()
        if depth > 2 or roll < 0.4:
            return self.output() if self.chance(0.8) else self.text()
        if roll < 0.62:
            kind = self.pick(["if", "if", "unless"])
            out = self.tag(kind, self.condition()) + self.block(depth)
            if kind == "if" and self.chance(0.3):
                out += self.tag("elsif", self.condition()) + self.block(depth)
            if self.chance(0.4):
                out += self.tag("else") + self.block(depth)
            return out + self.tag("end" + kind)
        if roll < 0.72:
            if self.chance(0.15):  # infinities and NaN, which event data cannot hold
                return self.tag("assign", f"{self.pick(['x', 'c'])} = {self.pick(['1', '-1', '0'])} | divided_by: 0")
            return self.tag("assign", f"{self.pick(['x', 'c', 's'])} = {self.filtered()}")
        if roll < 0.78:
            return self.tag("capture", self.pick(["x", "c"])) + self.block(depth) + self.tag("endcapture")
        if roll < 0.82:
            return self.tag("echo", self.filtered())
        if roll < 0.83:
            return self.tag(self.pick(["increment", "decrement", "break", "continue"]), self.pick(["x", "n", "s", "f"]))
        if roll < 0.845:
            lines = [self.pick(["assign x = ", "echo ", "cycle 1, "]) + self.filtered(), "# note",
                     "if " + self.condition(), "endif", "else", "unless b", "endunless", "-echo s", "{{ s }}", "raw",
                     "endraw", "comment", "endcomment", "nosuch", "increment x"]
            body = "\n".join(self.pick(lines) for _ in range(self.random.randint(0, 4)))
            return self.tag("liquid", self.pick(["", "\n"]) + body + self.pick(["", "\n", " "]))
        if roll < 0.85:
            return self.tag("cycle", self.pick(["'a', 'b'", "'a','b'", "g: 1, 0, ''", "s, n", "'x' | upcase, 2",
                                                "nil: 1, 2", "", "'a',, 'b'", "1 2", "'a' 'b', 'c'"]))
        if roll < 0.85:
            return self.tag("raw") + self.pick(["{{ s }}", "{% if %}", "a"]) + self.tag("endraw")
        if roll < 0.87:
            return self.tag("comment") + "{{ s }}" + self.tag("endcomment")
        if roll < 0.95:
            return self.output()
        if roll < 0.97:
            return self.pick(["{% case s %}{% when 'a' %}A{% endcase %}", "{% for i in arr %}{{ i }}{% endfor %}",
                              "{% tablerow i in arr %}{% endtablerow %}", "{% include 'x' %}"])
        return self.broken()

    def broken(self) -> str:
        """Syntax that liquidjs refuses or reads in its own way."""
        return self.pick([
            "{{ }}", "{{ s ", "{% if s %}", "{% endif %}", "{% nosuchtag %}", "{{ s | }}", "{{ s | append: }}",
            "{% assign = 1 %}", "{{ 'a }}", "{{ s..size }}", "{% else %}", "{{ arr[ }}", "{% if s == %}y{% endif %}",
            "{{ s | split: ',' , }}", "{% capture %}{% endcapture %}", "{% # a note %}",
            "{% if s %}a{% else x %}{% endif %}",
            "{% if s %}a{% else %}b{% elsif t %}c{% endif %}", "{% unless b %}a{% else %}b{% else %}c{% endunless %}",
            "{% if s %}a{% endif x %}", "{%- raw -%} a {%- endraw %}", "{{ s | upcase: }}", "{{ s upcase }}",
            "{{ s | upcase x }}", "{% if s %}{% if t %}a{% endif %}", "{{ s | upcase | }}", "{% assign x %}",
            "{% assign x = %}", "{% capture 'x' %}q{% endcapture %}{{ x }}", "{{ (1..) }}", "{{ (1 2) }}",
            "{% endraw %}", "{%%}", "{{ s }", "{% if (1..2) contains 2 %}y{% endif %}", "{{ a b c }}",
            "{% comment %}{% if %}{% endcomment %}", "{% comment %}x", "{% raw %}x", "{{ ] }}",
            "{% if ] %}{% endif %}"])

    def template(self) -> str:
        return "".join(self.node() for _ in range(self.random.randint(1, 3)))


def templates(seed: int, count: int) -> list[str]:
    generator = TemplateGenerator(seed)
    return [generator.template() for _ in range(count)]
