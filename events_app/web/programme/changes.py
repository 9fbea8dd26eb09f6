"""The public changelog of an event's programme: every published version, newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from events_app.services.agenda_builder import publishing
from events_app.services.programme import catalogue


async def agenda_changes(request: Request) -> Response:
    store = request.state.store
    event = await catalogue.get_event(store, request.path_params["slug"])
    versions = [(version, publishing.lines(version.changes)) for version in await publishing.versions(store, event)]
    return request.app.state.templates.TemplateResponse(request, "agenda_changes.html", {
        "event": event, "versions": versions})


routes = [Route("/events/{slug}/changes", agenda_changes, name="agenda_changes")]
