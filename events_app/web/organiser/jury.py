"""The jury's phone pages: the expert's blocks with the slot on stage, and a score sheet per project
(`/organiser/events/{slug}/jury…`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from events_app.domain.defences import ScoringClosed
from events_app.domain.errors import DomainError, InvalidInput
from events_app.domain.staff import Role
from events_app.services.defences import jury
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.organiser import forms
from events_app.web.organiser.auth import event_of, member_of, page, staff_route

BASE = "/organiser/events/{slug}/jury"


async def blocks(request: Request) -> Response:
    overview = await jury.expert_overview(request.state.store, event_of(request), member_of(request))
    return page(request, "organiser/jury.html", {"blocks": overview})


async def _sheet_page(request: Request, *, values: dict[str, str] | None = None,
                      error: DomainError | None = None) -> Response:
    found = await jury.jury_slot(request.state.store, event_of(request), request.path_params["slot_id"],
                                 member_of(request))
    if values is None:
        values = {"remarks": found.own.remarks if found.own else ""}
        if found.own:
            values.update({f"criterion-{cid}": str(value) for cid, value in found.own.values.items()})
    context = {"found": found, "block": found.block, "slot": found.slot, "values": values,
               "saved": request.query_params.get("saved") == "1"}
    if error is None:
        return forms.show(request, "organiser/jury_sheet.html", context)
    return forms.refuse(request, "organiser/jury_sheet.html", error, context)


async def sheet(request: Request) -> Response:
    return await _sheet_page(request)


async def submit(request: Request) -> Response:
    form = await forms.submitted(request)
    try:
        await jury.submit(request.state.store, event_of(request), request.path_params["slot_id"], member_of(request),
                          form, ip=client_address(request), now=clock.now(request))
    except (ScoringClosed, InvalidInput) as error:  # 409 and 422: `web.errors.status_for`
        return await _sheet_page(request, values=form, error=error)
    return forms.done(f"/organiser/events/{event_of(request).slug}/jury/slots/{request.path_params['slot_id']}"
                      "?saved=1")


routes = [
    staff_route(BASE, blocks, roles=(Role.EXPERT,), name="jury_blocks"),
    staff_route(BASE + "/slots/{slot_id:int}", sheet, roles=(Role.EXPERT,), name="jury_sheet"),
    staff_route(BASE + "/slots/{slot_id:int}", submit, methods=("POST",), roles=(Role.EXPERT,), name="jury_submit"),
]
