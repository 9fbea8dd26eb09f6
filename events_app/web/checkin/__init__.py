"""Door check-in: the scanner's API, pairing and scanner pages, the signed check-in view."""

from __future__ import annotations

from starlette.routing import BaseRoute

from events_app.web.checkin import api, pages, view

routes: list[BaseRoute] = [*pages.routes, *view.routes]
api_routes: list[BaseRoute] = [*api.routes]
