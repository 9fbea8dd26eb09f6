"""JSON API for registrations: delegates register; organisers approve or reject."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from events_app import i18n
from events_app.domain.errors import N_, DomainError, InvalidInput
from events_app.domain.links import is_organiser_api_token
from events_app.domain.tickets import ticket_url
from events_app.services import rate_limit
from events_app.services.registration import signup
from events_app.services.registration.letters import personal_calendar_url
from events_app.services.registration.signup import RegistrationResult
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.errors import error_json

LINK_SENT = N_("If this address was used to register, a letter with the link is on its way to %(email)s. "
               "Check the spam folder too.")


class Unauthorised(DomainError):
    code = "unauthorized"



async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(N_("The request body is not valid JSON")) from None
    if not isinstance(body, dict):
        raise InvalidInput(N_("The request body must be a JSON object"))
    return body


def _result_json(request: Request, result: RegistrationResult) -> dict[str, Any]:
    settings = request.state.settings
    return {
        "id": result.id,
        "status": result.status,
        "ticket_url": ticket_url(settings.base_url, result.ticket_secret) if result.ticket_secret else None,
        "calendar_url": personal_calendar_url(settings, result.calendar_token),
        "event_position": result.event_position,
        "choices": [{"session_id": c.session_id, "status": c.status, "position": c.position} for c in result.choices],
    }


def _translated(error: InvalidInput) -> JSONResponse:
    return error_json(422, error.code, i18n.gettext(error.message),
                      {name: i18n.gettext(text) for name, text in error.fields.items()})


async def create_registration(request: Request) -> Response:
    store, now = request.state.store, clock.now(request)
    body = await _json_body(request)
    if body.get("website"):
        raise InvalidInput(N_("The form could not be accepted. Please try again."))
    await rate_limit.hit(store, rate_limit.REGISTRATION_PER_ADDRESS, client_address(request) or "unknown", now=now)
    data = {**body, "consent": body.get("consent") is True}
    try:
        result = await signup.register(store, request.state.settings, slug=request.path_params["slug"],
                                             data=data, consent_ip=client_address(request),
                                             language=i18n.current_language(), now=now)
    except InvalidInput as error:
        return _translated(error)
    except signup.AlreadyRegistered:
        # Accepted, nothing created: the same neutral answer as the cabinet-link page.
        request.state.outbox.notify()
        return JSONResponse({"status": "link_sent", "message": i18n.gettext(LINK_SENT) % {"email": data.get("email")}},
                            status_code=202)
    request.state.outbox.notify()
    return JSONResponse(_result_json(request, result), status_code=201)


def _require_organiser(request: Request) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorised(N_("This call needs an organiser token: Authorization: Bearer <token>"))
    if not is_organiser_api_token(request.state.settings.secret_key, token.strip()):
        raise Unauthorised(N_("The organiser token is not valid"))


async def _decide(request: Request, *, approve: bool) -> Response:
    _require_organiser(request)
    body = await _json_body(request) if not approve else {}
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise InvalidInput(N_("The reason must be text"), fields={"reason": N_("The reason must be text")})
    result = await signup.decide(request.state.store, request.state.settings,
                                       request.path_params["registration_id"], approve=approve, reason=reason,
                                       now=clock.now(request))
    request.state.outbox.notify()
    return JSONResponse(_result_json(request, result))


async def approve(request: Request) -> Response:
    return await _decide(request, approve=True)


async def reject(request: Request) -> Response:
    return await _decide(request, approve=False)


routes = [
    Route("/events/{slug}/registrations", create_registration, methods=["POST"], name="api_register"),
    Route("/registrations/{registration_id:int}/approve", approve, methods=["POST"], name="api_approve"),
    Route("/registrations/{registration_id:int}/reject", reject, methods=["POST"], name="api_reject"),
]
