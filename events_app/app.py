"""The application: routes, middleware and the lifespan that opens the database."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from events_app.clock import Clock, SystemClock
from events_app.data.database import UNAVAILABLE_ERRORS, Store
from events_app.data.migrate import check_schema
from events_app.domain.errors import DomainError
from events_app.resources import STATIC_DIR
from events_app.services.mail.outbox import OutboxSender, transport_for
from events_app.services.registration import letters
from events_app.services.reminders.scheduler import ReminderScheduler
from events_app.services.visits.visitor_data import VisitorDataPurger
from events_app.settings import Settings
from events_app.web import (
    attendance,
    cabinet,
    certificates,
    checkin,
    consultations,
    defences,
    errors,
    organiser,
    programme,
    registration,
    visits,
)
from events_app.web.language import LanguageMiddleware
from events_app.web.limits import BodySizeLimitMiddleware
from events_app.web.public_cache import PublicCache
from events_app.web.request_log import RequestLogMiddleware
from events_app.web.security import SecurityHeadersMiddleware
from events_app.web.templating import build_templates


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    try:
        await check_schema(request.state.settings.database_url)
    except Exception as error:  # any failure means "not ready"; the reason is reported
        return JSONResponse({"status": "unavailable", "reason": str(error)}, status_code=503)
    return JSONResponse({"status": "ready"})


def create_app(settings: Settings, *, clock: Clock | None = None) -> Starlette:
    """The application; `clock` is the time it lives by (a fixed one in tests)."""
    app_clock: Clock = clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        # Refuse to serve on a schema this code does not know; the message names the fix.
        await check_schema(settings.database_url)
        store = Store(settings.database_url)
        await store.connect()
        outbox = OutboxSender(store, transport_for(settings), render=letters.writer(store, settings))
        outbox.start()
        visitor_data_purger = VisitorDataPurger(store, settings, clock=app_clock)
        visitor_data_purger.start()
        reminders = ReminderScheduler(store, settings, app_clock, outbox)
        reminders.start()
        # What exists now (modules, routes, templates, compiled statements) lives as long as the
        # process. Frozen, the collector's full passes skip it: they walked the whole heap every
        # second or so under the door's load, 100–200 ms each with every request waiting
        # (docs/performance.md). Given back at shutdown for the next app in the same process.
        gc.freeze()
        try:
            yield {"store": store, "settings": settings, "outbox": outbox, "clock": app_clock,
                   "public_cache": PublicCache()}
        finally:
            gc.unfreeze()
            await reminders.stop()
            await visitor_data_purger.stop()
            await outbox.stop()
            await store.disconnect()

    app = Starlette(
        routes=[
            # Routes are tried in order: the door scanner's API, the busiest path, is tried first.
            Mount("/api/v1", routes=[*checkin.api_routes, *programme.api_routes, *registration.api_routes,
                                     *consultations.api_routes]),
            *programme.routes,
            *cabinet.routes,
            *registration.routes,
            *consultations.routes,
            *visits.routes,
            *attendance.routes,
            *certificates.routes,
            *checkin.routes,
            *organiser.routes,
            *defences.routes,
            Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        middleware=[
            Middleware(RequestLogMiddleware),
            Middleware(SecurityHeadersMiddleware),
            Middleware(BodySizeLimitMiddleware),
            Middleware(LanguageMiddleware),
        ],
        exception_handlers={
            **dict.fromkeys(UNAVAILABLE_ERRORS, errors.database_unavailable),
            DomainError: errors.domain_error,
            HTTPException: errors.http_error,
            500: errors.server_error,
        },
        lifespan=lifespan,
    )
    app.state.templates = build_templates()
    return app


def app_from_environment() -> Starlette:
    """For `uvicorn --factory` and `events-app serve --workers N`: each worker reads the settings."""
    from events_app.settings import load_settings

    return create_app(load_settings())
