"""Organiser pages for project defences: blocks and their slots, applications, criteria, the jury,
results and the stage control (`/organiser/events/{slug}/defences…`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from events_app import i18n
from events_app.domain.defences import ApplicationStatus
from events_app.domain.errors import InvalidInput
from events_app.domain.links import sign_stage_link
from events_app.domain.staff import Role
from events_app.services.defences import applications as defence_applications
from events_app.services.defences import blocks as defences
from events_app.services.defences import jury, stage
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.errors import status_for
from events_app.web.organiser import forms
from events_app.web.organiser.auth import event_of, member_of, page, staff_route

BASE = "/organiser/events/{slug}/defences"
ORGANISER = (Role.ORGANISER,)


def _back(request: Request, suffix: str = "", query: str = "") -> Response:
    return forms.done(f"/organiser/events/{event_of(request).slug}/defences{suffix}" + (f"?{query}" if query else ""))


def _who(request: Request) -> dict[str, Any]:
    return {"actor": member_of(request), "ip": client_address(request), "now": clock.now(request)}


async def index(request: Request) -> Response:
    store, event = request.state.store, event_of(request)
    blocks = await defences.list_blocks(store, event)
    applications = await defence_applications.list_applications(store, event)
    return page(request, "organiser/defences.html", {
        "blocks": blocks, "waiting": sum(1 for a in applications if a.status == ApplicationStatus.WAITING),
        "applications_count": len(applications),
    })


async def _block_page(request: Request, session_id: int, *, error: InvalidInput | None = None,
                      values: dict[str, str] | None = None, field_prefix: str = "") -> Response:
    """The block's page; after a refused form its messages, the fields named with `field_prefix`
    (the criterion form's fields are `criterion_title`, ... on a page with other forms)."""
    store, event = request.state.store, event_of(request)
    block = await defences.get_block(store, event, session_id)
    assigned = {expert.id for expert in block.experts}
    stage_token = sign_stage_link(request.state.settings.secret_key, session_id=session_id, now=clock.now(request))
    context = {
        "block": block, "values": values or {},
        "candidates": [e for e in await defences.event_experts(store, event) if e.id not in assigned],
        "stage_url": f"{request.state.settings.base_url}/stage/{stage_token}",
        "done": request.query_params.get("done", ""),
    }
    if error is None:
        return forms.show(request, "organiser/defences_block.html", context)
    refused = forms.refusal(error)
    refused["errors"] = {f"{field_prefix}{name}": text for name, text in refused["errors"].items()}
    return forms.show(request, "organiser/defences_block.html", {**context, **refused}, status_code=status_for(error))


async def block_page(request: Request) -> Response:
    return await _block_page(request, request.path_params["session_id"])


async def add_slot(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    form = await forms.submitted(request)
    try:
        await defences.add_slot(request.state.store, event_of(request), session_id, form, **_who(request))
    except InvalidInput as error:
        return await _block_page(request, session_id, error=error, values=form)
    return _back(request, f"/{session_id}", "done=slot")


async def edit_slot(request: Request) -> Response:
    store, event = request.state.store, event_of(request)
    slot_id = request.path_params["slot_id"]
    refused: InvalidInput | None = None
    values: dict[str, str] = {}
    if request.method == "POST":
        values = await forms.submitted(request)
        try:
            session_id = await defences.update_slot(store, event, slot_id, values, **_who(request))
            return _back(request, f"/{session_id}", "done=slot")
        except InvalidInput as error:
            refused = error
    block = await defences.slot_block(store, event, slot_id)
    slot = block.slot(slot_id)
    if not values:
        values = {"project_title": slot.project_title, "organisations": slot.organisations,
                  "regions": slot.regions or "", "presenters": slot.presenters,
                  "talk_minutes": str(slot.talk_minutes), "question_minutes": str(slot.question_minutes)}
    context = {"block": block, "slot": slot, "values": values}
    if refused is None:
        return forms.show(request, "organiser/defences_slot.html", context)
    return forms.refuse(request, "organiser/defences_slot.html", refused, context)


async def move_slot(request: Request) -> Response:
    form = await request.form()
    step = -1 if form.get("direction") == "up" else 1
    session_id = await defences.move_slot(request.state.store, event_of(request), request.path_params["slot_id"],
                                          step, **_who(request))
    return _back(request, f"/{session_id}", f"done=moved#slot-{request.path_params['slot_id']}")


async def remove_slot(request: Request) -> Response:
    session_id = await defences.remove_slot(request.state.store, event_of(request), request.path_params["slot_id"],
                                            **_who(request))
    return _back(request, f"/{session_id}", "done=removed")


async def add_criterion(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    form = await forms.submitted(request)
    try:
        await defences.add_criterion(request.state.store, event_of(request), session_id, form, **_who(request))
    except InvalidInput as error:
        return await _block_page(request, session_id, error=error, values=form, field_prefix="criterion_")
    return _back(request, f"/{session_id}", "done=criteria#criteria")


async def add_usual_criteria(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    await defences.add_usual_criteria(request.state.store, event_of(request), session_id, translate=i18n.gettext,
                                      **_who(request))
    return _back(request, f"/{session_id}", "done=criteria#criteria")


async def remove_criterion(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    try:
        await defences.remove_criterion(request.state.store, event_of(request), session_id,
                                        request.path_params["criterion_id"], **_who(request))
    except InvalidInput as error:
        return await _block_page(request, session_id, error=error)
    return _back(request, f"/{session_id}", "done=criteria#criteria")


async def assign_expert(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    form = await request.form()
    staff_id = str(form.get("staff_id", ""))
    try:
        await defences.assign_expert(request.state.store, event_of(request), session_id,
                                     int(staff_id) if staff_id.isdigit() else 0, **_who(request))
    except InvalidInput as error:
        return await _block_page(request, session_id, error=error)
    return _back(request, f"/{session_id}", "done=jury#jury")


async def unassign_expert(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    await defences.unassign_expert(request.state.store, event_of(request), session_id,
                                   request.path_params["staff_id"], **_who(request))
    return _back(request, f"/{session_id}", "done=jury#jury")


async def scoring(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    form = await request.form()
    await jury.set_closed(request.state.store, event_of(request), session_id, form.get("closed") == "1",
                          **_who(request))
    return _back(request, f"/{session_id}", "done=scoring#jury")


async def reveal(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    form = await request.form()
    await jury.set_reveal_experts(request.state.store, event_of(request), session_id, form.get("reveal") == "1",
                                  **_who(request))
    return _back(request, f"/{session_id}/results", "done=reveal")


async def results(request: Request) -> Response:
    found = await jury.results(request.state.store, event_of(request), request.path_params["session_id"])
    return page(request, "organiser/defences_results.html", {
        "results": found, "block": found.block, "done": request.query_params.get("done", ""),
        "sent": request.query_params.get("sent", ""),
    })


async def export(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    data = await jury.export_xlsx(request.state.store, event_of(request), session_id, **_who(request))
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": f'attachment; filename="defences-{session_id}.xlsx"', "Cache-Control": "no-store"})


async def send_remarks(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    sent = await jury.send_remarks(request.state.store, request.state.settings, event_of(request), session_id,
                                   **_who(request))
    request.state.outbox.notify()
    return _back(request, f"/{session_id}/results", f"sent={sent}")


async def applications(request: Request) -> Response:
    store, event = request.state.store, event_of(request)
    return page(request, "organiser/defences_applications.html", {
        "applications": await defence_applications.list_applications(store, event),
        "blocks": [session for session, _count in await defences.list_blocks(store, event)],
        "done": request.query_params.get("done", ""), "message": None,
    })


async def decide(request: Request) -> Response:
    store, event = request.state.store, event_of(request)
    form = await request.form()
    session_id = str(form.get("session_id", ""))
    try:
        await defence_applications.decide(
            store, request.state.settings, event, request.path_params["application_id"], str(form.get("decision", "")),
            session_id=int(session_id) if session_id.isdigit() else None,
            talk_minutes=str(form.get("talk_minutes", "15")), question_minutes=str(form.get("question_minutes", "5")),
            **_who(request))
    except InvalidInput as error:
        return forms.refuse(request, "organiser/defences_applications.html", error, {
            "applications": await defence_applications.list_applications(store, event),
            "blocks": [session for session, _count in await defences.list_blocks(store, event)], "done": ""})
    request.state.outbox.notify()
    return _back(request, "/applications", f"done=decided#application-{request.path_params['application_id']}")


async def publish_slides(request: Request) -> Response:
    form = await request.form()
    await defence_applications.set_slides_published(
        request.state.store, event_of(request), request.path_params["application_id"], form.get("published") == "1",
        **_who(request))
    return _back(request, "/applications", "done=slides")


async def slides(request: Request) -> Response:
    data = await defence_applications.slides_for_staff(request.state.store, request.state.settings, event_of(request),
                                                       request.path_params["application_id"], member_of(request))
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="slides-{request.path_params["application_id"]}.pdf"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


async def stage_control(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    state = await stage.state(request.state.store, event_of(request), session_id)
    stage_token = sign_stage_link(request.state.settings.secret_key, session_id=session_id, now=clock.now(request))
    return page(request, "organiser/defences_stage.html", {
        "state": state, "block": state.block, "stage_url": f"{request.state.settings.base_url}/stage/{stage_token}"})


async def stage_action(request: Request) -> Response:
    session_id = request.path_params["session_id"]
    await stage.act(request.state.store, event_of(request), session_id, request.path_params["action"],
                    **_who(request))
    return _back(request, f"/{session_id}/stage")


routes = [
    staff_route(BASE, index, roles=ORGANISER, name="organiser_defences"),
    staff_route(BASE + "/applications", applications, roles=ORGANISER, name="organiser_defence_applications"),
    staff_route(BASE + "/applications/{application_id:int}/decide", decide, methods=("POST",), roles=ORGANISER,
                name="organiser_defence_decide"),
    staff_route(BASE + "/applications/{application_id:int}/slides-publish", publish_slides, methods=("POST",),
                roles=ORGANISER, name="organiser_defence_slides_publish"),
    staff_route(BASE + "/applications/{application_id:int}/slides.pdf", slides, roles=(Role.ORGANISER, Role.EXPERT),
                name="organiser_defence_slides"),
    staff_route(BASE + "/{session_id:int}", block_page, roles=ORGANISER, name="organiser_defence_block"),
    staff_route(BASE + "/{session_id:int}/slots", add_slot, methods=("POST",), roles=ORGANISER,
                name="organiser_defence_slot_add"),
    staff_route(BASE + "/slots/{slot_id:int}/edit", edit_slot, methods=("GET", "POST"), roles=ORGANISER,
                name="organiser_defence_slot_edit"),
    staff_route(BASE + "/slots/{slot_id:int}/move", move_slot, methods=("POST",), roles=ORGANISER,
                name="organiser_defence_slot_move"),
    staff_route(BASE + "/slots/{slot_id:int}/remove", remove_slot, methods=("POST",), roles=ORGANISER,
                name="organiser_defence_slot_remove"),
    staff_route(BASE + "/{session_id:int}/criteria", add_criterion, methods=("POST",), roles=ORGANISER,
                name="organiser_defence_criterion_add"),
    staff_route(BASE + "/{session_id:int}/criteria/usual", add_usual_criteria, methods=("POST",), roles=ORGANISER,
                name="organiser_defence_criteria_usual"),
    staff_route(BASE + "/{session_id:int}/criteria/{criterion_id:int}/remove", remove_criterion, methods=("POST",),
                roles=ORGANISER, name="organiser_defence_criterion_remove"),
    staff_route(BASE + "/{session_id:int}/experts", assign_expert, methods=("POST",), roles=ORGANISER,
                name="organiser_defence_expert_add"),
    staff_route(BASE + "/{session_id:int}/experts/{staff_id:int}/remove", unassign_expert, methods=("POST",),
                roles=ORGANISER, name="organiser_defence_expert_remove"),
    staff_route(BASE + "/{session_id:int}/scoring", scoring, methods=("POST",), roles=ORGANISER,
                name="organiser_defence_scoring"),
    staff_route(BASE + "/{session_id:int}/reveal", reveal, methods=("POST",), roles=ORGANISER,
                name="organiser_defence_reveal"),
    staff_route(BASE + "/{session_id:int}/results", results, roles=ORGANISER, name="organiser_defence_results"),
    staff_route(BASE + "/{session_id:int}/results.xlsx", export, roles=ORGANISER, name="organiser_defence_export"),
    staff_route(BASE + "/{session_id:int}/remarks", send_remarks, methods=("POST",), roles=ORGANISER,
                name="organiser_defence_remarks"),
    staff_route(BASE + "/{session_id:int}/stage", stage_control, roles=ORGANISER, name="organiser_defence_stage"),
    staff_route(BASE + "/{session_id:int}/stage/{action}", stage_action, methods=("POST",), roles=ORGANISER,
                name="organiser_defence_stage_action"),
]
