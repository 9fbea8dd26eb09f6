"""Attendance in the workspace: the matrix of delegates and sessions, and its XLSX."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from events_app.domain.attendance import Mark
from events_app.domain.staff import Role
from events_app.services.attendance import matrix
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.organiser import forms
from events_app.web.organiser.auth import event_of, member_of, page, staff_route

ORGANISERS = (Role.ORGANISER,)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def attendance_page(request: Request) -> Response:
    found = await matrix.event_matrix(request.state.store, event_of(request).id)
    return page(request, "organiser/attendance.html", {"matrix": found, "marks": Mark})


async def attendance_xlsx(request: Request) -> Response:
    event = event_of(request)
    content = await matrix.matrix_xlsx(request.state.store, event.id, actor=member_of(request), now=clock.now(request),
                                       ip=client_address(request))
    name = f"{event.slug}-attendance-{clock.now(request):%Y%m%d-%H%M}.xlsx"
    return forms.download(content, name, XLSX)


PATH = "/organiser/events/{slug}/attendance"
routes = [
    staff_route(PATH, attendance_page, roles=ORGANISERS, name="organiser_attendance"),
    staff_route(PATH + "/attendance.xlsx", attendance_xlsx, methods=("POST",), roles=ORGANISERS,
                name="organiser_attendance_xlsx"),
]
