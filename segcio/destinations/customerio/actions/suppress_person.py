"""Suppress Person: "User Suppressed" -> Track API v2 `person` / `suppress`."""

from segcio.destinations.customerio.actions._person_only import person_action

ACTION = person_action(
    "suppressPerson", "Suppress Person",
    "Suppress a person in Customer.io. This will prevent the person from receiving any messages.",
    "User Suppressed", "suppress",
)
