"""The ASGI application: every API and the UI on one port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from segcio import datadir, logs, observability, process_status, services, tuning
from segcio.bootstrap import ensure_defaults
from segcio.client_address import trusted_networks
from segcio.config import Settings, load_config
from segcio.ingest import routes as ingest_routes
from segcio.pipeline import destinations_http, trace_http
from segcio.pipeline import http as pipeline_http
from segcio.runtime import Runtime
from segcio.store import open_database
from segcio.web import admin_view
from segcio.web import routes as web_routes
from segcio.workspace import app_api, track_api


def build_runtime(settings: Settings, upgrade: bool = True) -> Runtime:
    """`upgrade=False` where the schema is known to be current (the children of `segcio serve`'s supervisor)."""
    logs.configure(settings.log_level, settings.log_format)
    datadir.make_private(settings.data_dir)
    db = open_database(settings.database_url, upgrade=upgrade)
    return Runtime(settings=settings, db=db, defaults=ensure_defaults(db))


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    logs.configure(settings.log_level, settings.log_format)
    trusted_networks(settings.trusted_proxies)  # a wrong setting stops the start, with its fix
    rt = runtime or build_runtime(settings)
    svc = services.create(rt)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await services.start(svc)
        tuning.tune_for_serving()
        try:
            yield
        finally:
            await services.stop(svc)

    # The docs are served by segcio.web.admin_view, behind the admin credential.
    app = FastAPI(title="segcio", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.runtime = rt
    app.state.services = svc  # for tests; the routes get what they use below, or through `rt`
    tracking = ingest_routes.Tracking(svc.ingest, svc.backpressure)
    app.add_middleware(ingest_routes.BatchFastPath, tracking=tracking)
    app.include_router(observability.router)
    # Before ingest: its catch-all POST /v1/{name} would otherwise take the App API's POST /v1/customers.
    app.include_router(app_api.router)
    app.include_router(ingest_routes.router(tracking))
    app.include_router(pipeline_http.router)
    app.include_router(trace_http.router)
    app.include_router(track_api.router)
    app.include_router(destinations_http.router)
    app.include_router(web_routes.router(svc.live_tail))
    app.include_router(admin_view.router)
    return app


def app_from_environment() -> FastAPI:
    """The app of one of several server processes (`segcio serve --processes N`), configured by SEGCIO_*; it stops
    when the process that started it dies (even by `kill -9`), rather than keep the port."""
    process_status.stop_with_parent()
    return create_app(load_config())
