"""The workspace's front door: sign in and out, the landing page, one's account, the audit log."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from events_app.domain.errors import N_, InvalidInput
from events_app.domain.staff import Forbidden
from events_app.services.programme import catalogue
from events_app.services.staff import accounts, audit
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.errors import status_for
from events_app.web.organiser import forms
from events_app.web.organiser.auth import (
    SESSION_COOKIE,
    current_member,
    member_of,
    page,
    safe_next,
    staff_route,
)

LOGIN_CSRF_COOKIE = "login_csrf"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


async def login_form(request: Request) -> Response:
    if await current_member(request) is not None:
        return forms.done(safe_next(request.query_params.get("next")))
    return _login_page(request, {}, status_code=200)


def _login_page(request: Request, context: dict[str, object], *, status_code: int) -> Response:
    # Before sign-in there is no session to hold a CSRF token: the form and a cookie carry the same value.
    token = secrets.token_urlsafe(24)
    response = page(request, "organiser/login.html", {
        "login_token": token, "next": safe_next(request.query_params.get("next")), "values": {}, "errors": {},
        **context}, status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                        secure=_secure(request), path="/organiser/login")
    return response


async def login(request: Request) -> Response:
    form = await request.form()
    email, password = str(form.get("email", ""))[:254], str(form.get("password", ""))[:1000]
    presented, expected = str(form.get("login_token", "")), request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise Forbidden(N_("The form has expired or did not come from this site. Reload the page and try again."))
    try:
        signed_in = await accounts.sign_in(request.state.store, email=email, password=password,
                                        ip=client_address(request), now=clock.now(request))
    except InvalidInput as error:
        return _login_page(request, {"values": {"email": email}, **forms.refusal(error)},
                           status_code=status_for(error))
    target = safe_next(str(form.get("next", "")))
    response = forms.done(target)
    response.set_cookie(SESSION_COOKIE, signed_in.token, max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
                        httponly=True, samesite="lax", secure=_secure(request), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/organiser/login")
    return response


async def logout(request: Request) -> Response:
    await accounts.sign_out(request.state.store, request.cookies.get(SESSION_COOKIE, ""))
    response = forms.done("/organiser/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def home(request: Request) -> Response:
    member = member_of(request)
    events = await catalogue.list_all_events(request.state.store)
    mine = [event for event in events if member.is_admin or event.id in member.event_ids()]
    return page(request, "organiser/home.html", {
        "events": [(event, sorted(str(role) for role in member.roles.get(event.id, frozenset()))) for event in mine],
    })


async def account(request: Request) -> Response:
    return forms.show(request, "organiser/account.html", {"saved": request.query_params.get("saved") == "1"})


async def change_password(request: Request) -> Response:
    form = await request.form()
    member = member_of(request)
    try:
        await accounts.change_password(request.state.store, member=member,
                                       current=str(form.get("current_password", "")),
                                       new=str(form.get("new_password", "")), now=clock.now(request),
                                       ip=client_address(request))
    except InvalidInput as error:
        return forms.refuse(request, "organiser/account.html", error, {"saved": False})
    return forms.done("/organiser/account?saved=1")


async def audit_log(request: Request) -> Response:
    member = member_of(request)
    organised = member.organised_events()
    if not member.reads_audit_log:
        raise Forbidden(N_("The audit log is for organisers and administrators"))
    entries = await audit.entries(request.state.store, event_ids=None if member.is_admin else organised,
                                  own_staff_id=member.id, action=request.query_params.get("action") or None)
    return page(request, "organiser/audit.html", {"entries": entries})


routes = [
    Route("/organiser/login", login_form, methods=["GET"], name="organiser_login"),
    Route("/organiser/login", login, methods=["POST"], name="organiser_login_post"),
    staff_route("/organiser/logout", logout, methods=["POST"], name="organiser_logout"),
    staff_route("/organiser", home, name="organiser_home"),
    staff_route("/organiser/account", account, name="organiser_account"),
    staff_route("/organiser/account/password", change_password, methods=["POST"], name="organiser_password"),
    staff_route("/organiser/audit", audit_log, name="organiser_audit"),
]
