"""Public defence pages: a team's application form, its cabinet (signed link), and the projector's
stage screen with the small JSON state it polls every second."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from events_app import i18n
from events_app.domain.defences import SLIDES_MAX_BYTES
from events_app.domain.errors import N_, InvalidInput
from events_app.domain.links import read_stage_link
from events_app.services import rate_limit
from events_app.services.defences import applications, stage
from events_app.services.defences import blocks as defences
from events_app.services.programme import catalogue
from events_app.web import clock
from events_app.web.client import client_address

HONEYPOT = "website"



def _render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


async def _apply_page(request: Request, values: dict[str, str], errors: dict[str, str], *, message: str | None = None,
                      status_code: int = 200) -> Response:
    event = await catalogue.get_event(request.state.store, request.path_params["slug"])
    blocks = await defences.list_blocks(request.state.store, event)
    return _render(request, "defence_apply.html", {
        "event": event, "blocks": [session for session, _count in blocks], "values": values,
        "errors": {name: i18n.gettext(text) for name, text in errors.items()},
        "message": i18n.gettext(message) if message else None}, status_code=status_code)


async def apply_form(request: Request) -> Response:
    return await _apply_page(request, {}, {})


async def apply_submit(request: Request) -> Response:
    store, now = request.state.store, clock.now(request)
    form = await request.form()
    values = {name: str(value) for name, value in form.items() if isinstance(value, str)}
    if values.get(HONEYPOT):
        return await _apply_page(request, values, {}, message=N_("The form could not be accepted. Please try again."),
                                 status_code=400)
    event = await catalogue.get_event(store, request.path_params["slug"])
    try:
        await rate_limit.hit(store, applications.APPLICATIONS_PER_ADDRESS, client_address(request) or "unknown",
                             now=now)
        await applications.submit(store, request.state.settings, event, values,
                                          language=i18n.current_language(), ip=client_address(request), now=now)
    except InvalidInput as error:
        return await _apply_page(request, values, error.fields, message=error.message, status_code=422)
    except rate_limit.TooManyRequests as error:
        response = await _apply_page(request, values, {}, message=error.message, status_code=429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    request.state.outbox.notify()
    return _render(request, "defence_applied.html", {"event": event, "email": values.get("email", "")})


async def _cabinet_page(request: Request, *, errors: dict[str, str] | None = None, message: str | None = None,
                        status_code: int = 200) -> Response:
    view = await applications.cabinet(request.state.store, request.state.settings,
                                              request.path_params["token"], now=clock.now(request))
    response = _render(request, "defence_cabinet.html", {
        "view": view, "a": view.application, "event": view.event, "token": request.path_params["token"],
        "max_mb": SLIDES_MAX_BYTES // (1024 * 1024), "errors": {k: i18n.gettext(v) for k, v in (errors or {}).items()},
        "message": i18n.gettext(message) if message else None,
        "uploaded": request.query_params.get("uploaded") == "1"}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


async def cabinet(request: Request) -> Response:
    return await _cabinet_page(request)


async def upload_slides(request: Request) -> Response:
    async with request.form(max_part_size=SLIDES_MAX_BYTES + 1024) as form:
        upload = form.get("slides")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        if not data:
            raise InvalidInput(N_("Choose a PDF file"), fields={"slides": N_("Choose a PDF file")})
        await applications.upload_slides(request.state.store, request.state.settings,
                                                 request.path_params["token"], data, now=clock.now(request))
    except InvalidInput as error:
        return await _cabinet_page(request, errors=error.fields, message=error.message, status_code=422)
    return RedirectResponse(f"/defences/cabinet/{request.path_params['token']}?uploaded=1", status_code=303)


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})


async def team_slides(request: Request) -> Response:
    data = await applications.team_slides(request.state.store, request.state.settings,
                                                  request.path_params["token"], now=clock.now(request))
    return _pdf(data, "slides.pdf")


async def published_slides(request: Request) -> Response:
    event = await catalogue.get_event(request.state.store, request.path_params["slug"])
    data = await applications.published_slides(request.state.store, request.state.settings, event,
                                                       request.path_params["application_id"])
    return _pdf(data, f"slides-{request.path_params['application_id']}.pdf")


async def _stage_state(request: Request) -> stage.StageState:
    store = request.state.store
    session_id = read_stage_link(request.state.settings.secret_key, request.path_params["token"],
                                 now=clock.now(request))
    event = await catalogue.get_event(store, await stage.event_of_block(store, session_id), include_drafts=True)
    return await stage.state(store, event, session_id)


async def stage_screen(request: Request) -> Response:
    state = await _stage_state(request)
    return _render(request, "stage.html", {"state": state, "event": state.block.event,
                                           "state_url": f"/stage/{request.path_params['token']}/state.json"})


async def stage_json(request: Request) -> Response:
    state = await _stage_state(request)
    return JSONResponse(state.as_json(clock.now(request)), headers={"Cache-Control": "no-store"})


routes = [
    Route("/events/{slug}/defences/apply", apply_form, methods=["GET"], name="defence_apply"),
    Route("/events/{slug}/defences/apply", apply_submit, methods=["POST"], name="defence_apply_submit"),
    Route("/events/{slug}/defences/slides/{application_id:int}.pdf", published_slides, name="defence_published_slides"),
    Route("/defences/cabinet/{token}", cabinet, name="defence_cabinet"),
    Route("/defences/cabinet/{token}/slides", upload_slides, methods=["POST"], name="defence_cabinet_slides"),
    Route("/defences/cabinet/{token}/slides.pdf", team_slides, name="defence_cabinet_slides_pdf"),
    Route("/stage/{token}", stage_screen, name="stage_screen"),
    Route("/stage/{token}/state.json", stage_json, name="stage_state"),
]
