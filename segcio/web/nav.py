"""The UI's navigation: (path, label) of the pages it links to, in order (declared here, not collected).

Each path is served by one of the page modules `segcio.web.routes` mounts; the other pages (sign-in, a
destination's subscriptions, the Event Tester, ...) are reached from these.
"""

NAV: list[tuple[str, str]] = [
    ("/ui/", "Overview"),
    ("/ui/sources", "Sources"),
    ("/ui/destinations", "Destinations"),
    ("/ui/people", "People"),
    ("/ui/objects", "Objects"),
    ("/ui/duplicates", "Duplicates"),
    ("/ui/events", "Events"),
    ("/ui/deliveries", "Deliveries"),
    ("/ui/debugger", "Debugger"),
    ("/ui/settings", "Settings"),
]
