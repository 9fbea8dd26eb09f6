"""The cabinet across events: asking for its link, and the page the link opens."""

from __future__ import annotations

from starlette.routing import BaseRoute

from events_app.web.cabinet import pages

routes: list[BaseRoute] = [*pages.routes]
