"""The acceptance vectors of the Customer.io (Actions) reference (inputs with their base values filled in)."""

from __future__ import annotations

import copy
from typing import Any

TS = "2024-05-06T07:08:09.123Z"
UNIX_TS = 1714979289
US_SETTINGS = {"siteId": "site_123", "apiKey": "key_abc", "accountRegion": "US 🇺🇸"}
EU_SETTINGS = {"siteId": "site_123", "apiKey": "key_abc", "accountRegion": "EU 🇪🇺"}
AUTH = "Basic c2l0ZV8xMjM6a2V5X2FiYw=="
US = "https://track.customer.io"
EU = "https://track-eu.customer.io"
BASE_CONTEXT = {"ip": "8.8.8.8", "library": {"name": "analytics.js", "version": "2.11.1"}}


def event(**fields: Any) -> dict[str, Any]:
    """A Segment event with the vectors' base values for every key not given."""
    base: dict[str, Any] = {
        "messageId": "msg-0001",
        "timestamp": TS,
        "receivedAt": TS,
        "sentAt": TS,
        "context": copy.deepcopy(BASE_CONTEXT),
        "properties": {},
        "traits": {},
    }
    base.update(fields)
    return base


# (id, settings, mapping override or None, event, expected requests [(method, url, body)] or error)
SINGLE: list[tuple[str, dict[str, str], dict[str, Any] | None, dict[str, Any], Any]] = [
    ("V1", US_SETTINGS, None,
     event(type="identify", userId="abc123", anonymousId="unknown_123", traits={
         "full_name": "Test User", "email": "test@example.com", "created_at": TS,
         "person": {"over18": True, "identification": "valid", "birthdate": "1990-01-01T00:00:00.000Z"}}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "identify",
         "attributes": {"full_name": "Test User", "email": "test@example.com",
                        "person": {"over18": True, "identification": "valid", "birthdate": 631152000},
                        "created_at": UNIX_TS, "anonymous_id": "unknown_123"},
         "timestamp": UNIX_TS, "identifiers": {"id": "abc123"}})]),
    ("V2", US_SETTINGS, None,
     event(type="identify", userId=None, anonymousId="unknown_123",
           traits={"full_name": "Test User", "email": "test@example.com"}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "identify",
         "attributes": {"full_name": "Test User", "email": "test@example.com", "anonymous_id": "unknown_123"},
         "timestamp": UNIX_TS, "identifiers": {"email": "test@example.com"}})]),
    ("V3", US_SETTINGS, None,
     event(type="identify", anonymousId="anon_only_1", traits={"plan": "pro"}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "identify", "attributes": {"plan": "pro"}, "timestamp": UNIX_TS,
         "identifiers": {"anonymous_id": "anon_only_1"}})]),
    ("V4", US_SETTINGS, None,
     event(type="identify", userId="abc123", anonymousId="unknown_123", traits={
         "full_name": "Test User", "email": "test@example.com", "objectId": "g12345", "object_type_id": "2",
         "relationshipAttributes": {"role": "admin", "since": "2020-01-01T00:00:00Z"}}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "identify",
         "attributes": {"full_name": "Test User", "email": "test@example.com", "objectId": "g12345",
                        "anonymous_id": "unknown_123"},
         "cio_relationships": [{"identifiers": {"object_type_id": "2", "object_id": "g12345"},
                                "relationship_attributes": {"role": "admin", "since": "2020-01-01T00:00:00Z"}}],
         "timestamp": UNIX_TS, "identifiers": {"id": "abc123"}})]),
    ("V5", US_SETTINGS, {"convert_timestamp": False},
     event(type="identify", userId="abc123", anonymousId="unknown_123", traits={
         "full_name": "Test User", "email": "test@example.com", "created_at": TS,
         "person": {"birthdate": "1990-01-01T00:00:00.000Z"}}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "identify",
         "attributes": {"full_name": "Test User", "email": "test@example.com",
                        "person": {"birthdate": "1990-01-01T00:00:00.000Z"}, "created_at": TS,
                        "anonymous_id": "unknown_123"},
         "timestamp": UNIX_TS, "identifiers": {"id": "abc123"}})]),
    ("V6", US_SETTINGS, None,
     event(type="track", event="testEvent", userId="abc123", anonymousId="anonId1234", properties={
         "property1": "this is a test",
         "person": {"over18": True, "identification": "valid", "birthdate": "1990-01-01T00:00:00.000Z"}}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "event", "name": "testEvent", "id": "msg-0001",
         "attributes": {"property1": "this is a test",
                        "person": {"over18": True, "identification": "valid", "birthdate": 631152000},
                        "anonymous_id": "anonId1234"},
         "timestamp": UNIX_TS, "identifiers": {"id": "abc123"}})]),
    ("V7", US_SETTINGS, None,
     event(type="track", event="test event", anonymousId="anonymous123", properties={"property1": "this is a test"}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "event", "name": "test event", "id": "msg-0001",
         "attributes": {"property1": "this is a test"}, "timestamp": UNIX_TS,
         "identifiers": {"anonymous_id": "anonymous123"}})]),
    ("V8", US_SETTINGS, None,
     event(type="track", properties={"property1": "this is a test"}),
     "The root value is missing the required field 'name'."),
    ("V9", US_SETTINGS, None,
     event(type="page", userId="abc123", anonymousId="anonId1234", name="Home", properties={
         "property1": "this is a test", "url": "https://example.com/page-one",
         "person": {"birthdate": "1990-01-01T00:00:00.000Z"}}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "page", "name": "https://example.com/page-one",
         "attributes": {"property1": "this is a test", "url": "https://example.com/page-one",
                        "person": {"birthdate": 631152000}, "anonymous_id": "anonId1234"},
         "id": "msg-0001", "timestamp": UNIX_TS, "identifiers": {"id": "abc123"}})]),
    ("V10", US_SETTINGS, None,
     event(type="screen", userId="abc123", anonymousId="anonId1234", name="Page One",
           properties={"property1": "this is a test", "screen": "Page One"}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "screen", "name": "Page One",
         "attributes": {"property1": "this is a test", "screen": "Page One", "anonymous_id": "anonId1234"},
         "id": "msg-0001", "timestamp": UNIX_TS, "identifiers": {"id": "abc123"}})]),
    ("V11", US_SETTINGS, None,
     event(type="track", event="Application Installed", userId="abc123", anonymousId="anonId1234",
           context={"ip": "8.8.8.8", "app": {"version": "1.23"}, "device": {"token": "device_123", "type": "android"}},
           properties={"push_enabled": True, "first_seen": "2024-01-01T00:00:00Z"}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "add_device",
         "device": {"token": "device_123", "platform": "android", "last_used": UNIX_TS,
                    "attributes": {"push_enabled": True, "first_seen": 1704067200, "app_version": "1.23"}},
         "identifiers": {"id": "abc123"}})]),
    ("V12", US_SETTINGS, None,
     event(type="track", event="Application Uninstalled", userId="abc123", anonymousId="anonId1234",
           context={"ip": "8.8.8.8", "device": {"token": "device_123"}}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "delete_device", "device": {"token": "device_123"},
         "identifiers": {"id": "abc123"}})]),
    ("V13", US_SETTINGS, None,
     event(type="group", userId="abc123", anonymousId="unknown_123", groupId="grp123", traits={
         "object_type_id": "1",
         "objectAttributes": {"name": "Sales", "industry": "Technology", "created_at": TS}}),
     [("POST", US + "/api/v2/entity", {
         "type": "object", "action": "identify",
         "attributes": {"name": "Sales", "industry": "Technology", "created_at": UNIX_TS,
                        "anonymous_id": "unknown_123"},
         "cio_relationships": [{"identifiers": {"id": "abc123"}}],
         "identifiers": {"object_id": "grp123", "object_type_id": "1"}})]),
    ("V14", US_SETTINGS, None,
     event(type="group", anonymousId="unknown_123", groupId="grp123", traits={
         "object_type_id": "1", "objectAttributes": {"name": "Sales", "createdAt": TS}}),
     [("POST", US + "/api/v2/entity", {
         "type": "object", "action": "identify_anonymous",
         "attributes": {"name": "Sales", "createdAt": UNIX_TS, "anonymous_id": "unknown_123"},
         "cio_relationships": [{"identifiers": {"anonymous_id": "unknown_123"}}],
         "identifiers": {"object_id": "grp123", "object_type_id": "1"}})]),
    ("V15", EU_SETTINGS, None,
     event(type="track", event="Object Deleted", userId="user1234", anonymousId="anonId1234",
           properties={"objectId": "group_123"}),
     [("POST", EU + "/api/v2/entity", {
         "type": "object", "action": "delete", "identifiers": {"object_id": "group_123", "object_type_id": "1"}})]),
    ("V16", US_SETTINGS, None,
     event(type="track", event="Relationship Deleted", userId="foo@bar.com", anonymousId="anonId1234",
           properties={"objectId": "object_id123", "object_type_id": "3"}),
     [("POST", US + "/api/v2/entity", {
         "type": "object", "action": "delete_relationships",
         "cio_relationships": [{"identifiers": {"email": "foo@bar.com"}}],
         "attributes": {"anonymous_id": "anonId1234"},
         "identifiers": {"object_id": "object_id123", "object_type_id": "3"}})]),
    ("V17", US_SETTINGS, None,
     event(type="track", event="User Deleted", userId="foo@bar.com", anonymousId="anonId1234"),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "delete", "identifiers": {"email": "foo@bar.com"}})]),
    ("V18", EU_SETTINGS, None,
     event(type="track", event="User Unsuppressed", userId="cio_777", anonymousId="anonId1234"),
     [("POST", EU + "/api/v2/entity", {
         "type": "person", "action": "unsuppress", "identifiers": {"cio_id": "777"}})]),
    ("V19", US_SETTINGS, None,
     event(type="alias", userId="foo@bar.com", anonymousId="anonId1234", previousId="def456"),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "merge", "primary": {"email": "foo@bar.com"}, "secondary": {"id": "def456"}})]),
    ("V20", US_SETTINGS, None,
     event(type="track", event="Report Delivery Event", userId="user1234", anonymousId="anonId1234",
           properties={"deliveryId": "in-app-delivery", "metric": "clicked", "actionName": "score",
                       "actionValue": "3"}),
     [("POST", US + "/api/v1/metrics", {
         "delivery_id": "in-app-delivery", "metric": "clicked", "timestamp": UNIX_TS,
         "metadata": {"action_name": "score", "action_value": "3"}})]),
    ("V21", US_SETTINGS, None,
     event(type="track", event="Report Content Event", userId="user1234", anonymousId="abc123", properties={
         "actionType": "clicked_content", "contentType": "ctype", "contentId": 1, "templateId": 1,
         "actionName": "aname", "actionValue": "avalue"}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "clicked_content", "name": "clicked_content",
         "attributes": {"contentType": "ctype", "contentId": 1, "templateId": 1, "actionName": "aname",
                        "actionValue": "avalue"},
         "timestamp": UNIX_TS, "identifiers": {"anonymous_id": "abc123"}})]),
    ("V26", US_SETTINGS,
     {"id": {"@path": "$.userId"}, "email": {"@template": "{{traits.contact.email}}"},
      "custom_attributes": {"plan": {"@path": "$.traits.plan"}, "source": "segment",
                            "signup": {"@path": "$.traits.signup"}},
      "timestamp": {"@path": "$.timestamp"}, "convert_timestamp": True},
     event(type="identify", userId="abc123", anonymousId="anonId1234",
           traits={"plan": "pro", "contact": {"email": "x@y.io"}, "signup": "2021-06-01T12:00:00+02:00"}),
     [("POST", US + "/api/v2/entity", {
         "type": "person", "action": "identify",
         "attributes": {"plan": "pro", "source": "segment", "signup": 1622541600, "email": "x@y.io"},
         "timestamp": UNIX_TS, "identifiers": {"id": "abc123"}})]),
]

# V26 replaces the whole mapping; the others override the defaults.
REPLACES_MAPPING = {"V26"}

# (id, settings, action, events, expected requests, expected statuses)
BATCH: list[tuple[str, dict[str, str], str, list[dict[str, Any]], list[tuple[str, str, Any]], list[dict[str, Any]]]] = [
    ("V22", US_SETTINGS, "trackEvent",
     [event(type="track", event="A", userId="u1", anonymousId="anonId1234", messageId="m1", properties={"x": 1}),
      event(type="track", event="B", anonymousId="anon2", messageId="m2", properties={"when": "2020-01-01"})],
     [("POST", US + "/api/v2/batch", {"batch": [
         {"type": "person", "action": "event", "name": "A", "id": "m1",
          "attributes": {"x": 1, "anonymous_id": "anonId1234"}, "timestamp": UNIX_TS, "identifiers": {"id": "u1"}},
         {"type": "person", "action": "event", "name": "B", "id": "m2", "attributes": {"when": 1577836800},
          "timestamp": UNIX_TS, "identifiers": {"anonymous_id": "anon2"}}]})],
     [{"status": 200}, {"status": 200}]),
    ("V23", EU_SETTINGS, "trackEvent",
     [event(type="track", userId="u1", anonymousId="anonId1234", messageId="m1"),
      event(type="track", event="B", userId="u2", anonymousId="anonId1234", messageId="m2")],
     [("POST", EU + "/api/v2/batch", {"batch": [
         {"type": "person", "action": "event", "name": "B", "id": "m2", "attributes": {"anonymous_id": "anonId1234"},
          "timestamp": UNIX_TS, "identifiers": {"id": "u2"}}]})],
     [{"status": 400, "errortype": "PAYLOAD_VALIDATION_FAILED",
       "errormessage": "The root value is missing the required field 'name'.", "errorreporter": "INTEGRATIONS"},
      {"status": 200}]),
    ("V24", US_SETTINGS, "createUpdateObject",
     [event(type="group", userId="u1", anonymousId="a1", groupId="g1", traits={"objectAttributes": {"name": "One"}}),
      event(type="group", anonymousId="a2", groupId="g2", traits={"objectAttributes": {"name": "Two"}})],
     [("POST", US + "/api/v2/batch", {"batch": [
         {"type": "object", "action": "identify", "attributes": {"name": "One", "anonymous_id": "a1"},
          "cio_relationships": [{"identifiers": {"id": "u1"}}],
          "identifiers": {"object_id": "g1", "object_type_id": "1"}}]}),
      ("POST", US + "/api/v2/batch", {"batch": [
          {"type": "object", "action": "identify_anonymous", "attributes": {"name": "Two", "anonymous_id": "a2"},
           "cio_relationships": [{"identifiers": {"anonymous_id": "a2"}}],
           "identifiers": {"object_id": "g2", "object_type_id": "1"}}]})],
     [{"status": 200}, {"status": 200}]),
]
