"""Consultations in the workspace: organisers publish, move and cancel slots; a specialist sees
their day on a phone and records each consultation; organisers set an event's reminders."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events_app import i18n
from events_app.domain.errors import InvalidInput
from events_app.domain.staff import Role
from events_app.services.consultations import publishing, specialist
from events_app.services.programme import catalogue
from events_app.services.reminders import preferences
from events_app.web.organiser.auth import event_of, member_of, now, page, staff_route

BASE = "/organiser/consultations"


def _form_values(form: object) -> dict[str, str]:
    return {name: str(value) for name, value in form.items()}  # type: ignore[attr-defined]


async def _slots_page(request: Request, *, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                      status_code: int = 200) -> Response:
    member = member_of(request)
    allowed = publishing.managed_events(member)
    events = [event for event in await catalogue.list_all_events(request.state.store)
              if allowed is None or event.id in allowed]
    return page(request, "organiser/consultations.html", {
        "slots": await publishing.managed_slots(request.state.store, member, now=now()),
        "events": events, "may_publish": allowed is None or bool(allowed),
        "values": values or {"minutes": "30"},
        "errors": {name: i18n.gettext(text) for name, text in (errors or {}).items()},
        "saved": request.query_params.get("saved") == "1",
    }, status_code=status_code)


async def slot_list(request: Request) -> Response:
    return await _slots_page(request)


async def slot_publish(request: Request) -> Response:
    values = _form_values(await request.form())
    try:
        await publishing.publish(request.state.store, member_of(request), values, now=now())
    except InvalidInput as error:
        return await _slots_page(request, values=values, errors=error.fields, status_code=422)
    return RedirectResponse(BASE + "?saved=1", status_code=303)


async def slot_move(request: Request) -> Response:
    values = _form_values(await request.form())
    try:
        await publishing.move(request.state.store, request.state.settings, member_of(request),
                              request.path_params["slot_id"],
                              values.get("starts_at", ""), now=now())
    except InvalidInput as error:
        return await _slots_page(request, errors=error.fields, status_code=422)
    request.state.outbox.notify()
    return RedirectResponse(BASE + "?saved=1", status_code=303)


async def slot_cancel(request: Request) -> Response:
    await publishing.cancel(request.state.store, request.state.settings, member_of(request),
                            request.path_params["slot_id"], now=now())
    request.state.outbox.notify()
    return RedirectResponse(BASE + "?saved=1", status_code=303)


async def my_day(request: Request) -> Response:
    """The specialist's consultations of one day (today in the slots' own zone by default)."""
    member, moment = member_of(request), now()
    try:
        on = date.fromisoformat(request.query_params.get("date", ""))
    except ValueError:
        on = moment.date()
    items = await specialist.day(request.state.store, member, on, now=moment)
    return page(request, "organiser/consultations_day.html", {
        "items": items, "on": on, "saved": request.query_params.get("saved") == "1"})


async def record(request: Request) -> Response:
    form = _form_values(await request.form())
    member = member_of(request)
    await specialist.record(request.state.store, member, request.path_params["booking_id"],
                            outcome=form.get("outcome", ""), note=form.get("note", ""), now=now())
    on = form.get("date", "")
    return RedirectResponse(f"{BASE}/day?date={on}&saved=1" if on else f"{BASE}/day?saved=1", status_code=303)


async def reminders_form(request: Request, *, errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    chosen = await preferences.for_event(request.state.store, event_of(request).id)
    return page(request, "organiser/reminders.html", {
        "chosen": chosen, "errors": {name: i18n.gettext(text) for name, text in (errors or {}).items()},
        "saved": request.query_params.get("saved") == "1"}, status_code=status_code)


async def reminders_save(request: Request) -> Response:
    event = event_of(request)
    try:
        chosen = preferences.validate(_form_values(await request.form()))
    except InvalidInput as error:
        return await reminders_form(request, errors=error.fields, status_code=422)
    await preferences.save(request.state.store, event.id, chosen)
    return RedirectResponse(f"/organiser/events/{event.slug}/reminders?saved=1", status_code=303)


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
