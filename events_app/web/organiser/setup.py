"""Event set-up pages: a new event, and an event's settings (details, publication, venues,
organisations, registration). Each form shows its errors next to the fields it names."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from events_app.domain.agenda import EventFormat, VenueKind
from events_app.domain.errors import N_, InvalidInput
from events_app.domain.regions import REGIONS
from events_app.domain.staff import Role
from events_app.i18n import gettext
from events_app.services.event_setup import events, organisations
from events_app.services.event_setup.events import Actor, SessionsOutsideDays, VenueInUse
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.organiser import forms
from events_app.web.organiser.auth import ADMIN, event_of, member_of, staff_route
from events_app.web.templating import EVENT_FORMATS, VENUE_KINDS, region_name

ORGANISER = (Role.ORGANISER,)


def _choices() -> dict[str, list[tuple[str, str]]]:
    """Options of the set-up forms' lists, in the page's language."""
    return {"formats": [(item.value, gettext(EVENT_FORMATS[item.value])) for item in EventFormat],
            "venue_kinds": [(item.value, gettext(VENUE_KINDS[item.value])) for item in VenueKind],
            "regions": [(region.code, f"{region.code} · {region_name(region)}") for region in REGIONS],
            "roles": [("organiser", gettext(N_("Organiser"))), ("partner", gettext(N_("Partner")))]}


def _actor(request: Request) -> Actor:
    return Actor(member=member_of(request), ip=client_address(request), now=clock.now(request))


def _base(request: Request) -> str:
    return f"/organiser/events/{event_of(request).slug}/settings"


def _setup_page(request: Request, template: str, context: dict[str, Any],
                error: InvalidInput | None = None) -> Response:
    """A set-up form (`forms.show`, or `forms.refuse` with an error) with the lists its fields offer."""
    full: dict[str, Any] = {**_choices(), "saved": request.query_params.get("saved") == "1", **context}
    if "organisations" in context:
        full["organisation_options"] = [(item.key, item.name) for item in context["organisations"]]
    return forms.show(request, template, full) if error is None else forms.refuse(request, template, error, full)


# --- A new event ---------------------------------------------------------------------------------

async def new_event_form(request: Request) -> Response:
    return _setup_page(request, "organiser/setup_new.html", {"values": {"timezone": "Europe/Moscow"}})


async def new_event(request: Request) -> Response:
    form = await forms.submitted(request)
    try:
        slug = await events.create_event(request.state.store, form, actor=_actor(request))
    except InvalidInput as error:
        return _setup_page(request, "organiser/setup_new.html", {"values": form}, error)
    return forms.done(f"/organiser/events/{slug}/settings?created=1")


# --- Settings overview, details and publication ------------------------------------------------

async def settings_page(request: Request) -> Response:
    settings = await events.event_settings(request.state.store, event_of(request).id)
    return _setup_page(request, "organiser/setup.html", {"settings": settings,
                                                     "created": request.query_params.get("created") == "1"})


async def details_form(request: Request) -> Response:
    settings = await events.event_settings(request.state.store, event_of(request).id)
    return _setup_page(request, "organiser/setup_details.html", {"values": settings.details_form(), "outside": []})


async def save_details(request: Request) -> Response:
    form = await forms.submitted(request)
    try:
        await events.update_details(request.state.store, event_of(request).id, form, actor=_actor(request))
    except SessionsOutsideDays as error:
        return _setup_page(request, "organiser/setup_details.html", {"values": form, "outside": error.sessions}, error)
    except InvalidInput as error:
        return _setup_page(request, "organiser/setup_details.html", {"values": form, "outside": []}, error)
    return forms.done(f"{_base(request)}/details?saved=1")


async def change_status(request: Request) -> Response:
    form = await forms.submitted(request)
    if form.get("status") == "draft" and form.get("confirm") != "yes":
        # The public page answers 404 at once and registration stops: asked once more.
        return forms.show(request, "organiser/confirm.html", {
            "title": gettext("Take the event back to a draft?"),
            "text": gettext("Its public page and programme disappear at once, registration stops and links "
                            "that delegates already have answer «not found» until you publish it again."),
            "items": [], "action": f"{_base(request)}/status", "hidden": [("status", "draft")],
            "confirm_label": gettext("Yes, take it back to a draft"),
            "back_url": _base(request), "back_label": gettext("No, keep it published"),
        })
    await events.set_status(request.state.store, event_of(request).id, form.get("status", ""),
                                 actor=_actor(request))
    return forms.done(f"{_base(request)}?saved=1")


# --- Venues --------------------------------------------------------------------------------------

async def _venues_page(request: Request, *, values: dict[str, str], error: InvalidInput | None = None) -> Response:
    store, event = request.state.store, event_of(request)
    context = {"venues": await events.venues(store, event.id),
               "organisations": await organisations.all_organisations(store), "values": values, "in_use": []}
    if isinstance(error, VenueInUse):
        context["in_use"] = error.sessions
    return _setup_page(request, "organiser/setup_venues.html", context, error)


async def venues_page(request: Request) -> Response:
    return await _venues_page(request, values={"kind": "hall"})


async def add_venue(request: Request) -> Response:
    form = await forms.submitted(request)
    try:
        await events.save_venue(request.state.store, event_of(request).id, None, form, actor=_actor(request))
    except InvalidInput as error:
        return await _venues_page(request, values=form, error=error)
    return forms.done(f"{_base(request)}/venues?saved=1")


async def _venue_page(request: Request, values: dict[str, str] | None = None,
                      error: InvalidInput | None = None) -> Response:
    store, event = request.state.store, event_of(request)
    found = await events.venue(store, event.id, request.path_params["venue_id"])
    context = {"venue": found, "values": values if values is not None else found.form(),
               "organisations": await organisations.all_organisations(store)}
    return _setup_page(request, "organiser/setup_venue.html", context, error)


async def venue_page(request: Request) -> Response:
    return await _venue_page(request)


async def save_venue(request: Request) -> Response:
    form = await forms.submitted(request)
    try:
        await events.save_venue(request.state.store, event_of(request).id, request.path_params["venue_id"],
                                     form, actor=_actor(request))
    except InvalidInput as error:
        return await _venue_page(request, form, error)
    return forms.done(f"{_base(request)}/venues?saved=1")


async def remove_venue(request: Request) -> Response:
    try:
        await events.remove_venue(request.state.store, event_of(request).id, request.path_params["venue_id"],
                                       actor=_actor(request))
    except VenueInUse as error:
        return await _venues_page(request, values={"kind": "hall"}, error=error)
    return forms.done(f"{_base(request)}/venues?saved=1")


# --- Organisations -------------------------------------------------------------------------------

async def _organisations_page(request: Request, *, values: dict[str, str] | None = None,
                              error: InvalidInput | None = None) -> Response:
    store, event = request.state.store, event_of(request)
    listed = await organisations.event_organisations(store, event.id)
    context = {"listed": {role: [item for item in listed if item.role == role] for role in organisations.ROLES},
               "organisations": await organisations.all_organisations(store),
               "values": values or {"role": "partner", "existing_role": "partner"}}
    return _setup_page(request, "organiser/setup_organisations.html", context, error)


async def organisations_page(request: Request) -> Response:
    return await _organisations_page(request)


async def add_new_organisation(request: Request) -> Response:
    form = await forms.submitted(request)
    try:
        await organisations.add_new_organisation(request.state.store, event_of(request).id, form, actor=_actor(request))
    except InvalidInput as error:
        return await _organisations_page(request, values=form, error=error)
    return forms.done(f"{_base(request)}/organisations?saved=1")


async def link_organisation(request: Request) -> Response:
    form = await forms.submitted(request)
    try:
        await organisations.link_organisation(request.state.store, event_of(request).id, form.get("existing", ""),
                                            form.get("existing_role", ""), actor=_actor(request))
    except InvalidInput as error:
        return await _organisations_page(request, values=form, error=error)
    return forms.done(f"{_base(request)}/organisations?saved=1")


async def _organisation_page(request: Request, values: dict[str, str] | None = None,
                             error: InvalidInput | None = None) -> Response:
    found = await organisations.organisation(request.state.store, request.path_params["key"])
    context = {"organisation": found, "values": values if values is not None else found.form()}
    return _setup_page(request, "organiser/setup_organisation.html", context, error)


async def organisation_page(request: Request) -> Response:
    return await _organisation_page(request)


async def save_organisation(request: Request) -> Response:
    form = await forms.submitted(request)
    try:
        await organisations.update_organisation(request.state.store, event_of(request).id, request.path_params["key"],
                                              form, actor=_actor(request))
    except InvalidInput as error:
        return await _organisation_page(request, form, error)
    return forms.done(f"{_base(request)}/organisations?saved=1")


async def arrange_organisation(request: Request) -> Response:
    form = await forms.submitted(request)
    store, event, key, role = request.state.store, event_of(request), request.path_params["key"], form.get("role", "")
    action = form.get("action", "")
    if action == "remove":
        await organisations.unlink_organisation(store, event.id, key, role, actor=_actor(request))
    else:
        await organisations.move_organisation(store, event.id, key, role, -1 if action == "up" else 1,
                                            actor=_actor(request))
    return forms.done(f"{_base(request)}/organisations?saved=1")


# --- Registration settings -----------------------------------------------------------------------

async def registration_form(request: Request) -> Response:
    settings = await events.event_settings(request.state.store, event_of(request).id)
    return _setup_page(request, "organiser/setup_registration.html",
                   {"settings": settings, "values": settings.registration_form()})


async def save_registration(request: Request) -> Response:
    form = await forms.submitted(request)
    store, event = request.state.store, event_of(request)
    try:
        await events.update_registration(store, event.id, form, actor=_actor(request))
    except InvalidInput as error:
        settings = await events.event_settings(store, event.id)
        return _setup_page(request, "organiser/setup_registration.html", {"settings": settings, "values": form}, error)
    return forms.done(f"{_base(request)}/registration?saved=1")


S = "/organiser/events/{slug}/settings"
routes = [
    staff_route("/organiser/events/new", new_event_form, roles=(ADMIN,), name="setup_new_event"),
    staff_route("/organiser/events/new", new_event, methods=("POST",), roles=(ADMIN,), name="setup_new_event_post"),
    staff_route(S, settings_page, roles=ORGANISER, name="setup_settings"),
    staff_route(S + "/status", change_status, methods=("POST",), roles=ORGANISER, name="setup_status"),
    staff_route(S + "/details", details_form, roles=ORGANISER, name="setup_details"),
    staff_route(S + "/details", save_details, methods=("POST",), roles=ORGANISER, name="setup_details_post"),
    staff_route(S + "/venues", venues_page, roles=ORGANISER, name="setup_venues"),
    staff_route(S + "/venues", add_venue, methods=("POST",), roles=ORGANISER, name="setup_venues_post"),
    staff_route(S + "/venues/{venue_id:int}", venue_page, roles=ORGANISER, name="setup_venue"),
    staff_route(S + "/venues/{venue_id:int}", save_venue, methods=("POST",), roles=ORGANISER, name="setup_venue_post"),
    staff_route(S + "/venues/{venue_id:int}/remove", remove_venue, methods=("POST",), roles=ORGANISER,
                name="setup_venue_remove"),
    staff_route(S + "/organisations", organisations_page, roles=ORGANISER, name="setup_organisations"),
    staff_route(S + "/organisations/new", add_new_organisation, methods=("POST",), roles=ORGANISER,
                name="setup_organisation_new"),
    staff_route(S + "/organisations/link", link_organisation, methods=("POST",), roles=ORGANISER,
                name="setup_organisation_link"),
    staff_route(S + "/organisations/{key}", organisation_page, roles=ORGANISER, name="setup_organisation"),
    staff_route(S + "/organisations/{key}", save_organisation, methods=("POST",), roles=ORGANISER,
                name="setup_organisation_post"),
    staff_route(S + "/organisations/{key}/arrange", arrange_organisation, methods=("POST",), roles=ORGANISER,
                name="setup_organisation_arrange"),
    staff_route(S + "/registration", registration_form, roles=ORGANISER, name="setup_registration"),
    staff_route(S + "/registration", save_registration, methods=("POST",), roles=ORGANISER,
                name="setup_registration_post"),
]
