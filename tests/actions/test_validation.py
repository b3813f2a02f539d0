"""Payload validation: empty-value removal, AJV-style coercion, unknown keys, and every human error template."""

from __future__ import annotations

from typing import Any

import pytest

from segcio.actions.errors import InvalidSettingsError, PayloadValidationError
from segcio.actions.fields import Field
from segcio.actions.validation import PayloadValidator, validate_settings
from segcio.destinations.customerio.actions import ACTIONS
from segcio.destinations.customerio.settings import SETTINGS_FIELDS

FIELDS = {
    "name": Field(label="Event Name", type="string", required=True),
    "count": Field(label="Count", type="integer"),
    "price": Field(label="Price", type="number"),
    "flag": Field(label="B", type="boolean"),
    "data": Field(label="Event Attributes", type="object"),
    "url": Field(label="URL", type="string", format="uri"),
    "email": Field(label="Email", type="string", format="email"),
    "when": Field(label="Timestamp", type="datetime"),
    "size": Field(label="Batch Size", type="number", minimum=2, maximum=100),
    "code": Field(label="Code", type="string", minimum=2, maximum=3),
    "kind": Field(label="Kind", type="string", choices=("a", "b")),
    "tags": Field(label="Tags", type="string", multiple=True),
    "obj": Field(label="Obj", type="object", properties={"a": Field(label="", type="string", required=True),
                                                         "n": Field(label="N", type="number")}),
}
V = PayloadValidator(FIELDS)


def error_of(payload: dict[str, Any], *, single: bool = True, validator: PayloadValidator = V) -> str:
    with pytest.raises(PayloadValidationError) as info:
        validator.validate(payload, single=single)
    assert info.value.status == 400 and info.value.code == "PAYLOAD_VALIDATION_FAILED"
    return info.value.message


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "The root value is missing the required field 'name'."),
        ({"name": "x", "count": "abc"}, "Count must be an integer but it was a string."),
        ({"name": "x", "count": 1.5}, "Count must be an integer but it was a number."),
        ({"name": "x", "flag": "yes"}, "B must be a boolean but it was a string."),
        ({"name": "x", "data": "str"}, "Event Attributes must be an object but it was a string."),
        ({"name": "x", "data": [1, 2]}, "Event Attributes must be an object but it was an array."),
        ({"name": "x", "flag": [1, 2]}, "B must be a boolean but it was an array."),
        # A one-element array is unwrapped before coercion; the message speaks of the element.
        ({"name": [{"a": 1}]}, "Event Name must be a string but it was an object."),
        ({"name": "x", "data": [{"a": 1}]}, "Event Attributes must be an object but it was an array."),
        ({"name": {"a": 1}}, "Event Name must be a string but it was an object."),
        ({"name": "x", "url": "not a url"}, "URL must be a valid URI string but it was not."),
        ({"name": "x", "email": "nope"}, "Email must be a valid email address string but it was not."),
        ({"name": "x", "when": "garbage"}, "Timestamp must be a valid date-like string but it was not."),
        ({"name": "x", "when": {}}, "Timestamp must be a string or number but it was an object."),
        ({"name": "x", "size": 101}, "Batch Size must be equal to or less than 100."),
        ({"name": "x", "size": 1}, "Batch Size must be equal to or greater than 2."),
        ({"name": "x", "code": "abcd"}, "Code must be 3 characters or fewer but it was 4 characters."),
        ({"name": "x", "code": "a"}, "Code must be 2 characters or more but it was 1 character."),
        ({"name": "x", "kind": "c"}, 'Kind must be one of: "a" or "b".'),
        ({"name": "x", "obj": {"n": 1}}, "Obj is missing the required field 'a'."),
        ({"name": "x", "obj": {"a": "1", "n": "x"}}, "N must be a number but it was a string."),
    ],
)
def test_error_templates(payload: dict[str, Any], message: str) -> None:
    assert error_of(payload) == message


def test_enum_of_three_or_more_choices() -> None:
    validator = ACTIONS["reportDeliveryEvent"].validator
    assert error_of({"delivery_id": "d", "metric": "sent"}, validator=validator) == (
        'Metric must be one of: "delivered", "opened", "clicked", "converted", "spammed", "bounced", "dropped", '
        'or "deferred".'
    )


def test_errors_are_joined_with_a_space_required_first_in_field_order() -> None:
    validator = ACTIONS["createUpdateDevice"].validator
    assert error_of({"person_id": "u1", "app_version": {"x": 1}}, validator=validator) == (
        "The root value is missing the required field 'device_id'. "
        "The root value is missing the required field 'platform'. "
        "App Version must be a string but it was an object."
    )
    merge = ACTIONS["mergePeople"].validator
    assert error_of({}, validator=merge) == (
        "The root value is missing the required field 'primary'. "
        "The root value is missing the required field 'secondary'."
    )


@pytest.mark.parametrize(
    ("field", "given", "coerced"),
    [
        ("name", 12345, "12345"),
        ("name", 1e21, "1e+21"),
        ("name", 1.5, "1.5"),
        ("name", True, "true"),
        ("price", "12.5", 12.5),
        ("price", True, 1),
        ("count", "7", 7),
        ("flag", "true", True),
        ("flag", "false", False),
        ("flag", 0, False),
        ("tags", "one", ["one"]),
        ("name", ["only"], "only"),
        ("when", 1714979289, 1714979289),
    ],
)
def test_coercion(field: str, given: Any, coerced: Any) -> None:
    payload = {"name": "x", field: given}
    out = V.validate(payload)
    assert out[field] == coerced and type(out[field]) is type(coerced)


def test_unknown_keys_are_removed_silently() -> None:
    assert V.validate({"name": "x", "surprise": 1, "obj": {"a": "1", "extra": 2}}) == {"name": "x", "obj": {"a": "1"}}


def test_single_mode_drops_top_level_empty_strings_batch_mode_keeps_them() -> None:
    assert error_of({"name": ""}) == "The root value is missing the required field 'name'."
    assert V.validate({"name": ""}, single=False) == {"name": ""}


def test_nulls_dropped_for_typed_fields_but_kept_inside_objects() -> None:
    out = V.validate({"name": "x", "count": None, "data": {"gone": None, "empty": ""}}, single=False)
    assert out == {"name": "x", "data": {"gone": None, "empty": ""}}
    assert V.validate({"name": "x", "count": ""}, single=False) == {"name": "x"}


def test_payload_key_order_is_kept() -> None:
    assert list(V.validate({"price": 1, "name": "x", "flag": True})) == ["price", "name", "flag"]


def test_settings_validation() -> None:
    with pytest.raises(InvalidSettingsError) as info:
        validate_settings({"siteId": "s"}, SETTINGS_FIELDS)
    assert info.value.message == "The root value is missing the required field 'apiKey'."
    with pytest.raises(InvalidSettingsError) as info:
        validate_settings({"siteId": "s", "apiKey": "k", "accountRegion": "Mars"}, SETTINGS_FIELDS)
    assert info.value.message == 'Account Region must be one of: "US 🇺🇸" or "EU 🇪🇺".'
