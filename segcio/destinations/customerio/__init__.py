"""The Customer.io (Actions) destination."""

from segcio.actions.definition import DestinationDefinition
from segcio.destinations.customerio import settings
from segcio.destinations.customerio.actions import ACTIONS
from segcio.destinations.customerio.presets import PRESETS

DEFINITION = DestinationDefinition(
    name="Actions Customerio",
    slug="actions-customerio",
    settings_fields=settings.SETTINGS_FIELDS,
    actions=ACTIONS,
    presets=PRESETS,
    normalize_settings=settings.normalize_settings,
    request_context=settings.request_context,
    test_authentication=settings.test_authentication,
    on_delete=settings.on_delete,
)
