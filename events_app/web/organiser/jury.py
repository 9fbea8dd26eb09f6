"""The jury's phone pages: the expert's blocks with the slot on stage, and a score sheet per project
(`/organiser/events/{slug}/jury…`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events_app import i18n
from events_app.domain.defences import ScoringClosed
from events_app.domain.errors import InvalidInput
from events_app.domain.staff import Role
from events_app.services.defences import jury, stage
from events_app.web.client import client_address
from events_app.web.organiser.auth import event_of, member_of, now, page, staff_route

BASE = "/organiser/events/{slug}/jury"


async def blocks(request: Request) -> Response:
    store, event, member = request.state.store, event_of(request), member_of(request)
    found = []
    for block in await jury.expert_blocks(store, event, member):
        found.append((block, await stage.state(store, event, block.session.id),
                      await jury.own_sheets(store, block, member)))
    return page(request, "organiser/jury.html", {"blocks": found})


async def _sheet_page(request: Request, *, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                      message: str | None = None, status_code: int = 200) -> Response:
    found = await jury.jury_slot(request.state.store, event_of(request), request.path_params["slot_id"],
                                 member_of(request))
    if values is None:
        values = {"remarks": found.own.remarks if found.own else ""}
        if found.own:
            values.update({f"criterion-{cid}": str(value) for cid, value in found.own.values.items()})
    return page(request, "organiser/jury_sheet.html", {
        "found": found, "block": found.block, "slot": found.slot, "values": values, "errors": errors or {},
        "message": message, "saved": request.query_params.get("saved") == "1",
    }, status_code=status_code)


async def sheet(request: Request) -> Response:
    return await _sheet_page(request)


async def submit(request: Request) -> Response:
    form = {name: str(value) for name, value in (await request.form()).items()}
    try:
        await jury.submit(request.state.store, event_of(request), request.path_params["slot_id"], member_of(request),
                          form, ip=client_address(request), now=now())
    except ScoringClosed as error:
        return await _sheet_page(request, values=form, message=i18n.gettext(error.message), status_code=409)
    except InvalidInput as error:
        return await _sheet_page(request, values=form, message=i18n.gettext(error.message), status_code=422,
                                 errors={name: i18n.gettext(text) for name, text in error.fields.items()})
    return RedirectResponse(f"/organiser/events/{event_of(request).slug}/jury/slots/{request.path_params['slot_id']}"
                            "?saved=1", status_code=303)


routes = [
    staff_route(BASE, blocks, roles=(Role.EXPERT,), name="jury_blocks"),
    staff_route(BASE + "/slots/{slot_id:int}", sheet, roles=(Role.EXPERT,), name="jury_sheet"),
    staff_route(BASE + "/slots/{slot_id:int}", submit, methods=("POST",), roles=(Role.EXPERT,), name="jury_submit"),
]
