"""Refuses request bodies over 1 MB with 413 before the application reads them.

One route takes more: a team's slides (a PDF of a presentation), up to `LARGER_BODIES`' limit.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events_app.domain.defences import SLIDES_MAX_BYTES

MAX_BODY_BYTES = 1024 * 1024
# (path pattern, limit): the slides form carries the file plus a few fields.
LARGER_BODIES = ((re.compile(r"^/defences/cabinet/[^/]+/slides$"), SLIDES_MAX_BYTES + 64 * 1024),)


class BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        path = scope.get("path", "")
        for pattern, larger in LARGER_BODIES:
            if pattern.match(path):
                limit = larger
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(scope, send)


async def _refuse(scope: Scope, send: Send) -> None:
    is_api = scope.get("path", "").startswith("/api/")
    if is_api:
        body = b'{"error": {"code": "too_large", "message": "The request body is larger than 1 MB"}}'
        content_type = b"application/json"
    else:
        body = "Запрос больше 1 МБ: он не принят. / The request is larger than 1 MB.".encode()
        content_type = b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
