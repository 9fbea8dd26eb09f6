"""Staff accounts, for administrators: create accounts, give and take roles per event, disable
and enable accounts. The accounts service audits every change."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from events_app.domain.agenda import EventStatus
from events_app.domain.errors import N_, InvalidInput
from events_app.domain.staff import ROLE_LABELS, Role
from events_app.i18n import format_date_range, gettext
from events_app.services.programme import catalogue
from events_app.services.programme.catalogue import EventView
from events_app.services.staff import accounts
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.organiser import forms
from events_app.web.organiser.auth import ADMIN, member_of, staff_route
from events_app.web.templating import localized


def _event_label(event: EventView) -> str:
    """An event as a person picks it from a list: its title, city and dates (two years' sessions share a title)."""
    label = f"{localized(event)} — {localized(event, 'city')}, {format_date_range(event.starts_on, event.ends_on)}"
    return f"{label} ({gettext(N_('draft'))})" if event.status == EventStatus.DRAFT.value else label


async def _staff_page(request: Request, *, values: dict[str, str] | None = None, error: InvalidInput | None = None,
                      failed_account: int | None = None, grant_values: dict[str, str] | None = None) -> Response:
    store = request.state.store
    context: dict[str, Any] = {
        "accounts": await accounts.accounts(store),
        "events": [(event.slug, _event_label(event)) for event in await catalogue.list_all_events(store)],
        "roles": [(role.value, gettext(ROLE_LABELS[role])) for role in Role],
        "values": values or {}, "failed_account": failed_account, "done": request.query_params.get("done", ""),
        "grant_values": grant_values or {},
    }
    if error is None:
        return forms.show(request, "organiser/staff.html", context)
    return forms.refuse(request, "organiser/staff.html", error, context)


async def staff_page(request: Request) -> Response:
    return await _staff_page(request)


async def create_account(request: Request) -> Response:
    form = await forms.submitted(request)
    try:
        staff_id = await accounts.create_staff(
            request.state.store, email=form.get("email", ""), name=form.get("name", ""),
            password=form.get("password", ""), is_admin=form.get("is_admin") == "1", now=clock.now(request),
            actor=member_of(request), ip=client_address(request))
    except InvalidInput as error:
        form.pop("password", None)
        return await _staff_page(request, values=form, error=error)
    # Straight to the new account's card, where its role is given next.
    return forms.done(f"/organiser/staff?done=created#account-{staff_id}")


async def grant(request: Request) -> Response:
    form = await forms.submitted(request)
    staff_id = request.path_params["staff_id"]
    try:
        await accounts.grant_event_role(request.state.store, staff_id=staff_id, slug=form.get("event", ""),
                                     role=form.get("role", ""), visitor_data=form.get("visitor_data") == "1",
                                     actor=member_of(request), ip=client_address(request), now=clock.now(request))
    except InvalidInput as error:
        return await _staff_page(request, error=error, failed_account=staff_id, grant_values=form)
    return forms.done(f"/organiser/staff?done=granted#account-{staff_id}")


async def revoke(request: Request) -> Response:
    form = await forms.submitted(request)
    staff_id = request.path_params["staff_id"]
    await accounts.revoke_event_role(request.state.store, staff_id=staff_id, slug=form.get("event", ""),
                                  role=form.get("role", ""), actor=member_of(request), ip=client_address(request),
                                  now=clock.now(request))
    return forms.done(f"/organiser/staff?done=revoked#account-{staff_id}")


async def change_status(request: Request) -> Response:
    form = await forms.submitted(request)
    staff_id = request.path_params["staff_id"]
    try:
        await accounts.set_account_disabled(request.state.store, staff_id=staff_id,
                                         disabled=form.get("disabled") == "1", actor=member_of(request),
                                         ip=client_address(request), now=clock.now(request))
    except InvalidInput as error:
        return await _staff_page(request, error=error, failed_account=staff_id)
    return forms.done(f"/organiser/staff?done=status#account-{staff_id}")


routes = [
    staff_route("/organiser/staff", staff_page, roles=(ADMIN,), name="staff_accounts"),
    staff_route("/organiser/staff", create_account, methods=("POST",), roles=(ADMIN,), name="staff_create"),
    staff_route("/organiser/staff/{staff_id:int}/roles", grant, methods=("POST",), roles=(ADMIN,), name="staff_grant"),
    staff_route("/organiser/staff/{staff_id:int}/roles/revoke", revoke, methods=("POST",), roles=(ADMIN,),
                name="staff_revoke"),
    staff_route("/organiser/staff/{staff_id:int}/status", change_status, methods=("POST",), roles=(ADMIN,),
                name="staff_status"),
]
