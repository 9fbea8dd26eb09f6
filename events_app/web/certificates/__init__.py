"""The public side of certificates: the verification page `/c/{number}` and the certificate's PDF."""

from __future__ import annotations

from starlette.routing import BaseRoute

from events_app.web.certificates import verification

routes: list[BaseRoute] = [*verification.routes]
