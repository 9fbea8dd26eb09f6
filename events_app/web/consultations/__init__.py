"""Consultations: the public slot list, booking, the holder's booking page, and the JSON API."""

from __future__ import annotations

from starlette.routing import BaseRoute

from events_app.web.consultations import api, pages

routes: list[BaseRoute] = [*pages.routes]
api_routes: list[BaseRoute] = [*api.routes]
