"""Signing staff in, and the one way organiser routes are declared: `staff_route`.

Every route of the workspace is built with `staff_route`, which
- finds the signed-in member from the session cookie (or sends the browser to the login page),
- checks the member's role for the event named in the URL (`{slug}`) before the endpoint runs,
- refuses a state-changing request (POST, PUT, PATCH, DELETE) whose CSRF token, from the form
  field `csrf_token` or the `X-CSRF-Token` header, is not the session's, or whose Origin is
  another site.
Each such route carries its `StaffRouteInfo` as `route.staff`: a test walks them with every role
and without tokens.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from events_app.domain.errors import N_
from events_app.domain.staff import Forbidden, NotSignedIn, Role, StaffMember
from events_app.services.programme import catalogue
from events_app.services.programme.catalogue import EventView
from events_app.services.staff import accounts
from events_app.web import clock

SESSION_COOKIE = "staff_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ADMIN = "admin"  # a `roles` value of `staff_route`: only administrators


@dataclass(frozen=True)
class StaffRouteInfo:
    path: str
    methods: tuple[str, ...]
    roles: tuple[str, ...]  # empty: any signed-in member; ADMIN: administrators; else roles for {slug}
    name: str


async def current_member(request: Request) -> StaffMember | None:
    if "staff_member" not in request.scope:
        token = request.cookies.get(SESSION_COOKIE, "")
        request.scope["staff_member"] = (
            await accounts.member_for_session(request.state.store, token, now=clock.now(request)) if token else None)
    member: StaffMember | None = request.scope["staff_member"]
    return member


def member_of(request: Request) -> StaffMember:
    """The member `staff_route` has already checked."""
    member = request.scope.get("staff_member")
    assert isinstance(member, StaffMember)
    return member


def event_of(request: Request) -> EventView:
    """The event named by `{slug}`, already loaded and checked by `staff_route`."""
    event = request.scope.get("staff_event")
    assert isinstance(event, EventView)
    return event


async def check_csrf(request: Request, member: StaffMember) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise Forbidden(N_("The form was sent from another site and was refused"))
    presented = request.headers.get(CSRF_HEADER, "")
    if not presented:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            presented = value if isinstance(value, str) else ""
    if not presented or not hmac.compare_digest(presented.encode(), member.csrf_token.encode()):
        raise Forbidden(N_("The form has expired or did not come from this site. Reload the page and try again."))


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/organiser/login?next={quote(target, safe='')}", status_code=303)


def staff_route(path: str, endpoint: Callable[[Request], Awaitable[Response]], *,
                methods: Sequence[str] = ("GET",), roles: Sequence[str | Role] = (), name: str | None = None) -> Route:
    """A workspace route. `roles`: who may use it (for the event in `{slug}`); ADMIN for admins only;
    empty for any signed-in member. An admin passes every check."""
    wanted = tuple(str(role) for role in roles)
    route_name = name or endpoint.__name__
    assert (ADMIN in wanted) or not wanted or "{slug}" in path, f"{path}: event roles need a {{slug}}"

    async def guarded(request: Request) -> Response:
        member = await current_member(request)
        if member is None:
            if request.method in UNSAFE_METHODS or request.url.path.startswith("/organiser/api/"):
                raise NotSignedIn(N_("Sign in to the organiser workspace first"))
            return _login_redirect(request)
        if ADMIN in wanted and not member.is_admin:
            raise Forbidden(N_("Only an administrator may do this"))
        if "slug" in request.path_params:
            event = await catalogue.get_event(request.state.store, request.path_params["slug"], include_drafts=True)
            if wanted and ADMIN not in wanted and not member.has_role(event.id, *(Role(r) for r in wanted)):
                raise Forbidden(N_("Your account has no access to this part of the event"))
            if not wanted and not member.is_admin and event.id not in member.event_ids():
                raise Forbidden(N_("Your account has no access to this event"))
            request.scope["staff_event"] = event
        if request.method in UNSAFE_METHODS:
            await check_csrf(request, member)
        return await endpoint(request)

    guarded.__name__ = route_name
    route = Route(path, guarded, methods=list(methods), name=route_name)
    route.staff = StaffRouteInfo(path=path, methods=tuple(methods), roles=wanted, name=route_name)  # type: ignore[attr-defined]  # our own tag on Starlette's route
    return route


def page(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render a workspace page: the member, their CSRF token and the event (if any) come along."""
    member = request.scope.get("staff_member")
    full = {"member": member, "csrf_token": member.csrf_token if member else "",
            "event": request.scope.get("staff_event"), **context}
    response = request.app.state.templates.TemplateResponse(request, template, full, status_code=status_code)
    # Personal data is shown here: never keep a copy in a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(value: str | None) -> str:
    """Only a path on this site, so the login form cannot send anyone elsewhere."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/organiser"
    return value
