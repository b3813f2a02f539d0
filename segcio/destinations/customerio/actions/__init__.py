"""The Customer.io actions, one module each. To add an action: write its module (FIELDS, ACTION) and add it here.

The order is the Quick Setup order of the presets.
"""

from segcio.actions.definition import ActionDefinition
from segcio.destinations.customerio.actions import (
    create_update_device,
    create_update_object,
    create_update_person,
    delete_device,
    delete_object,
    delete_person,
    delete_relationship,
    merge_people,
    report_content_event,
    report_delivery_event,
    suppress_person,
    track_event,
    track_page_view,
    track_screen_view,
    unsuppress_person,
)

ACTIONS: dict[str, ActionDefinition] = {
    module.ACTION.key: module.ACTION
    for module in (
        create_update_person,
        create_update_device,
        delete_device,
        delete_relationship,
        delete_person,
        delete_object,
        track_event,
        track_page_view,
        track_screen_view,
        create_update_object,
        merge_people,
        suppress_person,
        unsuppress_person,
        report_delivery_event,
        report_content_event,
    )
}
