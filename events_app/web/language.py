"""Sets each request's interface language from the `lang` cookie."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from events_app.i18n import COOKIE, language


class LanguageMiddleware:
    """Sets the language of each request for gettext and the formatting filters."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = None
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                for part in value.decode("latin-1").split(";"):
                    key, _, val = part.strip().partition("=")
                    if key == COOKIE:
                        cookie = val
        with language(cookie or ""):
            await self.app(scope, receive, send)
