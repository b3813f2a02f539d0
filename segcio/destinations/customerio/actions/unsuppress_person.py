"""Unsuppress Person: "User Unsuppressed" -> Track API v2 `person` / `unsuppress`."""

from segcio.destinations.customerio.actions._person_only import person_action

ACTION = person_action(
    "unsuppressPerson", "Unsuppress Person",
    "Unsuppress a person in Customer.io. This will allow the person to receive messages again.",
    "User Unsuppressed", "unsuppress",
)
