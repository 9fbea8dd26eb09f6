"""The organiser workspace (`/organiser`): one module per area, each exporting its `routes`.

Every route here is declared with `auth.staff_route`, which checks sign-in, roles and CSRF.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from events_app.web.organiser import (
    agenda,
    agenda_transfer,
    attendance,
    badges,
    certificates,
    consultations,
    dashboard,
    defences,
    devices,
    home,
    jury,
    registrations,
    setup,
    staff_admin,
    visits,
)

routes: list[BaseRoute] = [
    *home.routes,
    *staff_admin.routes,
    *setup.routes,
    *agenda.routes,
    *agenda_transfer.routes,
    *registrations.routes,
    *badges.routes,
    *attendance.routes,
    *certificates.routes,
    *dashboard.routes,
    *devices.routes,
    *visits.routes,
    *defences.routes,
    *jury.routes,
    *consultations.routes,
]
