"""Delegate pages: the registration form, the ticket, the cabinet and asking for its link."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from events_app import i18n
from events_app.domain.errors import N_, InvalidInput
from events_app.domain.mail import masked
from events_app.domain.regions import REGIONS
from events_app.domain.registration import CATEGORY_LABELS, Category
from events_app.domain.tickets import qr_png, qr_svg, ticket_url
from events_app.services import rate_limit
from events_app.services.cabinet import access
from events_app.services.certificates import issuing
from events_app.services.programme.catalogue import SessionView
from events_app.services.registration import signup
from events_app.services.registration.letters import (
    cabinet_link_from_ticket,
    cabinet_url_of,
    personal_calendar_url,
)
from events_app.services.registration.views import (
    RegistrationView,
    cabinet_registration,
    online_links,
    ticket_holder,
)
from events_app.services.visits import details, visitor_data
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.public_cache import PAGE_SECONDS, remembered

HONEYPOT = "website"
FIELDS = ("surname", "given_name", "patronymic", "email", "phone", "organisation_name", "organisation_inn",
          "position", "region_code", "category", "consent")



def _render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status_code)


def form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: form.get(name, "") for name in FIELDS}
    values["days"] = form.getlist("days")
    values["sessions"] = form.getlist("sessions")
    return values


def _form_page(request: Request, context: signup.FormContext, values: dict[str, Any],
               errors: dict[str, str], status_code: int = 200, message: str | None = None,
               preselected: SessionView | None = None) -> Response:
    return _render(request, "register.html", {
        "preselected": preselected,
        "event": context.event, "sessions": context.signup_sessions, "closed_reason": context.closed_reason,
        "visits": context.visits, "day_groups": context.day_groups,
        "values": values, "errors": {name: i18n.gettext(text) for name, text in errors.items()},
        "message": i18n.gettext(message) if message else None,
        "regions": sorted(REGIONS, key=lambda r: r.name_en if i18n.current_language() == "en" else r.name_ru),
        "categories": [(category.value, i18n.gettext(CATEGORY_LABELS[category])) for category in Category],
    }, status_code=status_code)


async def register_form(request: Request) -> Response:
    context = await signup.form_context(request.state.store, request.path_params["slug"], now=clock.now(request))
    chosen = signup.preselection(context, request.query_params.get("session"))
    return _form_page(request, context, chosen.values, {}, preselected=chosen.session)


async def register_submit(request: Request) -> Response:
    store, settings, now = request.state.store, request.state.settings, clock.now(request)
    slug = request.path_params["slug"]
    form = await request.form()
    values = form_values(form)

    async def again(status_code: int, fields: dict[str, str], message: str | None) -> Response:
        # The form's context (with places left) is read only to show the form again.
        context = await signup.form_context(store, slug, now=now)
        return _form_page(request, context, values, fields, status_code, message)

    if form.get(HONEYPOT):
        # Only a robot fills the hidden field; it learns nothing useful from the answer.
        return await again(400, {}, N_("The form could not be accepted. Please try again."))
    try:
        await rate_limit.hit(store, rate_limit.REGISTRATION_PER_ADDRESS, client_address(request) or "unknown", now=now)
        result = await signup.register(store, settings, slug=slug, data=values, consent_ip=client_address(request),
                                             language=i18n.current_language(), now=now)
    except InvalidInput as error:
        return await again(422, dict(error.fields), error.message)
    except signup.AlreadyRegistered:
        # The answer of the cabinet-link request: the page does not tell whether anyone registered.
        request.state.outbox.notify()
        return _render(request, "cabinet_link.html", {"sent": True, "email": str(values["email"]).strip(),
                                                      "error": None})
    except rate_limit.TooManyRequests as error:
        response = await again(429, {}, error.message)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    request.state.outbox.notify()
    # A new registration's cabinet link is of its first link version.
    return RedirectResponse(cabinet_url_of(settings, result.id, link_version=0, now=now) + "?registered=1",
                            status_code=303)


async def consent_page(request: Request) -> Response:
    context = await signup.form_context(request.state.store, request.path_params["slug"], now=clock.now(request))
    return _render(request, "consent.html", {"event": context.event, "consent": context.consent})


async def ticket_page(request: Request) -> Response:
    holder = await ticket_holder(request.state.store, request.path_params["secret"])
    return await _ticket_page(request, holder, link_sent=request.query_params.get("link") == "sent")


async def _ticket_page(request: Request, holder: RegistrationView, *, link_sent: bool = False,
                       link_error: str | None = None, status_code: int = 200) -> Response:
    settings = request.state.settings
    return _render(request, "ticket.html", {
        "my_visits": await details.delegate_visits(request.state.store, holder.id),
        "online": await online_links(request.state.store, settings.base_url, holder),
        "r": holder, "ticket_url": ticket_url(settings.base_url, holder.ticket_secret or ""),
        "calendar_url": personal_calendar_url(settings, holder.calendar_token),
        "masked_email": masked(holder.email), "link_sent": link_sent, "link_error": link_error,
    }, status_code=status_code)


async def ticket_cabinet_link(request: Request) -> Response:
    store, secret = request.state.store, request.path_params["secret"]
    try:
        await cabinet_link_from_ticket(store, request.state.settings, secret, now=clock.now(request))
    except rate_limit.TooManyRequests as error:
        response = await _ticket_page(request, await ticket_holder(store, secret), status_code=429, link_error=N_(
            "The link was sent several times already: look for it in your mail, the spam folder too."))
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    request.state.outbox.notify()
    return RedirectResponse(f"{request.url_for('ticket', secret=secret)}?link=sent", status_code=303)


async def ticket_qr_svg(request: Request) -> Response:
    holder = await ticket_holder(request.state.store, request.path_params["secret"])
    data = ticket_url(request.state.settings.base_url, holder.ticket_secret or "")
    return Response(qr_svg(data), media_type="image/svg+xml", headers={"Cache-Control": "private, no-store"})


async def ticket_qr_png(request: Request) -> Response:
    holder = await ticket_holder(request.state.store, request.path_params["secret"])
    data = ticket_url(request.state.settings.base_url, holder.ticket_secret or "")
    return Response(qr_png(data), media_type="image/png", headers={"Cache-Control": "private, no-store"})


async def _cabinet_registration(request: Request) -> RegistrationView:
    return await cabinet_registration(request.state.store, request.state.settings.secret_key,
                                      request.path_params["token"], now=clock.now(request))


async def _cabinet_page(request: Request, view: RegistrationView, *, errors: dict[str, str] | None = None,
                        message: str | None = None, status_code: int = 200) -> Response:
    settings = request.state.settings
    context = await signup.form_context(request.state.store, view.event.slug, now=clock.now(request))
    return _render(request, "cabinet.html", {
        "r": view, "token": request.path_params["token"],
        "ticket_url": ticket_url(settings.base_url, view.ticket_secret) if view.ticket_secret else None,
        "calendar_url": personal_calendar_url(settings, view.calendar_token),
        "registered": request.query_params.get("registered") == "1",
        "errors": {name: i18n.gettext(text) for name, text in (errors or {}).items()},
        "message": i18n.gettext(message) if message else None,
        "chosen": {c.session.id for c in view.choices},
        "sessions": context.signup_sessions, "closed_reason": context.closed_reason, "visits": context.visits,
        "day_groups": context.day_groups,
        "my_visits": await details.delegate_visits(request.state.store, view.id),
        "online": await online_links(request.state.store, settings.base_url, view),
        "certificates": await issuing.of_registration(request.state.store, view.id),
        "visitor_data": await visitor_data.visitor_data_status(request.state.store, view.id),
        "saved": request.query_params.get("saved") == "1",
        "calendar_renewed": request.query_params.get("calendar") == "1",
    }, status_code=status_code)


async def cabinet(request: Request) -> Response:
    return await _cabinet_page(request, await _cabinet_registration(request))


async def cabinet_choices(request: Request) -> Response:
    store, settings, now = request.state.store, request.state.settings, clock.now(request)
    view = await _cabinet_registration(request)
    form = await request.form()
    try:
        await signup.change_choices(store, settings, view.id,
                                          {"days": form.getlist("days"), "sessions": form.getlist("sessions")}, now=now)
    except InvalidInput as error:
        return await _cabinet_page(request, view, errors=error.fields, message=error.message, status_code=422)
    request.state.outbox.notify()
    return RedirectResponse(str(request.url_for("cabinet", token=request.path_params["token"])) + "?saved=1",
                            status_code=303)


async def cabinet_cancel(request: Request) -> Response:
    view = await _cabinet_registration(request)
    form = await request.form()
    if form.get("confirm") != "yes":
        return _render(request, "confirm.html", {
            "title": i18n.gettext("Cancel your registration?"),
            "text": i18n.gettext("Your ticket stops working and your places go to the people waiting for them. "
                                 "To take part again you would have to register anew, if places are left."),
            "action": request.url_for("cabinet_cancel", token=request.path_params["token"]),
            "confirm_label": i18n.gettext("Yes, cancel my registration"),
            "back_url": request.url_for("cabinet", token=request.path_params["token"]),
            "back_label": i18n.gettext("No, keep my registration"),
        })
    await signup.cancel(request.state.store, request.state.settings, view.id, now=clock.now(request))
    request.state.outbox.notify()
    return _render(request, "message.html", {
        "title": i18n.gettext("Your registration is cancelled"),
        "text": i18n.gettext("Your ticket no longer works and your places have gone to the people waiting for them."),
    })


async def cabinet_calendar(request: Request) -> Response:
    view = await _cabinet_registration(request)
    await signup.renew_calendar_link(request.state.store, view.id, now=clock.now(request))
    return RedirectResponse(str(request.url_for("cabinet", token=request.path_params["token"])) + "?calendar=1",
                            status_code=303)


async def cabinet_withdraw(request: Request) -> Response:
    view = await _cabinet_registration(request)
    form = await request.form()
    if form.get("confirm") != "on":
        return await _cabinet_page(request, view, errors={"confirm": N_("Tick the box to confirm the withdrawal")},
                             message=N_("Tick the box to confirm the withdrawal"), status_code=422)
    await signup.withdraw_consent(request.state.store, request.state.settings, view.id, now=clock.now(request))
    request.state.outbox.notify()
    return _render(request, "message.html", {
        "title": i18n.gettext("Your consent is withdrawn"),
        "text": i18n.gettext("Your personal data has been erased and your registration cancelled. "
                             "Only anonymous figures (region and category) remain in the event's statistics."),
    })


async def link_request_form(request: Request) -> Response:
    return _render(request, "cabinet_link.html", {"sent": False, "email": "", "error": None})


async def link_request_submit(request: Request) -> Response:
    store, now = request.state.store, request.state.clock.now()
    form = await request.form()
    email = str(form.get("email", "")).strip()
    if "@" not in email or len(email) > 254:
        return _render(request, "cabinet_link.html", {
            "sent": False, "email": email, "error": i18n.gettext("Enter an e-mail address such as name@example.ru")},
            status_code=422)
    try:
        await rate_limit.hit(store, rate_limit.LINK_REQUESTS_PER_ADDRESS, client_address(request) or "unknown", now=now)
    except rate_limit.TooManyRequests as error:
        response = _render(request, "cabinet_link.html", {"sent": False, "email": email,
                                                            "error": i18n.gettext(error.message)}, status_code=429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    await access.request_link(store, request.state.settings, email=email, language=i18n.current_language(), now=now)
    request.state.outbox.notify()
    # The same answer whether or not the address is registered: the page reveals nothing.
    return _render(request, "cabinet_link.html", {"sent": True, "email": email, "error": None})


routes = [
    Route("/events/{slug}/register", remembered(register_form, seconds=PAGE_SECONDS), methods=["GET"], name="register"),
    Route("/events/{slug}/register", register_submit, methods=["POST"], name="register_submit"),
    Route("/events/{slug}/consent", consent_page, name="consent"),
    Route("/t/{secret}", ticket_page, name="ticket"),
    Route("/t/{secret}/cabinet-link", ticket_cabinet_link, methods=["POST"], name="ticket_cabinet_link"),
    Route("/t/{secret}/qr.svg", ticket_qr_svg, name="ticket_qr_svg"),
    Route("/t/{secret}/qr.png", ticket_qr_png, name="ticket_qr_png"),
    Route("/cabinet", link_request_form, methods=["GET"], name="cabinet_link"),
    Route("/cabinet", link_request_submit, methods=["POST"], name="cabinet_link_submit"),
    Route("/cabinet/{token}", cabinet, name="cabinet"),
    Route("/cabinet/{token}/choices", cabinet_choices, methods=["POST"], name="cabinet_choices"),
    Route("/cabinet/{token}/cancel", cabinet_cancel, methods=["POST"], name="cabinet_cancel"),
    Route("/cabinet/{token}/withdraw", cabinet_withdraw, methods=["POST"], name="cabinet_withdraw"),
    Route("/cabinet/{token}/calendar", cabinet_calendar, methods=["POST"], name="cabinet_calendar"),
]
