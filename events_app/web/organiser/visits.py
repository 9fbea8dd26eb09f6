"""Site visits in the organiser workspace: buses, moves by hand, manifests, departure times and
the enterprise's visitor list (the last only with the visitor-data permission)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from events_app.domain.errors import N_, DomainError, InvalidInput, NotFound
from events_app.domain.site_visits import TransportKind
from events_app.domain.staff import Role
from events_app.i18n import gettext
from events_app.services.visits import buses, details, transport, visitor_data
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.organiser import forms
from events_app.web.organiser.auth import event_of, member_of, page, staff_route

BASE = "/organiser/events/{slug}/visits"


def _int(value: object, field: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise InvalidInput(N_("Check the highlighted fields"), fields={field: N_("Choose from the list")}) from None


async def visits_page(request: Request) -> Response:
    event = event_of(request)
    visits = await details.list_visits(request.state.store, event.id)
    return page(request, "organiser/visits.html", {"visits": visits, "zone": ZoneInfo(event.timezone)})


def _kinds() -> list[tuple[str, str]]:
    return [(TransportKind.BUS.value, gettext(N_("Bus"))), (TransportKind.CAR.value, gettext(N_("Car")))]


async def _visit_page(request: Request, *, values: dict[str, str] | None = None,
                      error: DomainError | None = None) -> Response:
    """The visit with its buses, and the form that adds one (with what was typed, when refused)."""
    event = event_of(request)
    store = request.state.store
    session_id = _int(request.path_params["session_id"], "session_id")
    visit = await details.get_visit(store, event.id, session_id)
    buses = [(group, await transport.passengers(store, session_id, group.id)) for group in visit.groups]
    unseated = await transport.passengers(store, session_id, None)
    context = {
        "visit": visit, "buses": buses, "unseated": unseated, "zone": ZoneInfo(event.timezone),
        "may_see_visitor_data": member_of(request).may_see_visitor_data(event.id),
        "notice": request.query_params.get("done"), "error": request.query_params.get("error"),
        "report": {name: _count(request.query_params.get(name)) for name in ("seated", "not_seated", "letters")},
        "bus_kinds": _kinds(), "values": values or {"kind": TransportKind.BUS.value}}
    template = "organiser/visits_detail.html"
    return forms.show(request, template, context) if error is None else forms.refuse(request, template, error, context)


async def visit_page(request: Request) -> Response:
    return await _visit_page(request)


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _back(event_slug: str, session_id: int, **query: str) -> Response:
    suffix = "&".join(f"{key}={value}" for key, value in query.items())
    return forms.done(f"/organiser/events/{event_slug}/visits/{session_id}" + (f"?{suffix}" if suffix else ""))


async def assign_seats(request: Request) -> Response:
    event = event_of(request)
    session_id = _int(request.path_params["session_id"], "session_id")
    report = await transport.fill_and_tell(request.state.store, request.state.settings, member=member_of(request),
                                           event_id=event.id, session_id=session_id, ip=client_address(request),
                                           now=clock.now(request))
    request.state.outbox.notify()
    return _back(event.slug, session_id, done="assigned", seated=str(report.seated),
                 not_seated=str(report.not_seated), letters=str(report.letters))


async def move_delegate(request: Request) -> Response:
    event = event_of(request)
    session_id = _int(request.path_params["session_id"], "session_id")
    form = await forms.submitted(request)
    try:
        await transport.move(request.state.store, request.state.settings, member=member_of(request), event_id=event.id,
                             session_id=session_id,
                             registration_id=_int(form.get("registration_id"), "registration_id"),
                             group_id=_int(form.get("group_id"), "group_id"), ip=client_address(request),
                             now=clock.now(request))
    except transport.BusFull:
        return _back(event.slug, session_id, error="full")
    return _back(event.slug, session_id, done="moved")


async def change_times(request: Request) -> Response:
    event = event_of(request)
    session_id = _int(request.path_params["session_id"], "session_id")
    form = await forms.submitted(request)
    zone = ZoneInfo(event.timezone)

    def moment(name: str, required: bool) -> datetime | None:
        raw = str(form.get(name) or "").strip()
        if not raw and not required:
            return None
        try:
            return datetime.fromisoformat(raw).replace(tzinfo=zone)
        except ValueError:
            raise InvalidInput(N_("Check the highlighted fields"), fields={name: N_("Give a date and time")}) from None

    departs = moment("departs_at", True)
    assert departs is not None
    await transport.change_times(request.state.store, request.state.settings, member=member_of(request),
                                 event_id=event.id, session_id=session_id, departs_at=departs,
                                 returns_at=moment("returns_at", False), ip=client_address(request),
                                 now=clock.now(request))
    return _back(event.slug, session_id, done="times")


async def add_bus(request: Request) -> Response:
    event = event_of(request)
    session_id = _int(request.path_params["session_id"], "session_id")
    form = await forms.submitted(request)
    try:
        await buses.add_bus(request.state.store, member=member_of(request), event_id=event.id, session_id=session_id,
                            form=form, ip=client_address(request), now=clock.now(request))
    except InvalidInput as error:
        return await _visit_page(request, values=form, error=error)
    return _back(event.slug, session_id, done="bus_added")


async def _bus_page(request: Request, *, values: dict[str, str] | None = None,
                    error: DomainError | None = None) -> Response:
    event = event_of(request)
    session_id = _int(request.path_params["session_id"], "session_id")
    group_id = _int(request.path_params["group_id"], "group_id")
    visit = await details.get_visit(request.state.store, event.id, session_id)
    group = next((g for g in visit.groups if g.id == group_id), None)
    if group is None:
        raise NotFound(N_("This visit has no bus of that number"))
    context = {"visit": visit, "group": group, "bus_kinds": _kinds(),
               "values": values if values is not None else buses.bus_form(group)}
    template = "organiser/visits_bus.html"
    return forms.show(request, template, context) if error is None else forms.refuse(request, template, error, context)


async def bus_page(request: Request) -> Response:
    return await _bus_page(request)


async def save_bus(request: Request) -> Response:
    event = event_of(request)
    session_id = _int(request.path_params["session_id"], "session_id")
    form = await forms.submitted(request)
    try:
        told = await buses.save_bus(request.state.store, request.state.settings, member=member_of(request),
                                    event_id=event.id, session_id=session_id,
                                    group_id=_int(request.path_params["group_id"], "group_id"), form=form,
                                    ip=client_address(request), now=clock.now(request))
    except InvalidInput as error:
        return await _bus_page(request, values=form, error=error)
    request.state.outbox.notify()
    return _back(event.slug, session_id, done="bus_saved", letters=str(told))


async def remove_bus(request: Request) -> Response:
    event = event_of(request)
    session_id = _int(request.path_params["session_id"], "session_id")
    try:
        await buses.remove_bus(request.state.store, member=member_of(request), event_id=event.id,
                               session_id=session_id, group_id=_int(request.path_params["group_id"], "group_id"),
                               ip=client_address(request), now=clock.now(request))
    except buses.BusNotEmpty as error:
        return await _bus_page(request, error=error)
    return _back(event.slug, session_id, done="bus_removed")


async def manifest_page(request: Request) -> Response:
    event = event_of(request)
    manifest = await transport.manifest(request.state.store, event.id,
                                        _int(request.path_params["session_id"], "session_id"),
                                        _int(request.path_params["group_id"], "group_id"))
    return page(request, "manifest.html", {"manifest": manifest, "zone": ZoneInfo(event.timezone)})


async def visitor_list_page(request: Request) -> Response:
    event = event_of(request)
    visit, visitors = await visitor_data.visitors(
        request.state.store, request.state.settings, member=member_of(request), event_id=event.id,
        session_id=_int(request.path_params["session_id"], "session_id"), ip=client_address(request),
        now=clock.now(request))
    return page(request, "organiser/visits_visitors.html", {"visit": visit, "visitors": visitors})


async def visitor_list_xlsx(request: Request) -> Response:
    event = event_of(request)
    name, content = await visitor_data.export_xlsx(
        request.state.store, request.state.settings, member=member_of(request), event_id=event.id,
        session_id=_int(request.path_params["session_id"], "session_id"), ip=client_address(request),
        now=clock.now(request))
    return Response(content, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


ORGANISER = (Role.ORGANISER,)
routes: list[BaseRoute] = [
    staff_route(BASE, visits_page, roles=ORGANISER, name="organiser_visits"),
    staff_route(BASE + "/{session_id:int}", visit_page, roles=ORGANISER, name="organiser_visit"),
    staff_route(BASE + "/{session_id:int}/assign", assign_seats, methods=("POST",), roles=ORGANISER,
                name="organiser_visit_assign"),
    staff_route(BASE + "/{session_id:int}/move", move_delegate, methods=("POST",), roles=ORGANISER,
                name="organiser_visit_move"),
    staff_route(BASE + "/{session_id:int}/times", change_times, methods=("POST",), roles=ORGANISER,
                name="organiser_visit_times"),
    staff_route(BASE + "/{session_id:int}/buses", add_bus, methods=("POST",), roles=ORGANISER,
                name="organiser_visit_bus_add"),
    staff_route(BASE + "/{session_id:int}/buses/{group_id:int}", bus_page, roles=ORGANISER,
                name="organiser_visit_bus"),
    staff_route(BASE + "/{session_id:int}/buses/{group_id:int}", save_bus, methods=("POST",), roles=ORGANISER,
                name="organiser_visit_bus_save"),
    staff_route(BASE + "/{session_id:int}/buses/{group_id:int}/remove", remove_bus, methods=("POST",),
                roles=ORGANISER, name="organiser_visit_bus_remove"),
    staff_route(BASE + "/{session_id:int}/buses/{group_id:int}/manifest", manifest_page, roles=ORGANISER,
                name="organiser_visit_manifest"),
    staff_route(BASE + "/{session_id:int}/visitors", visitor_list_page, roles=ORGANISER,
                name="organiser_visit_visitors"),
    staff_route(BASE + "/{session_id:int}/visitors.xlsx", visitor_list_xlsx, roles=ORGANISER,
                name="organiser_visit_visitors_xlsx"),
]
