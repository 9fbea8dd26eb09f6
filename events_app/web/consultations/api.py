"""`/api/v1/consultations`: free and booked slots, and booking one (201, or 409 `slot_taken`)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from events_app import i18n
from events_app.domain.errors import N_, InvalidInput
from events_app.services import rate_limit
from events_app.services.consultations import bookings, slots
from events_app.services.consultations.bookings import SlotTakenError
from events_app.services.consultations.letters import booking_url
from events_app.web.client import client_address
from events_app.web.consultations.pages import _filters, now_of
from events_app.web.errors import error_json


def slot_json(slot: slots.SlotView) -> dict[str, Any]:
    return {
        "id": slot.id, "starts_at": slot.starts_at.isoformat(), "ends_at": slot.ends_at.isoformat(),
        "timezone": slot.timezone, "topic": slot.topic, "specialist": slot.specialist, "status": slot.status,
        "centre": slot.centre, "place": slot.place, "online": slot.online_url is not None, "event": slot.event_slug,
    }


async def list_slots(request: Request) -> Response:
    if request.query_params.get("date"):
        try:
            date.fromisoformat(request.query_params["date"])
        except ValueError:
            raise InvalidInput(N_("date must be YYYY-MM-DD"), fields={"date": N_("date must be YYYY-MM-DD")}) from None
    found = await slots.list_slots(request.state.store, now=now_of(request), filters=_filters(request))
    return JSONResponse({"slots": [slot_json(slot) for slot in found]})


async def create_booking(request: Request) -> Response:
    store, now = request.state.store, now_of(request)
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(N_("The request body is not valid JSON")) from None
    if not isinstance(body, dict):
        raise InvalidInput(N_("The request body must be a JSON object"))
    await rate_limit.hit(store, rate_limit.REGISTRATION_PER_ADDRESS, client_address(request) or "unknown", now=now)
    data = {**body, "consent": body.get("consent") is True}
    try:
        booking = await bookings.book(store, request.state.settings, slot_id=request.path_params["slot_id"], data=data,
                                      consent_ip=client_address(request), language=i18n.current_language(), now=now)
    except InvalidInput as error:
        return error_json(422, error.code, i18n.gettext(error.message),
                          {name: i18n.gettext(text) for name, text in error.fields.items()})
    except SlotTakenError as error:
        return JSONResponse({"error": {"code": error.code, "message": i18n.gettext(error.message)},
                             "next_free": [slot_json(slot) for slot in error.taken.offered]}, status_code=409)
    request.state.outbox.notify()
    url = booking_url(request.state.settings, booking)
    return JSONResponse({"id": booking.id, "status": booking.status, "slot": slot_json(booking.slot),
                         "booking_url": url, "calendar_url": f"{url}/calendar.ics",
                         "cancel_until": booking.cancel_until.isoformat()}, status_code=201)


routes = [
    Route("/consultations/slots", list_slots, methods=["GET"], name="api_consultation_slots"),
    Route("/consultations/slots/{slot_id:int}/bookings", create_booking, methods=["POST"],
          name="api_consultation_book"),
]
