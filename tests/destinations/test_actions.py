"""Each Customer.io action: its fields (label, type, required, default mapping) and its request shapes."""

from __future__ import annotations

from typing import Any

import pytest

from segcio.destinations import tester
from segcio.destinations.customerio.actions import ACTIONS


def p(path: str) -> dict[str, Any]:
    return {"@path": path}


def either(a: str, b: str) -> dict[str, Any]:
    return {"@if": {"exists": p(a), "then": p(a), "else": p(b)}}


CT = ("Convert Timestamps", "boolean", False, True)
BATCH = [("enable_batching", ("Enable Batching", "boolean", False, True)),
         ("batch_size", ("Batch Size", "number", False, 50))]

# action -> [(field, (label, type, required, default))] in field order.
EXPECTED_FIELDS: dict[str, list[tuple[str, tuple[str, str, bool, Any]]]] = {
    "createUpdatePerson": [
        ("id", ("Person ID", "string", False, either("$.userId", "$.traits.email"))),
        ("anonymous_id", ("Anonymous ID", "string", False, p("$.anonymousId"))),
        ("email", ("Email Address", "string", False, {"@template": "{{traits.email}}"})),
        ("created_at", ("Created At", "string", False, either("$.traits.created_at", "$.traits.createdAt"))),
        ("group_id", ("Object ID", "string", False, p("$.traits.objectId"))),
        ("custom_attributes", ("Person Attributes", "object", False, p("$.traits"))),
        ("relationship_attributes", ("Relationship Attributes", "object", False,
                                     p("$.traits.relationshipAttributes"))),
        ("timestamp", ("Timestamp", "string", False, p("$.timestamp"))),
        ("object_type_id", ("Object Type Id", "string", False,
                            either("$.traits.object_type_id", "$.traits.objectTypeId"))),
        ("convert_timestamp", CT), *BATCH],
    "trackEvent": [
        ("id", ("Person ID", "string", False, p("$.userId"))),
        ("anonymous_id", ("Anonymous ID", "string", False, p("$.anonymousId"))),
        ("name", ("Event Name", "string", True, p("$.event"))),
        ("event_id", ("Event ID", "string", False, p("$.messageId"))),
        ("timestamp", ("Timestamp", "string", False, p("$.timestamp"))),
        ("data", ("Event Attributes", "object", False, p("$.properties"))),
        ("convert_timestamp", CT), *BATCH],
    "trackPageView": [
        ("id", ("Person ID", "string", False, p("$.userId"))),
        ("anonymous_id", ("Anonymous ID", "string", False, p("$.anonymousId"))),
        ("event_id", ("Event ID", "string", False, p("$.messageId"))),
        ("url", ("Page URL", "string", True, p("$.properties.url"))),
        ("timestamp", ("Timestamp", "string", False, p("$.timestamp"))),
        ("data", ("Event Attributes", "object", False, p("$.properties"))),
        ("convert_timestamp", CT), *BATCH],
    "trackScreenView": [
        ("id", ("Person ID", "string", False, p("$.userId"))),
        ("anonymous_id", ("Anonymous ID", "string", False, p("$.anonymousId"))),
        ("event_id", ("Event ID", "string", False, p("$.messageId"))),
        ("name", ("Screen name", "string", True, p("$.name"))),
        ("timestamp", ("Timestamp", "string", False, p("$.timestamp"))),
        ("data", ("Event Attributes", "object", False, p("$.properties"))),
        ("convert_timestamp", CT), *BATCH],
    "createUpdateDevice": [
        ("person_id", ("Person ID", "string", True, p("$.userId"))),
        ("device_id", ("Device ID", "string", True, p("$.context.device.token"))),
        ("app_version", ("App Version", "string", False, p("$.context.app.version"))),
        ("platform", ("Platform", "string", True, p("$.context.device.type"))),
        ("last_used", ("Last Used", "string", False, p("$.timestamp"))),
        ("attributes", ("Event Attributes", "object", False, p("$.properties"))),
        ("convert_timestamp", CT), *BATCH],
    "deleteDevice": [
        ("person_id", ("Person ID", "string", True, p("$.userId"))),
        ("device_id", ("Device ID", "string", True, p("$.context.device.token"))), *BATCH],
    "createUpdateObject": [
        ("id", ("Object ID", "string", True, p("$.groupId"))),
        ("created_at", ("Created At", "string", False, either("$.traits.created_at", "$.traits.createdAt"))),
        ("custom_attributes", ("Object Attributes", "object", False, p("$.traits.objectAttributes"))),
        ("relationship_attributes", ("Relationship Attributes", "object", False,
                                     p("$.traits.relationshipAttributes"))),
        ("user_id", ("User ID", "string", False, p("$.userId"))),
        ("anonymous_id", ("Anonymous ID", "string", False, p("$.anonymousId"))),
        ("object_type_id", ("Object Type Id", "string", False,
                            either("$.traits.object_type_id", "$.traits.objectTypeId"))),
        ("convert_timestamp", CT), *BATCH],
    "deleteObject": [
        ("object_id", ("Object ID", "string", False, p("$.properties.objectId"))),
        ("object_type_id", ("Object Type ID", "string", False,
                            either("$.properties.object_type_id", "$.properties.objectTypeId"))), *BATCH],
    "deleteRelationship": [
        ("person_id", ("Person ID", "string", True, p("$.userId"))),
        ("anonymous_id", ("Anonymous ID", "string", False, p("$.anonymousId"))),
        ("object_id", ("Object ID", "string", True, p("$.properties.objectId"))),
        ("object_type_id", ("Object Type ID", "string", False,
                            either("$.properties.object_type_id", "$.properties.objectTypeId"))), *BATCH],
    "deletePerson": [("person_id", ("Person ID", "string", True, p("$.userId"))), *BATCH],
    "suppressPerson": [("person_id", ("Person ID", "string", True, p("$.userId"))), *BATCH],
    "unsuppressPerson": [("person_id", ("Person ID", "string", True, p("$.userId"))), *BATCH],
    "mergePeople": [
        ("primary", ("Primary User", "string", True, p("$.userId"))),
        ("secondary", ("Secondary User", "string", True, p("$.previousId"))), *BATCH],
    "reportDeliveryEvent": [
        ("delivery_id", ("Delivery ID", "string", True, p("$.properties.deliveryId"))),
        ("metric", ("Metric", "string", True, p("$.properties.metric"))),
        ("recipient", ("Recipient", "string", False, p("$.properties.recipient"))),
        ("reason", ("Reason", "string", False, p("$.properties.reason"))),
        ("href", ("Href", "string", False, p("$.properties.href"))),
        ("action_name", ("Action Name", "string", False, p("$.properties.actionName"))),
        ("action_value", ("Action Value", "string", False, p("$.properties.actionValue"))),
        ("timestamp", ("Timestamp", "datetime", False, p("$.timestamp"))), *BATCH],
    "reportContentEvent": [
        ("anonymous_id", ("Anonymous ID", "string", False, p("$.anonymousId"))),
        ("actionType", ("Action Type", "string", True, p("$.properties.actionType"))),
        ("timestamp", ("Timestamp", "string", False, p("$.timestamp"))),
        ("data", ("Event Attributes", "object", False, p("$.properties"))),
        ("convert_timestamp", CT), *BATCH],
}


def test_all_fifteen_actions_are_registered() -> None:
    assert sorted(ACTIONS) == sorted(EXPECTED_FIELDS)
    assert len(ACTIONS) == 15


@pytest.mark.parametrize("key", sorted(EXPECTED_FIELDS))
def test_fields_and_defaults(key: str) -> None:
    fields = ACTIONS[key].fields
    got = [(name, (f.label, f.type, f.required, f.default)) for name, f in fields.items()]
    assert got == EXPECTED_FIELDS[key]


def test_choices_and_bounds() -> None:
    assert ACTIONS["reportDeliveryEvent"].fields["metric"].choices == (
        "delivered", "opened", "clicked", "converted", "spammed", "bounced", "dropped", "deferred")
    assert ACTIONS["reportContentEvent"].fields["actionType"].choices == ("viewed_content", "clicked_content")
    size = ACTIONS["trackEvent"].fields["batch_size"]
    assert (size.minimum, size.maximum) == (2, 100)


S = {"siteId": "s", "apiKey": "k"}


def run(action: str, event: dict[str, Any], override: dict[str, Any] | None = None) -> dict[str, Any]:
    """The single subscription's result: {"error", "requests": [body...], "urls": [...]}."""
    definition = ACTIONS[action]
    mapping = {**definition.default_mapping(), **(override or {})}
    sub = {"name": "t", "subscribe": definition.default_subscription, "partnerAction": action, "mapping": mapping}
    out = tester.test_event(event, S, [sub])
    assert out["subscriptions"][0]["matched"], out
    return {"error": out["subscriptions"][0]["error"], "requests": [r["json"] for r in out["requests"]],
            "urls": [r["url"] for r in out["requests"]]}


def test_person_email_trait_overwrites_and_object_id_stays_an_attribute() -> None:
    out = run("createUpdatePerson", {"type": "identify", "userId": "cio_42", "traits": {
        "email": "a@b.co", "objectId": "o1", "createdAt": "2019-02-01", "unsubscribed": True}})
    assert out["requests"] == [{"type": "person", "action": "identify",
                                "attributes": {"email": "a@b.co", "objectId": "o1", "unsubscribed": True,
                                               "created_at": 1548979200},
                                "cio_relationships": [{"identifiers": {"object_type_id": "1", "object_id": "o1"}}],
                                "identifiers": {"cio_id": "42"}}]


def test_person_created_at_js_date_string_is_converted() -> None:
    out = run("createUpdatePerson", {"type": "identify", "userId": "u", "traits": {"created_at": "25 Mar 2015",
                                                                                    "since": "25 Mar 2015"}})
    assert out["requests"][0]["attributes"] == {"since": "25 Mar 2015", "created_at": 1427241600}


def test_created_at_exception_covers_only_the_person_and_object_creation_time() -> None:
    person = run("createUpdatePerson", {"type": "identify", "userId": "u", "traits": {
        "created_at": "01/01/2019", "company": {"created_at": "01/01/2019"}}})
    assert person["requests"][0]["attributes"] == {"company": {"created_at": "01/01/2019"}, "created_at": 1546300800}
    kept = run("createUpdatePerson", {"type": "identify", "userId": "u", "traits": {"created_at": "01/01/2019"}},
               {"convert_timestamp": False})
    assert kept["requests"][0]["attributes"] == {"created_at": "01/01/2019"}
    obj = run("createUpdateObject", {"type": "group", "groupId": "g", "traits": {
        "created_at": "25 Mar 2015", "objectAttributes": {"created_at": "25 Mar 2015"}}})
    assert obj["requests"][0]["created_at"] == 1427241600
    assert obj["requests"][0]["attributes"] == {"created_at": "25 Mar 2015"}
    track = run("trackEvent", {"type": "track", "event": "E", "userId": "u",
                               "properties": {"created_at": "Mar 25 2015"}})
    assert track["requests"][0]["attributes"] == {"created_at": "Mar 25 2015"}


def test_person_email_shaped_user_id_and_no_identifiers_at_all() -> None:
    out = run("createUpdatePerson", {"type": "identify", "userId": "Lead@Example.com"})
    assert out["requests"][0]["identifiers"] == {"email": "Lead@Example.com"}
    out = run("createUpdatePerson", {"type": "identify", "traits": {"plan": "x"}})
    assert out["requests"] == [{"type": "person", "action": "identify", "attributes": {"plan": "x"}}]


def test_track_event_without_message_id_and_iso_looking_name() -> None:
    out = run("trackEvent", {"type": "track", "event": "2020-01-01", "userId": "u"})
    assert out["requests"] == [{"type": "person", "action": "event", "name": 1577836800,
                                "identifiers": {"id": "u"}}]


def test_track_event_convert_timestamp_false_keeps_attribute_dates() -> None:
    out = run("trackEvent", {"type": "track", "event": "E", "userId": "u", "timestamp": "2019-02-01T00:00:00Z",
                             "properties": {"d": "2019-02-01"}}, {"convert_timestamp": False})
    assert out["requests"][0]["attributes"] == {"d": "2019-02-01"}
    assert out["requests"][0]["timestamp"] == 1548979200


def test_device_without_conversion_or_app_version() -> None:
    out = run("createUpdateDevice", {"type": "track", "event": "Application Opened", "userId": "u",
                                     "timestamp": "2024-01-01T00:00:00Z",
                                     "context": {"device": {"token": "t", "type": "ios"}}},
              {"convert_timestamp": False})
    assert out["requests"] == [{"type": "person", "action": "add_device", "device": {
        "token": "t", "platform": "ios", "last_used": "2024-01-01T00:00:00Z", "attributes": {}},
        "identifiers": {"id": "u"}}]
    out = run("createUpdateDevice", {"type": "track", "event": "Application Opened", "userId": "u"})
    assert out["error"] == ("The root value is missing the required field 'device_id'. "
                            "The root value is missing the required field 'platform'.")


def test_object_created_at_at_root_relationship_attributes_converted_custom_type() -> None:
    out = run("createUpdateObject", {"type": "group", "userId": "u", "groupId": "g", "traits": {
        "created_at": "2019-02-01", "objectTypeId": "3",
        "objectAttributes": {"name": "N", "object_type_id": "3", "relationshipAttributes": {"x": 1}},
        "relationshipAttributes": {"since": "2019-02-01"}}})
    assert out["requests"] == [{"type": "object", "action": "identify", "created_at": 1548979200,
                                "attributes": {"name": "N"},
                                "cio_relationships": [{"identifiers": {"id": "u"},
                                                       "relationship_attributes": {"since": 1548979200}}],
                                "identifiers": {"object_id": "g", "object_type_id": "3"}}]


def test_quick_setup_group_traits_are_object_attributes_unless_object_attributes_is_given() -> None:
    event = {"type": "group", "userId": "u", "groupId": "initech", "traits": {
        "name": "Initech", "employees": 329, "object_type_id": 1, "plan": None,
        "relationshipAttributes": {"role": "admin"}}}
    out = {"requests": [r["json"] for r in tester.test_event(event, S)["requests"]]}
    assert out["requests"] == [{"type": "object", "action": "identify",
                                "attributes": {"name": "Initech", "employees": 329, "plan": None},
                                "cio_relationships": [{"identifiers": {"id": "u"},
                                                       "relationship_attributes": {"role": "admin"}}],
                                "identifiers": {"object_id": "initech", "object_type_id": "1"}}]


def test_object_without_person_and_without_group_id() -> None:
    out = run("createUpdateObject", {"type": "group", "groupId": "g"})
    assert out["requests"] == [{"type": "object", "action": "identify",
                                "identifiers": {"object_id": "g", "object_type_id": "1"}}]
    assert run("createUpdateObject", {"type": "group", "userId": "u"})["error"] == (
        "The root value is missing the required field 'id'.")


def test_delete_object_without_object_id_sends_no_identifiers() -> None:
    out = run("deleteObject", {"type": "track", "event": "Object Deleted"})
    assert out["requests"] == [{"type": "object", "action": "delete"}]


def test_delete_relationship_requires_the_object() -> None:
    out = run("deleteRelationship", {"type": "track", "event": "Relationship Deleted", "userId": "u"})
    assert out["error"] == "The root value is missing the required field 'object_id'."


@pytest.mark.parametrize(("action", "event_name", "entity_action"), [
    ("deletePerson", "User Deleted", "delete"), ("suppressPerson", "User Suppressed", "suppress"),
    ("unsuppressPerson", "User Unsuppressed", "unsuppress")])
def test_person_only_actions(action: str, event_name: str, entity_action: str) -> None:
    out = run(action, {"type": "track", "event": event_name, "userId": "u"})
    assert out["requests"] == [{"type": "person", "action": entity_action, "identifiers": {"id": "u"}}]
    out = run(action, {"type": "track", "event": event_name, "anonymousId": "a"})
    assert out["error"] == "The root value is missing the required field 'person_id'."


def test_merge_needs_both_people() -> None:
    assert run("mergePeople", {"type": "alias"})["error"] == (
        "The root value is missing the required field 'primary'. "
        "The root value is missing the required field 'secondary'.")


def test_delivery_metric_fields_and_errors() -> None:
    event = {"type": "track", "event": "Report Delivery Event", "timestamp": "2019-02-01T00:00:00Z",
             "properties": {"deliveryId": "d", "metric": "bounced", "recipient": "a@b.co", "reason": "full",
                            "href": "https://x"}}
    out = run("reportDeliveryEvent", event)
    assert out["urls"] == ["https://track.customer.io/api/v1/metrics"]
    assert out["requests"] == [{"delivery_id": "d", "metric": "bounced", "timestamp": 1548979200,
                                "recipient": "a@b.co", "reason": "full", "href": "https://x"}]
    bad = {**event, "timestamp": "garbage", "properties": {**event["properties"], "metric": "sent"}}
    assert run("reportDeliveryEvent", bad)["error"] == (
        'Metric must be one of: "delivered", "opened", "clicked", "converted", "spammed", "bounced", "dropped", '
        'or "deferred". Timestamp must be a valid date-like string but it was not.')


def test_delivery_metric_without_timestamp_uses_now() -> None:
    import time

    before = int(time.time())
    out = run("reportDeliveryEvent", {"type": "track", "event": "Report Delivery Event",
                                      "properties": {"deliveryId": "d", "metric": "opened"}})
    assert before <= out["requests"][0]["timestamp"] <= int(time.time())


def test_content_event_viewed_and_without_anonymous_id() -> None:
    out = run("reportContentEvent", {"type": "track", "event": "Report Content Event", "userId": "u",
                                     "properties": {"actionType": "viewed_content", "contentId": 7}})
    assert out["requests"] == [{"type": "person", "action": "viewed_content", "name": "viewed_content",
                                "attributes": {"contentId": 7}}]
    out = run("reportContentEvent", {"type": "track", "event": "Report Content Event",
                                     "properties": {"actionType": "liked"}})
    assert out["error"] == 'Action Type must be one of: "viewed_content" or "clicked_content".'
