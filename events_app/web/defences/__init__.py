"""Project defences on the public side: applications, the team's cabinet, slides, the stage screen."""

from __future__ import annotations

from starlette.routing import BaseRoute

from events_app.web.defences import pages

routes: list[BaseRoute] = [*pages.routes]
