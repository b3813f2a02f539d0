"""Hypothesis strategies for realistic Segment events (identify, track, page, screen, group, alias).

Values mix what real traffic carries and what breaks converters: ISO-8601 timestamps of every shape (valid,
invalid, 0-9 fractional digits, offsets), JavaScript-Date-style dates, digit strings, emails, `cio_` ids,
unicode, nulls, nested objects and arrays, integers within JavaScript's safe range and floats.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from segcio.actions.jsvalues import number_to_string

SAFE_INT = 2**53 - 1
RESERVED_EVENTS = [
    "Application Installed", "Application Opened", "Application Uninstalled", "Device Created or Updated",
    "Device Deleted", "Relationship Deleted", "User Deleted", "User Suppressed", "User Unsuppressed",
    "Object Deleted", "Report Delivery Event", "Report Content Event",
]
JS_DATES = ["25 Mar 2015", "Mar 25 2015", "01/01/2019", "15/MAR/18", "11-Jan-18",
            "Tue, 01 Nov 2016 01:23:45 GMT", "2023-12-25 14:30:45", "December 17, 1995 03:24:00",
            "2018-03-04T12:08:56 PDT", "1995-12-17T03:24:00.000+0100"]
# Pieces of date-like strings for V8's legacy date parser and dayjs: numbers of every length, separators,
# keywords (months, zones, AM/PM, T), garbage words, parentheses, JavaScript white space, NUL, non-ASCII.
DATE_PIECES = [
    "0", "1", "5", "9", "10", "12", "13", "23", "24", "25", "29", "31", "32", "49", "50", "59", "60", "99", "100",
    "999", "1000", "0000", "0099", "2015", "1970", "12345", "000000", "275760", "1234567890", "000000000000001",
    " ", "  ", "\t", "\n", "\r", "\u00a0", "\u2028", "\ufeff", "\u3000", "\u0085", "\u200b", ":", "::", "-", "+",
    ".", ",", "/", "(", ")", "(x)", "((a)b)", "Z", "z", "T", "t", "am", "pm", "PM", "GMT", "UTC", "UT", "EST", "pdt",
    "Mar", "march", "Dec", "Sept", "Tue", "Tuesday", "x", "abc", "é", "\U0001f600", "{", "_", "~", "@", "'", "\0",
    "Jan-", "GMT+", "+0100", "-08:00", "+05:30", "+123456789:", "+999", "T10:00", "10:00", "10:00:00.123",
    "24:00", "12:60", "2015-03-25", "2015-03", "+002015", "-000000", "\u0660", "\uff11",
]
date_like_strings = st.lists(st.sampled_from(DATE_PIECES), min_size=1, max_size=10).map("".join)
METRICS = ["delivered", "opened", "clicked", "converted", "spammed", "bounced", "dropped", "deferred", "read"]

# Unicode text without surrogates; JSON round-trips it unchanged on both sides.
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
short_ascii = st.text("abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=10)
emails = st.builds(lambda user, domain, tld: f"{user}@{domain}.{tld}", short_ascii.filter(lambda s: s[0] != "-"),
                   st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), st.sampled_from(["com", "io", "fr"]))
ids = st.one_of(short_ascii, emails, short_ascii.map(lambda s: f"cio_{s}"), st.uuids().map(str),
                st.integers(0, 10**6))
digit_strings = st.integers(0, 10**12).map(str)
numbers = st.one_of(st.integers(-SAFE_INT, SAFE_INT),
                    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))


@st.composite
def iso_dates(draw: st.DrawFn, max_fraction: int = 9, invalid: bool = True) -> str:
    year = draw(st.integers(1900, 2100))
    month = draw(st.integers(0, 13) if invalid else st.integers(1, 12))
    day = draw(st.integers(0, 32) if invalid else st.integers(1, 28))
    date = f"{year:04d}-{month:02d}-{day:02d}"
    if draw(st.booleans()):
        return date
    hour = draw(st.integers(0, 25) if invalid else st.integers(0, 23))
    minute, second = draw(st.integers(0, 59)), draw(st.integers(0, 60) if invalid else st.integers(0, 59))
    value = f"{date}T{hour:02d}:{minute:02d}"
    if draw(st.booleans()):
        value += f":{second:02d}"
        digits = draw(st.integers(0, max_fraction))
        if digits:
            value += "." + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=digits, max_size=digits)))
    zone = draw(st.sampled_from(["", "Z", "+01:00", "-08:00", "+0530", "-0800", "+23:59"]))
    return value + zone


scalars = st.one_of(
    st.none(), st.booleans(), numbers, text, emails, digit_strings, iso_dates(), st.sampled_from(JS_DATES),
)
# Left out of random keys: "__proto__" (JavaScript drops it when objects are copied, an artefact no Segment
# user relies on) and "created_at"/"createdAt" (their rules are pinned case by case in corpus/timestamps.json
# and corpus/validation.json; the person's and the object's created_at are generated explicitly below).
keys = st.one_of(short_ascii, text, st.sampled_from(
    ["email", "anonymous_id", "id", "name", "url", "timestamp"]
)).filter(lambda k: k not in ("__proto__", "created_at", "createdAt"))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=4),
    max_leaves=12,
)
attributes = st.dictionaries(keys, json_values, max_size=6)
created_at_values = st.one_of(iso_dates(), st.sampled_from(JS_DATES), date_like_strings, digit_strings, text,
                              st.integers(0, 2**31), st.just(""))
# The event's own timestamp: valid ISO with at most 3 fractional digits, or Unix seconds (see compare.py).
event_timestamps = st.one_of(iso_dates(max_fraction=3, invalid=False), st.integers(0, 2**31))


def _with_optional(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(required, optional=optional)


contexts = _with_optional({}, {
    "ip": st.just("8.8.8.8"),
    "library": st.just({"name": "analytics.js", "version": "2.11.1"}),
    "device": _with_optional({}, {"token": st.one_of(short_ascii, st.none()),
                                  "type": st.sampled_from(["ios", "android", ""]), "id": short_ascii}),
    "app": _with_optional({}, {"version": st.one_of(st.sampled_from(["1.0", "2.3.4"]), st.integers(1, 9))}),
    "traits": attributes,
    "locale": st.sampled_from(["en-US", "fr-FR"]),
})

common_optional: dict[str, Any] = {
    "userId": st.one_of(ids, st.none()),
    "anonymousId": st.one_of(st.uuids().map(str), short_ascii),
    "messageId": st.one_of(st.uuids().map(str), short_ascii, iso_dates(max_fraction=3, invalid=False)),
    "context": contexts,
}
common_required: dict[str, Any] = {"timestamp": event_timestamps}

person_traits = st.fixed_dictionaries({}, optional={
    "email": st.one_of(emails, text, st.none()),
    "created_at": created_at_values,
    "createdAt": created_at_values,
    "objectId": short_ascii,
    "object_type_id": st.one_of(st.sampled_from(["1", "2"]), st.integers(1, 5)),
    "relationshipAttributes": attributes,
    "name": text,
    "plan": st.sampled_from(["free", "pro"]),
    "unsubscribed": st.booleans(),
    "address": attributes,
}).flatmap(lambda fixed: attributes.map(lambda extra: {**extra, **fixed}))

track_properties = st.fixed_dictionaries({}, optional={
    "deliveryId": short_ascii,
    "metric": st.sampled_from(METRICS),
    "actionName": text, "actionValue": st.one_of(text, st.integers(0, 9)),
    "recipient": emails, "href": st.just("https://example.com/x"),
    "actionType": st.sampled_from(["viewed_content", "clicked_content", "other"]),
    "objectId": short_ascii,
    "object_type_id": st.sampled_from(["1", "3"]),
    "objectTypeId": st.integers(1, 4),
    "url": st.just("https://example.com/page"),
}).flatmap(lambda fixed: attributes.map(lambda extra: {**extra, **fixed}))


def _event(kind: str, required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return _with_optional({"type": st.just(kind), **common_required, **required}, {**common_optional, **optional})


identify_events = _event("identify", {}, {"traits": person_traits})
track_events = _event("track", {}, {
    "event": st.one_of(st.sampled_from([*RESERVED_EVENTS, "Order Completed", "Signed Up", "2020-01-01", ""]), text),
    "properties": track_properties,
})
page_events = _event("page", {}, {"name": text, "properties": track_properties})
screen_events = _event("screen", {}, {"name": st.one_of(text, st.sampled_from(["Home", "Cart"])),
                                      "properties": attributes})
group_events = _event("group", {}, {
    "groupId": st.one_of(short_ascii, st.integers(0, 99)),
    "traits": st.fixed_dictionaries({}, optional={
        "objectAttributes": attributes, "object_type_id": st.sampled_from(["1", "2"]),
        "objectTypeId": st.integers(1, 3),
        "relationshipAttributes": attributes, "created_at": created_at_values, "name": text,
    }),
})
alias_events = _event("alias", {}, {"previousId": ids})

segment_events = st.one_of(identify_events, track_events, page_events, screen_events, group_events, alias_events)


# --- subscriptions: Quick Setup presets with their triggers and mappings varied ---------------------------

PATHS = ["$.name", "$.userId", "$.anonymousId", "$.event", "$.messageId", "$.properties", "$.properties.url",
         "$.properties.total", "$.traits", "$.traits.email", "$.traits.created_at", "$.context.device.token",
         "$.timestamp", "$.groupId", "$.previousId", "$.missing.path"]
TRIGGERS = ['type = "track"', 'type = "identify"', 'type = "page" or type = "screen"', 'type = "group"',
            'event = "Order Completed"', 'type = "track" and properties.total > 10', 'userId != null',
            'type = "alias"', 'properties.url = "https://example.com/page"']
mapping_values = st.one_of(
    st.builds(lambda path: {"@path": path}, st.sampled_from(PATHS)),
    st.builds(lambda path: {"@template": "{{" + path[2:] + "}}-x"}, st.sampled_from(PATHS)),
    st.builds(lambda path, other: {"@if": {"exists": {"@path": path}, "then": {"@path": path},
                                           "else": {"@path": other}}},
              st.sampled_from(PATHS), st.sampled_from(PATHS)),
    text, st.integers(0, 99), st.booleans(), st.none(),
)


@st.composite
def varied_subscription(draw: st.DrawFn, presets: list[dict[str, Any]], keep_trigger: bool = False) -> dict[str, Any]:
    """A preset with, maybe, another trigger, a field re-mapped or unmapped, Convert Timestamps toggled."""
    preset = draw(st.sampled_from(presets))
    mapping = dict(preset["mapping"])
    for _ in range(draw(st.integers(0, 1))):
        key = draw(st.sampled_from(sorted(mapping) or ["id"]))
        if draw(st.booleans()):
            mapping[key] = draw(mapping_values)
        else:
            mapping.pop(key, None)
    if draw(st.booleans()):
        mapping["convert_timestamp"] = draw(st.booleans())
    subscribe = preset["subscribe"] if keep_trigger or draw(st.booleans()) else draw(st.sampled_from(TRIGGERS))
    return {"name": preset["name"], "subscribe": subscribe, "partnerAction": preset["partnerAction"],
            "mapping": mapping}


@st.composite
def subscription_lists(draw: st.DrawFn, presets: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    """1-3 varied subscriptions; the first (when Quick Setup has one) is the preset for this type of call, so
    that most lines send something."""
    own = [p for p in presets if p["subscribe"].startswith(f'type = "{event_type}"')]
    first = [draw(varied_subscription(own, keep_trigger=True))] if own else []
    return first + draw(st.lists(varied_subscription(presets), min_size=0 if first else 1, max_size=2))


# Strings for the fields that carry a time (the event's `timestamp`, a device's `last_used`, `created_at`):
# what JavaScript's `Number`, V8's `Date` and dayjs read differently. Digits of every length, signs, dots,
# exponents, hex/octal/binary prefixes, letters, `T`/`Z`, month and zone words, separators, white space.
NUMBER_PIECES = ["e", "E", "e+", "e-", "x", "X", "0x", "0b", "0o", "Infinity", "NaN", "+", "-", ".", "_", "n"]
WORD_PIECES = ["a", "b", "f", "o", "abc", "x ", "Jan", "February", "mar", "Sept", "dec", "Tuesday", "AM", "pm",
               "GMT", "UTC", "UT", "EST", "PDT", "Z", "z", "T", "t", "Invalid Date"]
SEPARATOR_PIECES = [" ", "  ", "\t", "\n", "\u00a0", "\u2028", "\ufeff", ",", "/", ":", "-", "(", ")", "'", "\0"]
digit_runs = st.text("0123456789", min_size=1, max_size=16)
# `String(n)` of a JavaScript number: the form the reference's `date-like` check takes as Unix seconds.
number_strings = st.one_of(
    st.integers(-(10**22), 10**22).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(number_to_string),
    st.sampled_from(["8640000000000", "8640000000001", "-8640000000000", "1e+21", "1e21", "-0", "0.0"]),
)
timestamp_strings = st.one_of(
    st.lists(st.one_of(digit_runs, st.sampled_from([*NUMBER_PIECES, *WORD_PIECES, *SEPARATOR_PIECES, *DATE_PIECES])),
             min_size=1, max_size=8).map("".join),
    number_strings,
    iso_dates(),
    st.sampled_from(JS_DATES),
)
# Other JSON values a mapping can put there.
timestamp_values = st.one_of(
    timestamp_strings, timestamp_strings, timestamp_strings, st.just(""), st.none(), st.booleans(), numbers,
)
