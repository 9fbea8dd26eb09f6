"""Site visits on the delegate's side: the passport fields an enterprise asks for."""

from __future__ import annotations

from starlette.routing import BaseRoute

from events_app.web.visits import pages

routes: list[BaseRoute] = [*pages.routes]
