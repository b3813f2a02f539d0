"""Track Screen View: screen -> Track API v2 `person` / `screen`."""

from segcio.actions.fields import Field
from segcio.destinations.customerio.actions._view import view_action
from segcio.destinations.customerio.fields import path

ACTION = view_action(
    "screen", "trackScreenView", "Track Screen View", "name",
    Field(label="Screen name", type="string", required=True, default=path("$.name"),
          description="The name of the screen viewed."),
    name_from_field=False,
)  # fmt: skip
