"""Every organiser form follows one pattern, written here once.

Show the form with its values (and no errors); on a refused submission show it again with the
values typed, a message beside each field the service named and a message above the form, with
the error's status (422 for invalid input, 409 for a closed jury sheet: `web.errors`); after a
good one redirect with 303, so reloading the next page never submits twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events_app.domain.errors import DomainError
from events_app.web.errors import error_message, field_messages, status_for
from events_app.web.organiser.auth import CSRF_FIELD, page


async def submitted(request: Request) -> dict[str, str]:
    """The form's text fields as typed, without the CSRF token (an upload is read by its endpoint)."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str) and name != CSRF_FIELD}


def refusal(error: DomainError) -> dict[str, Any]:
    """What a refused form adds to its page: messages by field and the message above the form."""
    return {"errors": field_messages(error), "message": error_message(error)}


def show(request: Request, template: str, context: Mapping[str, Any], *, status_code: int = 200) -> Response:
    """The form page; `errors`, `message` and `values` are empty unless the context gives them."""
    return page(request, template, {"errors": {}, "message": None, "values": {}, **context}, status_code=status_code)


def refuse(request: Request, template: str, error: DomainError, context: Mapping[str, Any]) -> Response:
    """The form again, with the values in `context`, the error's messages and its status."""
    return show(request, template, {**context, **refusal(error)}, status_code=status_for(error))


def done(target: str) -> RedirectResponse:
    """After a good submission: on to `target` with 303 See Other, so the browser GETs it."""
    return RedirectResponse(target, status_code=303)


def download(content: bytes, name: str, media_type: str, *, headers: Mapping[str, str] | None = None) -> Response:
    """An export the organiser's form asked for: saved as `name` (RFC 6266, the UTF-8 form too), never cached."""
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store", **(headers or {})})
