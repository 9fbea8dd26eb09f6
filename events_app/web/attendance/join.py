"""`/j/{token}`: count the delegate's join and send them on to the webinar.

An unknown or revoked token gets the ordinary "not found" page, which never carries the webinar's
address; the redirect is never cached, so every following is counted.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from events_app.services.attendance import join_links
from events_app.web import clock


async def join(request: Request) -> Response:
    address = await join_links.follow(request.state.store, request.path_params["token"], now=clock.now(request))
    return RedirectResponse(address, status_code=302, headers={"Cache-Control": "no-store",
                                                                 "Referrer-Policy": "no-referrer"})


routes = [Route("/j/{token}", join, name="join")]
