"""Domain errors and HTTP errors mapped once: JSON under /api/, a styled page elsewhere, and the
field messages and status of a refused form (`web/organiser/forms.py` uses them)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from events_app.domain.consultations import SlotTaken, SlotUnavailable, TooLateToCancel
from events_app.domain.defences import ScoringClosed
from events_app.domain.errors import DomainError, InvalidInput, NotFound
from events_app.domain.links import InvalidLink
from events_app.domain.staff import Forbidden, NotSignedIn
from events_app.i18n import gettext
from events_app.services.rate_limit import TooManyRequests
from events_app.services.registration.signup import RegistrationClosed, RegistrationGone
from events_app.services.visits.buses import BusNotEmpty

logger = logging.getLogger("events_app")

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFound: 404, InvalidInput: 422, InvalidLink: 403, RegistrationGone: 410, RegistrationClosed: 409,
    TooManyRequests: 429, Forbidden: 403, NotSignedIn: 401, ScoringClosed: 409,
    SlotTaken: 409, SlotUnavailable: 409, TooLateToCancel: 409, BusNotEmpty: 409,
}
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 422: "invalid_input", 500: "server_error",
              503: "unavailable"}


def status_for(error: DomainError) -> int:
    """The HTTP status a domain error answers with, on a page, in the API and for a refused form."""
    return next((code for kind, code in STATUS_BY_ERROR.items() if isinstance(error, kind)), 400)


def field_messages(error: DomainError) -> dict[str, str]:
    """The error's messages by field name, in the request's language: what a form shows beside
    each field it refuses, and what the API returns under `fields`."""
    return {name: _filled(gettext(text), error.values) for name, text in error.fields.items()}


def error_message(error: DomainError) -> str:
    """The error's message in the request's language, its named values filled in after translation."""
    return _filled(gettext(error.message), error.values)


def _filled(text: str, values: Mapping[str, object]) -> str:
    return text % values if values else text


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_json(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, object] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return JSONResponse({"error": body}, status_code=status)


def error_page(request: Request, status: int, message: str, title: str | None = None) -> Response:
    titles = {404: gettext("Page not found"), 500: gettext("Something went wrong"),
              403: gettext("The link does not work"), 410: gettext("The registration is cancelled"),
              401: gettext("Sign in first")}
    return request.app.state.templates.TemplateResponse(
        request, "error.html",
        {"status": status, "title": title or titles.get(status, gettext("Request refused")), "message": message},
        status_code=status,
    )


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = status_for(exc)
    if exc.code == "unauthorized" and not isinstance(exc, NotSignedIn):
        status = 401 if _is_api(request) else 403
    if _is_api(request):
        response: Response = error_json(status, exc.code, error_message(exc), field_messages(exc))
    else:
        title = gettext("No access") if isinstance(exc, Forbidden) else None
        response = error_page(request, status, error_message(exc), title)
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _is_api(request):
        return error_json(exc.status_code, HTTP_CODES.get(exc.status_code, "error"), str(exc.detail))
    message = gettext("There is no page at this address.") if exc.status_code == 404 else str(exc.detail)
    return error_page(request, exc.status_code, message)


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """The database cannot be reached: say so with a 503 and when to retry; the service keeps
    running and serves again as soon as the database answers."""
    logger.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    message = gettext("The service cannot reach its database right now. Please try again in a minute.")
    if _is_api(request):
        response: Response = error_json(503, "unavailable", message)
    else:
        response = error_page(request, 503, message, gettext("Temporarily unavailable"))
    response.headers["Retry-After"] = "30"
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    message = gettext("The server could not complete the request. Please try again in a minute.")
    if _is_api(request):
        return error_json(500, "server_error", message)
    return error_page(request, 500, message)
