"""The web UI under /ui/: server-rendered pages, one module per page in segcio.web.pages."""

from fastapi import APIRouter

from segcio.web.live import LiveTail
from segcio.web.pages import (
    api,
    auth,
    debugger,
    deliveries,
    destinations,
    duplicates,
    events,
    objects,
    overview,
    people,
    sources,
    static,
    subscriptions,
    tester,
    workspace_settings,
)

# (module, the path of its page in the navigation of `segcio.web.nav`, or None for pages reached from others),
# mounted in this order.
PAGES = [
    (static, None),
    (auth, None),
    (overview, "/ui/"),
    (sources, "/ui/sources"),
    (destinations, "/ui/destinations"),
    (subscriptions, None),
    (tester, None),
    (api, None),
    (people, "/ui/people"),
    (objects, "/ui/objects"),
    (duplicates, "/ui/duplicates"),
    (events, "/ui/events"),
    (deliveries, "/ui/deliveries"),
    (debugger, "/ui/debugger"),
    (workspace_settings, "/ui/settings"),
]


def router(live_tail: LiveTail) -> APIRouter:
    ui = APIRouter(prefix="/ui", include_in_schema=False)
    for module, _nav in PAGES:
        ui.include_router(module.router)
    ui.include_router(debugger.stream_router(live_tail))
    return ui
