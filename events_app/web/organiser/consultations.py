"""Consultations in the workspace: organisers publish, move and cancel slots; a specialist sees
their day on a phone and records each consultation; organisers set an event's reminders."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from events_app.domain.errors import InvalidInput
from events_app.domain.staff import Role
from events_app.services.consultations import publishing, specialist
from events_app.services.programme import catalogue
from events_app.services.reminders import preferences
from events_app.web import clock
from events_app.web.organiser import forms
from events_app.web.organiser.auth import event_of, member_of, page, staff_route

BASE = "/organiser/consultations"


async def _slots_page(request: Request, *, values: dict[str, str] | None = None,
                      error: InvalidInput | None = None) -> Response:
    member = member_of(request)
    allowed = publishing.managed_events(member)
    events = [event for event in await catalogue.list_all_events(request.state.store)
              if allowed is None or event.id in allowed]
    context = {
        "slots": await publishing.managed_slots(request.state.store, member, now=clock.now(request)),
        "events": events, "may_publish": allowed is None or bool(allowed),
        "values": values or {"minutes": "30"}, "saved": request.query_params.get("saved") == "1",
    }
    if error is None:
        return forms.show(request, "organiser/consultations.html", context)
    return forms.refuse(request, "organiser/consultations.html", error, context)


async def slot_list(request: Request) -> Response:
    return await _slots_page(request)


async def slot_publish(request: Request) -> Response:
    values = await forms.submitted(request)
    try:
        await publishing.publish(request.state.store, member_of(request), values, now=clock.now(request))
    except InvalidInput as error:
        return await _slots_page(request, values=values, error=error)
    return forms.done(BASE + "?saved=1")


async def slot_move(request: Request) -> Response:
    values = await forms.submitted(request)
    try:
        await publishing.move(request.state.store, request.state.settings, member_of(request),
                              request.path_params["slot_id"],
                              values.get("starts_at", ""), now=clock.now(request))
    except InvalidInput as error:
        return await _slots_page(request, error=error)
    request.state.outbox.notify()
    return forms.done(BASE + "?saved=1")


async def slot_cancel(request: Request) -> Response:
    await publishing.cancel(request.state.store, request.state.settings, member_of(request),
                            request.path_params["slot_id"], now=clock.now(request))
    request.state.outbox.notify()
    return forms.done(BASE + "?saved=1")


async def my_day(request: Request) -> Response:
    """The specialist's consultations of one day (today in the slots' own zone by default)."""
    member, moment = member_of(request), clock.now(request)
    try:
        on = date.fromisoformat(request.query_params.get("date", ""))
    except ValueError:
        on = moment.date()
    items = await specialist.day(request.state.store, member, on, now=moment)
    return page(request, "organiser/consultations_day.html", {
        "items": items, "on": on, "saved": request.query_params.get("saved") == "1"})


async def record(request: Request) -> Response:
    form = await forms.submitted(request)
    member = member_of(request)
    await specialist.record(request.state.store, member, request.path_params["booking_id"],
                            outcome=form.get("outcome", ""), note=form.get("note", ""), now=clock.now(request))
    on = form.get("date", "")
    return forms.done(f"{BASE}/day?date={on}&saved=1" if on else f"{BASE}/day?saved=1")


async def reminders_form(request: Request, *, error: InvalidInput | None = None) -> Response:
    chosen = await preferences.for_event(request.state.store, event_of(request).id)
    context = {"chosen": chosen, "saved": request.query_params.get("saved") == "1"}
    if error is None:
        return forms.show(request, "organiser/reminders.html", context)
    return forms.refuse(request, "organiser/reminders.html", error, context)


async def reminders_save(request: Request) -> Response:
    event = event_of(request)
    try:
        chosen = preferences.validate(await forms.submitted(request))
    except InvalidInput as error:
        return await reminders_form(request, error=error)
    await preferences.save(request.state.store, event.id, chosen)
    return forms.done(f"/organiser/events/{event.slug}/reminders?saved=1")


async def reminders_page(request: Request) -> Response:
    return await reminders_form(request)


routes = [
    staff_route(BASE, slot_list, name="organiser_consultations"),
    staff_route(BASE, slot_publish, methods=("POST",), name="organiser_consultations_publish"),
    staff_route(BASE + "/{slot_id:int}/move", slot_move, methods=("POST",), name="organiser_consultations_move"),
    staff_route(BASE + "/{slot_id:int}/cancel", slot_cancel, methods=("POST",), name="organiser_consultations_cancel"),
    staff_route(BASE + "/day", my_day, name="consultant_day"),
    staff_route(BASE + "/bookings/{booking_id:int}", record, methods=("POST",), name="consultant_record"),
    staff_route("/organiser/events/{slug}/reminders", reminders_page, roles=(Role.ORGANISER,),
                name="organiser_reminders"),
    staff_route("/organiser/events/{slug}/reminders", reminders_save, methods=("POST",), roles=(Role.ORGANISER,),
                name="organiser_reminders_save"),
]
