"""Public consultation pages, phone first: slots with filters, the booking form, the booking itself."""

from __future__ import annotations

from datetime import date, datetime
from itertools import groupby
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from events_app import i18n
from events_app.domain.consent import STANDARD_TEXT, STANDARD_VERSION
from events_app.domain.consultations import SlotUnavailable, TooLateToCancel
from events_app.domain.errors import N_, InvalidInput
from events_app.services import rate_limit
from events_app.services.consultations import bookings, slots
from events_app.services.consultations.bookings import SlotTakenError
from events_app.web.client import client_address

FIELDS = ("surname", "given_name", "patronymic", "email", "phone", "organisation_name", "organisation_inn", "consent")


def now_of(request: Request) -> datetime:
    """The application's clock (a fixed one in tests)."""
    moment: datetime = request.state.clock.now()
    return moment


def _render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


def _filters(request: Request) -> slots.SlotFilter:
    params = request.query_params
    day = None
    try:
        day = date.fromisoformat(params.get("date", "")) if params.get("date") else None
    except ValueError:
        day = None
    return slots.SlotFilter(topic=params.get("topic") or None, specialist=params.get("specialist") or None, day=day)


async def slot_list(request: Request) -> Response:
    store, now = request.state.store, now_of(request)
    chosen = _filters(request)
    found = await slots.list_slots(store, now=now, filters=chosen)
    topics, specialists = await slots.choices(store, now=now)
    return _render(request, "consultations.html", {
        "days": [(day, list(items)) for day, items in groupby(found, key=lambda slot: slot.starts_at.date())],
        "topics": topics, "specialists": specialists, "chosen": chosen,
    })


async def _form(request: Request, slot: slots.SlotView, values: dict[str, Any], errors: dict[str, str], *,
                message: str | None = None, offered: list[slots.SlotView] | None = None,
                status_code: int = 200) -> Response:
    return _render(request, "consultation_book.html", {
        "slot": slot, "values": values, "errors": {name: i18n.gettext(text) for name, text in errors.items()},
        "message": i18n.gettext(message) if message else None, "offered": offered,
        "bookable": not slot.booked and not slot.cancelled and slot.starts_at > now_of(request),
    }, status_code=status_code)


async def book_form(request: Request) -> Response:
    slot = await slots.get_slot(request.state.store, request.path_params["slot_id"])
    offered = await slots.next_free(request.state.store, slot, now=now_of(request)) if slot.booked else None
    return await _form(request, slot, {}, {}, offered=offered)


async def book_submit(request: Request) -> Response:
    store, now = request.state.store, now_of(request)
    slot = await slots.get_slot(store, request.path_params["slot_id"])
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in FIELDS}
    if form.get("website"):
        return await _form(request, slot, values, {}, message=N_("The form could not be accepted. Please try again."),
                           status_code=400)
    try:
        await rate_limit.hit(store, rate_limit.REGISTRATION_PER_ADDRESS, client_address(request) or "unknown", now=now)
        booking = await bookings.book(store, request.state.settings, slot_id=slot.id, data=values,
                                      consent_ip=client_address(request), language=i18n.current_language(), now=now)
    except InvalidInput as error:
        return await _form(request, slot, values, error.fields, message=error.message, status_code=422)
    except SlotTakenError as error:
        return await _form(request, await slots.get_slot(store, slot.id), values, {}, message=error.message,
                           offered=error.taken.offered, status_code=409)
    except SlotUnavailable as error:
        return await _form(request, slot, values, {}, message=error.message, status_code=409)
    except rate_limit.TooManyRequests as error:
        response = await _form(request, slot, values, {}, message=error.message, status_code=429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    request.state.outbox.notify()
    return RedirectResponse(f"/consultations/b/{booking.secret}?booked=1", status_code=303)


async def booking_page(request: Request, *, message: str | None = None, status_code: int = 200) -> Response:
    booking = await bookings.booking_by_secret(request.state.store, request.path_params["secret"])
    response = _render(request, "consultation_booking.html", {
        "booking": booking, "booked": request.query_params.get("booked") == "1",
        "may_cancel": booking.active and now_of(request) < booking.cancel_until,
        "message": i18n.gettext(message) if message else None,
    }, status_code=status_code)
    response.headers["Cache-Control"] = "private, no-store"
    return response


async def booking_cancel(request: Request) -> Response:
    try:
        await bookings.cancel(request.state.store, request.state.settings, request.path_params["secret"],
                              now=now_of(request))
    except TooLateToCancel as error:
        return await booking_page(request, message=error.message, status_code=409)
    request.state.outbox.notify()
    return RedirectResponse(f"/consultations/b/{request.path_params['secret']}", status_code=303)


async def booking_ics(request: Request) -> Response:
    booking = await bookings.booking_by_secret(request.state.store, request.path_params["secret"])
    return Response(bookings.booking_calendar(request.state.settings, booking), media_type="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="consultation.ics"',
                             "Cache-Control": "private, no-store"})


async def consent_page(request: Request) -> Response:
    return _render(request, "consultation_consent.html", {"version": STANDARD_VERSION, "text": STANDARD_TEXT})


routes = [
    Route("/consultations", slot_list, name="consultations"),
    Route("/consultations/consent", consent_page, name="consultation_consent"),
    Route("/consultations/{slot_id:int}", book_form, methods=["GET"], name="consultation_book"),
    Route("/consultations/{slot_id:int}", book_submit, methods=["POST"], name="consultation_book_submit"),
    Route("/consultations/b/{secret}", booking_page, name="consultation_booking"),
    Route("/consultations/b/{secret}/cancel", booking_cancel, methods=["POST"], name="consultation_cancel"),
    Route("/consultations/b/{secret}/calendar.ics", booking_ics, name="consultation_ics"),
]
