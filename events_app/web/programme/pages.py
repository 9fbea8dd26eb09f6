"""Public programme pages: event list, event, agenda by day, session, venue."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from events_app import i18n
from events_app.domain.programme_days import by_week, offered_days
from events_app.services.programme import catalogue
from events_app.services.registration import signup
from events_app.services.visits import details
from events_app.web import clock
from events_app.web.public_cache import PAGE_SECONDS, remembered


def _render(request: Request, template: str, context: dict[str, object], status_code: int = 200) -> Response:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


async def event_list(request: Request) -> Response:
    events = await catalogue.list_events(request.state.store)
    return _render(request, "index.html", {"events": events})


async def event_page(request: Request) -> Response:
    store = request.state.store
    event = await catalogue.get_event(store, request.path_params["slug"])
    sessions = await catalogue.list_sessions(store, event)
    return _render(request, "event.html", {
        "event": event,
        "day_counts": {day: sum(1 for s in sessions if s.day == day) for day in event.days},
        "site_visits": [s for s in sessions if s.kind == "site_visit"],
    })


async def agenda_page(request: Request) -> Response:
    store = request.state.store
    event = await catalogue.get_event(store, request.path_params["slug"])
    days = offered_days(event.days, await catalogue.session_days(store, event))
    day = catalogue.parse_day(event, request.query_params.get("day")) or days[0]
    sessions = await catalogue.list_sessions(store, event, day=day)
    return _render(request, "agenda.html", {
        "event": event, "day": day, "slots": catalogue.group_by_time(sessions),
        "weeks": by_week(days, event_days=event.days),
    })


async def session_page(request: Request) -> Response:
    store = request.state.store
    event = await catalogue.get_event(store, request.path_params["slug"])
    session = await catalogue.get_session(store, event, request.path_params["session_id"])
    visit = (await details.visits_by_session(store, [session.id])).get(session.id)
    # A session with sign-up offers «Записаться», or says why registration is not possible now.
    closed = (await signup.closed_reason(store, event.id, now=clock.now(request))
              if session.signup_required else None)
    # The webinar's address is personal (`/j/{token}`): neither the page nor its calendar links carry it.
    return _render(request, "session.html", {"event": event, "session": replace(session, online_url=None),
                                             "online": bool(session.online_url), "visit": visit,
                                             "signup_closed": closed, "zone": ZoneInfo(event.timezone)})


async def venue_page(request: Request) -> Response:
    store = request.state.store
    event = await catalogue.get_event(store, request.path_params["slug"])
    venue, sessions = await catalogue.get_venue(store, event, request.path_params["key"])
    return _render(request, "venue.html", {"event": event, "venue": venue, "sessions": sessions})


async def switch_language(request: Request) -> Response:
    language = i18n.choose_language(request.path_params["language"])
    target = request.query_params.get("next", "/")
    # Only a path on this site: never an open redirect.
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = RedirectResponse(target, status_code=303)
    # Readable by scripts (a preference, not a secret): the door scanner, a page kept offline by its
    # service worker, takes its language from this cookie and switches it itself (static/scanner/words.js).
    response.set_cookie(i18n.COOKIE, language, max_age=365 * 24 * 3600, httponly=False, samesite="lax")
    return response


routes = [
    Route("/", remembered(event_list, seconds=PAGE_SECONDS), name="event_list"),
    Route("/events/{slug}", remembered(event_page, seconds=PAGE_SECONDS), name="event"),
    Route("/events/{slug}/agenda", remembered(agenda_page, seconds=PAGE_SECONDS), name="agenda"),
    Route("/events/{slug}/sessions/{session_id:int}", remembered(session_page, seconds=PAGE_SECONDS), name="session"),
    Route("/events/{slug}/venues/{key}", remembered(venue_page, seconds=PAGE_SECONDS), name="venue"),
    Route("/lang/{language}", switch_language, name="switch_language"),
]
