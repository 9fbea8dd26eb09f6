"""The organiser's registrations: the list with search and filters, decisions in bulk, one
registration with its sign-ups (moved between places and waiting lists), and exports."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from events_app import i18n
from events_app.domain.errors import N_, DomainError, NotFound
from events_app.domain.regions import REGIONS
from events_app.domain.registration import CATEGORY_LABELS
from events_app.domain.staff import Role
from events_app.services.badges import printing
from events_app.services.registration import roster
from events_app.services.registration.roster import STATUS_LABELS, BulkRefused, Filters
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.organiser import forms
from events_app.web.organiser.auth import event_of, member_of, page, staff_route

ORGANISERS = (Role.ORGANISER,)
EXPORT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "csv": "text/csv; charset=utf-8"}


def _base(request: Request) -> str:
    return f"/organiser/events/{event_of(request).slug}/registrations"


def _choices() -> dict[str, object]:
    english = i18n.current_language() == "en"
    return {"status_labels": STATUS_LABELS, "category_labels": CATEGORY_LABELS, "regions": REGIONS,
            "region_names": {r.code: r.name_en if english else r.name_ru for r in REGIONS}}


async def _list_page(request: Request, filters: Filters, *, status_code: int = 200,
                     **context: object) -> Response:
    event = event_of(request)
    found = await roster.search(request.state.store, event_id=event.id, filters=filters)
    return page(request, "organiser/registrations.html", {
        "found": found, "filters": filters, "base": _base(request), **_choices(),
        "notice": _notice(request), "problems": [], "error": None, "errors": {}, "reason": "", "selected": set(),
        **context,
    }, status_code=status_code)


def _notice(request: Request) -> dict[str, object] | None:
    done, count = request.query_params.get("done", ""), request.query_params.get("count", "")
    if done in ("approved", "rejected") and count.isdigit():
        return {"done": done, "count": int(count)}
    return None


async def registrations(request: Request) -> Response:
    return await _list_page(request, Filters.parse(request.query_params))


async def decide(request: Request) -> Response:
    form = await request.form()
    filters = Filters.parse({key: str(value) for key, value in form.items()})
    ids = [int(value) for value in form.getlist("ids")
           if isinstance(value, str) and value.isdigit() and len(value) < 10]
    approve = form.get("decision") == "approve"
    reason = str(form.get("reason", ""))[:2000]
    back = str(form.get("back", ""))  # a registration's page the decision was made on
    store, event = request.state.store, event_of(request)
    try:
        count = await roster.decide_many(
            store, request.state.settings, event_id=event.id, registration_ids=ids,
            approve=approve, reason=reason, actor=member_of(request), ip=client_address(request),
            now=clock.now(request))
    except DomainError as error:
        status_code = 409 if isinstance(error, BulkRefused) else 422
        if back.isdigit() and len(back) < 10:
            line = await roster.detail(store, event_id=event.id, registration_id=int(back))
            return await _detail_page(request, line, status_code=status_code, error=error.message,
                                      errors=error.fields, reason=reason)
        return await _list_page(request, filters, status_code=status_code, error=error.message, errors=error.fields,
                                problems=getattr(error, "problems", []), reason=reason, selected=set(ids))
    outcome = f"done={'approved' if approve else 'rejected'}&count={count}"
    if back.isdigit():
        return forms.done(f"{_base(request)}/{back}?{outcome}")
    query = filters.query()
    return forms.done(f"{_base(request)}?{query + '&' if query else ''}{outcome}")



async def registration_detail(request: Request) -> Response:
    event = event_of(request)
    line = await roster.detail(request.state.store, event_id=event.id,
                                           registration_id=request.path_params["registration_id"])
    return await _detail_page(request, line)


async def _detail_page(request: Request, line: roster.RegistrationLine, *, status_code: int = 200,
                       error: str | None = None, errors: dict[str, str] | None = None, reason: str = "") -> Response:
    sessions = await roster.signup_sessions(request.state.store, event_of(request).id)
    badge_printed_at = await printing.printed_at(request.state.store, line.id)
    return page(request, "organiser/registrations_detail.html", {
        "badge_printed_at": badge_printed_at,
        "r": line, "base": _base(request), "capacities": {s.id: s.capacity for s in sessions}, **_choices(),
        "notice": _notice(request), "moved": request.query_params.get("moved", ""), "error": error,
        "errors": errors or {}, "reason": reason,
    }, status_code=status_code)


async def move(request: Request) -> Response:
    form = await request.form()
    event = event_of(request)
    registration_id = request.path_params["registration_id"]
    session = str(form.get("session_id", ""))
    to = str(form.get("to", ""))
    store = request.state.store
    try:
        if not session.isdigit() or len(session) > 9 or to not in ("waitlist", "confirmed"):
            raise DomainError(N_("Choose a session and where to move the delegate"))
        await roster.move(
            store, request.state.settings, event_id=event.id, registration_id=registration_id,
            session_id=int(session), to="waitlist" if to == "waitlist" else "confirmed", actor=member_of(request),
            ip=client_address(request),
            now=clock.now(request))
    except DomainError as error:
        line = await roster.detail(store, event_id=event.id, registration_id=registration_id)
        return await _detail_page(request, line, status_code=409, error=error.message)
    return forms.done(f"{_base(request)}/{registration_id}?moved={to}")


async def export(request: Request) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in EXPORT_TYPES:
        raise NotFound(N_("There is no page at this address."))
    form = await request.form()
    filters = Filters.parse({key: str(value) for key, value in form.items()})
    event = event_of(request)
    content, _ = await roster.export(
        request.state.store, event_id=event.id, filters=filters, fmt=fmt, actor=member_of(request),
        ip=client_address(request), now=clock.now(request))
    name = f"{event.slug}-registrations-{clock.now(request):%Y%m%d-%H%M}.{fmt}"
    return forms.download(content, name, EXPORT_TYPES[fmt])


PATH = "/organiser/events/{slug}/registrations"
routes = [
    staff_route(PATH, registrations, roles=ORGANISERS, name="organiser_registrations"),
    staff_route(PATH + "/decide", decide, methods=("POST",), roles=ORGANISERS, name="organiser_registrations_decide"),
    staff_route(PATH + "/export.{fmt:str}", export, methods=("POST",), roles=ORGANISERS,
                name="organiser_registrations_export"),
    staff_route(PATH + "/{registration_id:int}", registration_detail, roles=ORGANISERS,
                name="organiser_registration"),
    staff_route(PATH + "/{registration_id:int}/move", move, methods=("POST",), roles=ORGANISERS,
                name="organiser_registration_move"),
]
