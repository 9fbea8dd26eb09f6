"""JSON API, version 1: the public programme. Shapes are declared in `openapi.py`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from events_app.services.programme import catalogue
from events_app.services.programme.catalogue import EventView, OrganisationView, SessionView, VenueView
from events_app.web.openapi import openapi_document
from events_app.web.public_cache import PAGE_SECONDS, remembered


def _absolute(request: Request, path: str) -> str:
    return request.state.settings.base_url + path


def _organisation(organisation: OrganisationView) -> dict[str, Any]:
    return {"key": organisation.key, "name": organisation.name, "short_name": organisation.short_name,
            "inn": organisation.inn, "website": organisation.website}


def event_summary(request: Request, event: EventView) -> dict[str, Any]:
    return {
        "slug": event.slug, "title": event.title, "title_en": event.title_en, "format": event.format,
        "city": event.city, "region": {"code": event.region.code, "name": event.region.name_ru},
        "timezone": event.timezone, "starts_on": event.starts_on.isoformat(), "ends_on": event.ends_on.isoformat(),
        "url": _absolute(request, f"/events/{event.slug}"),
    }


def _venue(venue: VenueView) -> dict[str, Any]:
    return {"key": venue.key, "name": venue.name, "kind": venue.kind, "address": venue.address,
            "latitude": venue.latitude, "longitude": venue.longitude,
            "host": _organisation(venue.host) if venue.host else None}


def session_json(request: Request, event: EventView, session: SessionView) -> dict[str, Any]:
    # `online_url` stays in the shape but is always null: a webinar's address is given to each
    # delegate as their own join link (`/j/{token}`), never to the public.
    return {
        "id": session.id, "key": session.key, "kind": session.kind, "title": session.title,
        "title_en": session.title_en, "description": session.description,
        "starts_at": session.starts_at.isoformat(), "ends_at": session.ends_at.isoformat(),
        "venue": _venue(session.venue) if session.venue else None, "capacity": session.capacity,
        "signup_required": session.signup_required, "online_url": None,
        "speakers": [{"name": s.name, "position": s.position, "organisation": s.organisation}
                     for s in session.speakers],
        "url": _absolute(request, f"/events/{event.slug}/sessions/{session.id}"),
    }


async def list_events(request: Request) -> Response:
    events = await catalogue.list_events(request.state.store)
    return JSONResponse({"events": [event_summary(request, event) for event in events]})


async def get_event(request: Request) -> Response:
    event = await catalogue.get_event(request.state.store, request.path_params["slug"])
    return JSONResponse({
        **event_summary(request, event),
        "description": event.description,
        "days": [day.isoformat() for day in event.days],
        "organisers": [_organisation(o) for o in event.organisers],
        "partners": [_organisation(o) for o in event.partners],
    })


async def list_sessions(request: Request) -> Response:
    store = request.state.store
    event = await catalogue.get_event(store, request.path_params["slug"])
    day = catalogue.parse_day(event, request.query_params.get("day"))
    kind = catalogue.parse_kind(request.query_params.get("kind"))
    sessions = await catalogue.list_sessions(store, event, day=day, kind=kind)
    return JSONResponse({"event": event.slug, "timezone": event.timezone,
                         "sessions": [session_json(request, event, session) for session in sessions]})


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(request.state.settings.base_url))


routes = [
    Route("/events", remembered(list_events, seconds=PAGE_SECONDS), name="api_events"),
    Route("/events/{slug}", remembered(get_event, seconds=PAGE_SECONDS), name="api_event"),
    Route("/events/{slug}/sessions", remembered(list_sessions), name="api_sessions"),
    Route("/openapi.json", openapi, name="api_openapi"),
]
