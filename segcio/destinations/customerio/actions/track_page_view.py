"""Track Page View: page -> Track API v2 `person` / `page` (the event name is the URL)."""

from segcio.actions.fields import Field
from segcio.destinations.customerio.actions._view import view_action
from segcio.destinations.customerio.fields import path

ACTION = view_action(
    "page", "trackPageView", "Track Page View", "url",
    Field(label="Page URL", type="string", required=True, default=path("$.properties.url"),
          description="The URL of the page viewed."),
    name_from_field=True,
)  # fmt: skip
