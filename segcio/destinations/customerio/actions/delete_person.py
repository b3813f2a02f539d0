"""Delete Person: "User Deleted" -> Track API v2 `person` / `delete`."""

from segcio.destinations.customerio.actions._person_only import person_action

ACTION = person_action("deletePerson", "Delete Person", "Delete a person in Customer.io.", "User Deleted", "delete")
