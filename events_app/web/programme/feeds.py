"""Calendar feeds (.ics) and programme exports (schedule.xml/json, agenda.xlsx/csv).

Every document is answered with an ETag; a client that sends it back in If-None-Match gets
304 Not Modified while nothing changed, which is how subscribed calendars and conference apps
poll cheaply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from events_app.data.database import Store
from events_app.services.programme import feeds
from events_app.web.public_cache import entity_tag, matches, remembered

CALENDAR = "text/calendar"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _publication(request: Request) -> feeds.Publication:
    return feeds.publication_for(request.state.settings)


def document(request: Request, body: bytes, *, media_type: str, filename: str | None = None) -> Response:
    tag = entity_tag(body)
    # no-cache: keep a copy but ask each time; the ETag makes asking cheap.
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, media_type=media_type, headers=headers)


async def event_calendar(request: Request) -> Response:
    slug = request.path_params["slug"]
    body = await feeds.event_calendar(request.state.store, slug, _publication(request),
                                      day=request.query_params.get("day"), kind=request.query_params.get("kind"))
    return document(request, body, media_type=CALENDAR, filename=f"{slug}.ics")


async def session_calendar(request: Request) -> Response:
    slug, session_id = request.path_params["slug"], request.path_params["session_id"]
    body = await feeds.session_calendar(request.state.store, slug, session_id, _publication(request))
    return document(request, body, media_type=CALENDAR, filename=f"{slug}-session-{session_id}.ics")


async def personal_calendar(request: Request) -> Response:
    body = await feeds.personal_calendar(request.state.store, request.path_params["token"], _publication(request))
    # A secret address: nothing in between should keep a copy.
    response = document(request, body, media_type=CALENDAR, filename="my-programme.ics")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


Export = Callable[[Store, str, feeds.Publication], Awaitable[bytes]]


def _export(build: Export, media_type: str, name: str | None) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        slug = request.path_params["slug"]
        body = await build(request.state.store, slug, _publication(request))
        return document(request, body, media_type=media_type, filename=f"{slug}-{name}" if name else None)

    endpoint.__qualname__ = f"export.{build.__name__}"
    return remembered(endpoint)


routes = [
    Route("/calendar/{token}.ics", personal_calendar, name="personal_calendar"),
    Route("/events/{slug}/calendar.ics", remembered(event_calendar), name="event_calendar"),
    Route("/events/{slug}/sessions/{session_id:int}.ics", remembered(session_calendar), name="session_calendar"),
    # Apps fetch these by address; shown in the browser rather than downloaded.
    Route("/events/{slug}/schedule.xml", _export(feeds.schedule_xml, "application/xml; charset=utf-8", None),
          name="schedule_xml"),
    Route("/events/{slug}/schedule.json", _export(feeds.schedule_json, "application/json", None), name="schedule_json"),
    Route("/events/{slug}/agenda.xlsx", _export(feeds.agenda_xlsx, XLSX, "agenda.xlsx"), name="agenda_xlsx"),
    Route("/events/{slug}/agenda.csv", _export(feeds.agenda_csv, "text/csv", "agenda.csv"), name="agenda_csv"),
]
