"""`/cabinet/all/{token}`: everything one address holds across events, each with its own actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from events_app.services.cabinet import access, sections


async def everything(request: Request) -> Response:
    store, now = request.state.store, request.state.clock.now()
    email = await access.open_link(store, request.path_params["token"], now=now)
    found = await sections.load(store, request.state.settings, email, now=now)
    response = request.app.state.templates.TemplateResponse(request, "cabinet_all.html", {
        "email": email, "sections": found})
    # Personal data: never in a shared cache, never sent on as a referrer.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


routes = [Route("/cabinet/all/{token}", everything, name="cabinet_all")]
