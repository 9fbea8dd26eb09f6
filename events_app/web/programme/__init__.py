"""The public programme: event, agenda, session and venue pages, calendars and exports, its JSON API."""

from __future__ import annotations

from starlette.routing import BaseRoute

from events_app.web.programme import api, changes, feeds, pages

routes: list[BaseRoute] = [*pages.routes, *feeds.routes, *changes.routes]
api_routes: list[BaseRoute] = [*api.routes]
