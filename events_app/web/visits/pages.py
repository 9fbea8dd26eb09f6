"""The delegate's side of site visits: the passport fields a visit's enterprise asks for.

Reached from the cabinet (the same signed link), so only the delegate gives or withdraws them;
the form is offered only when a visit they chose requires it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from events_app import i18n
from events_app.domain.errors import InvalidInput
from events_app.domain.visitor_data import VISITOR_CONSENT_TEXT
from events_app.services.registration.views import RegistrationView, cabinet_registration
from events_app.services.visits import visitor_data
from events_app.web import clock
from events_app.web.client import client_address

FIELDS = ("passport_series", "passport_number", "birth_date", "citizenship", "visitor_consent")


async def _registration(request: Request) -> RegistrationView:
    return await cabinet_registration(request.state.store, request.state.settings.secret_key,
                                      request.path_params["token"], now=clock.now(request))


async def _page(request: Request, view: RegistrationView, *, values: dict[str, Any], errors: dict[str, str],
                message: str | None = None, status_code: int = 200) -> Response:
    status = await visitor_data.visitor_data_status(request.state.store, view.id)
    response = request.app.state.templates.TemplateResponse(request, "visitor_data.html", {
        "r": view, "token": request.path_params["token"], "status": status, "values": values,
        "errors": {name: i18n.gettext(text) for name, text in errors.items()},
        "message": i18n.gettext(message) if message else None, "consent_text": VISITOR_CONSENT_TEXT,
        "saved": request.query_params.get("saved") == "1",
    }, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


async def visitor_data_form(request: Request) -> Response:
    # The fields given before are never shown back: the form only replaces them.
    return await _page(request, await _registration(request), values={}, errors={})


async def visitor_data_submit(request: Request) -> Response:
    view = await _registration(request)
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in FIELDS}
    try:
        await visitor_data.save(request.state.store, request.state.settings, view.id, values,
                                ip=client_address(request), now=clock.now(request))
    except InvalidInput as error:
        # Only the harmless fields go back into the form; the passport number is typed again.
        kept = {"citizenship": values["citizenship"], "birth_date": values["birth_date"]}
        return await _page(request, view, values=kept, errors=error.fields, message=error.message, status_code=422)
    return RedirectResponse(str(request.url_for("visitor_data", token=request.path_params["token"])) + "?saved=1",
                            status_code=303)


async def visitor_data_forget(request: Request) -> Response:
    view = await _registration(request)
    await visitor_data.forget(request.state.store, view.id)
    return RedirectResponse(str(request.url_for("visitor_data", token=request.path_params["token"])), status_code=303)


routes = [
    Route("/cabinet/{token}/visitor-data", visitor_data_form, methods=["GET"], name="visitor_data"),
    Route("/cabinet/{token}/visitor-data", visitor_data_submit, methods=["POST"], name="visitor_data_submit"),
    Route("/cabinet/{token}/visitor-data/forget", visitor_data_forget, methods=["POST"], name="visitor_data_forget"),
]
