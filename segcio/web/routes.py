"""The web UI under /ui/: server-rendered pages, one module per page in segcio.web.pages."""

from fastapi import APIRouter

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
from segcio.web.render import NAV

router = APIRouter(prefix="/ui", include_in_schema=False)

# (module, navigation entry): a page joins the navigation once the backend it needs is in place.
PAGES = [
    (static, None),
    (auth, None),
    (overview, ("/ui/", "Overview")),
    (sources, ("/ui/sources", "Sources")),
    (destinations, ("/ui/destinations", "Destinations")),
    (subscriptions, None),
    (tester, None),
    (api, None),
    (people, ("/ui/people", "People")),
    (objects, ("/ui/objects", "Objects")),
    (duplicates, ("/ui/duplicates", "Duplicates")),
    (events, ("/ui/events", "Events")),
    (deliveries, ("/ui/deliveries", "Deliveries")),
    (debugger, ("/ui/debugger", "Debugger")),
    (workspace_settings, ("/ui/settings", "Settings")),
]

for module, entry in PAGES:
    router.include_router(module.router)
    if entry is not None:
        NAV.append(entry)
