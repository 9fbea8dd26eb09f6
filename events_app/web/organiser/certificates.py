"""Certificates in the workspace: the completion rule, who qualifies, issuing, revoking, the register."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from events_app.domain.certificates import CHECKIN_LABELS, CheckinRule, CompletionRule
from events_app.domain.errors import N_, DomainError, InvalidInput
from events_app.domain.staff import Role
from events_app.services.certificates import issuing
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.organiser import forms
from events_app.web.organiser.auth import event_of, member_of, staff_route

ORGANISERS = (Role.ORGANISER,)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _base(request: Request) -> str:
    return f"/organiser/events/{event_of(request).slug}/certificates"


def _days(request: Request) -> list[date]:
    event = event_of(request)
    return [date.fromordinal(day) for day in range(event.starts_on.toordinal(), event.ends_on.toordinal() + 1)]


async def _page(request: Request, *, status_code: int = 200, error: DomainError | None = None,
                values: dict[str, str] | None = None) -> Response:
    found = await issuing.preview(request.state.store, event_of(request).id)
    rule = found.rule or CompletionRule()
    shown = values or {"min_online": str(rule.min_online), "checkin": rule.checkin.value,
                       "checkin_day": rule.checkin_day.isoformat() if rule.checkin_day else "",
                       "hours": str(rule.hours or ""), "signatory": rule.signatory}
    refused = forms.refusal(error) if error else {"errors": {}, "message": None}
    return forms.show(request, "organiser/certificates.html", {
        "preview": found, "values": shown, "checkin_labels": CHECKIN_LABELS, "days": _days(request),
        "issued": await issuing.issued(request.state.store, event_of(request).id), "base": _base(request),
        "done": request.query_params.get("done", ""), "count": request.query_params.get("count", ""),
        "error": refused["message"], "errors": refused["errors"],  # the page names its summary `error`
    }, status_code=status_code)


async def certificates_page(request: Request) -> Response:
    return await _page(request)


def _whole(value: str, field: str, *, optional: bool = False) -> int | None:
    text = value.strip()
    if optional and not text:
        return None
    if not text.isdigit() or len(text) > 4:
        raise InvalidInput(N_("The completion rule needs attention"), fields={field: N_("A whole number")})
    return int(text)


async def save_rule(request: Request) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, ""))[:200] for name in ("min_online", "checkin", "checkin_day", "hours",
                                                               "signatory")}
    try:
        checkin = CheckinRule(values["checkin"]) if values["checkin"] in CheckinRule.__members__.values() else None
        if checkin is None:
            raise InvalidInput(N_("The completion rule needs attention"), fields={"checkin": N_("Choose one")})
        day = next((d for d in _days(request) if d.isoformat() == values["checkin_day"]), None)
        rule = CompletionRule(min_online=_whole(values["min_online"], "min_online") or 0, checkin=checkin,
                              checkin_day=day, hours=_whole(values["hours"], "hours", optional=True),
                              signatory=values["signatory"])
        await issuing.save_rule(request.state.store, event_id=event_of(request).id, rule=rule,
                                actor=member_of(request), now=clock.now(request), ip=client_address(request))
    except InvalidInput as error:
        return await _page(request, status_code=422, error=error, values=values)
    return forms.done(f"{_base(request)}?done=rule")


async def issue(request: Request) -> Response:
    try:
        numbers = await issuing.issue(request.state.store, request.state.settings, event_id=event_of(request).id,
                                      now=clock.now(request), actor=member_of(request), ip=client_address(request))
    except DomainError as error:
        return await _page(request, status_code=409, error=error)
    request.state.outbox.notify()
    return forms.done(f"{_base(request)}?done=issued&count={len(numbers)}")


async def revoke(request: Request) -> Response:
    await issuing.revoke(request.state.store, event_id=event_of(request).id, number=request.path_params["number"],
                         now=clock.now(request), actor=member_of(request), ip=client_address(request))
    return forms.done(f"{_base(request)}?done=revoked#issued")


async def register(request: Request) -> Response:
    event = event_of(request)
    content = await issuing.register(request.state.store, event.id, actor=member_of(request), now=clock.now(request),
                                     ip=client_address(request))
    name = f"{event.slug}-certificates-{clock.now(request):%Y%m%d-%H%M}.xlsx"
    return forms.download(content, name, XLSX)


PATH = "/organiser/events/{slug}/certificates"
routes = [
    staff_route(PATH, certificates_page, roles=ORGANISERS, name="organiser_certificates"),
    staff_route(PATH + "/rule", save_rule, methods=("POST",), roles=ORGANISERS, name="organiser_certificates_rule"),
    staff_route(PATH + "/issue", issue, methods=("POST",), roles=ORGANISERS, name="organiser_certificates_issue"),
    staff_route(PATH + "/register.xlsx", register, methods=("POST",), roles=ORGANISERS,
                name="organiser_certificates_register"),
    staff_route(PATH + "/{number}/revoke", revoke, methods=("POST",), roles=ORGANISERS,
                name="organiser_certificates_revoke"),
]
