"""Registration, tickets and the delegate's cabinet, as pages and as the JSON API."""

from __future__ import annotations

from starlette.routing import BaseRoute

from events_app.web.registration import api, pages

routes: list[BaseRoute] = [*pages.routes]
api_routes: list[BaseRoute] = [*api.routes]
