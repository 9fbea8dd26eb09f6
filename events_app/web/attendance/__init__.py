"""Online attendance on the delegate's side: the personal join link `/j/{token}`."""

from __future__ import annotations

from starlette.routing import BaseRoute

from events_app.web.attendance import join

routes: list[BaseRoute] = [*join.routes]
