"""Badges in the workspace: choose who is printed and the layout, download the PDF; a delegate's
single badge (someone who arrived without one); the legend of the category bands."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from events_app.domain.badges import LAYOUT_LABELS, Layout
from events_app.domain.errors import N_, InvalidInput
from events_app.domain.registration import CATEGORY_LABELS, Category
from events_app.domain.staff import Role
from events_app.services.badges import printing
from events_app.services.badges.printing import BadgeFilters
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.errors import status_for
from events_app.web.organiser import forms
from events_app.web.organiser.auth import event_of, member_of, staff_route

ORGANISERS = (Role.ORGANISER,)


def _days(request: Request) -> list[date]:
    event = event_of(request)
    return [date.fromordinal(day) for day in range(event.starts_on.toordinal(), event.ends_on.toordinal() + 1)]


async def _badges_page(request: Request, *, error: InvalidInput | None = None,
                       values: dict[str, tuple[str, str]] | None = None) -> Response:
    store, event = request.state.store, event_of(request)
    legends = await printing.legends(store, event.id)
    shown = {category: values[category] if values and category in values else (legend.label, legend.colour)
             for category, legend in legends.items()}
    context = {
        "layouts": LAYOUT_LABELS, "category_labels": CATEGORY_LABELS, "days": _days(request), "legend": shown,
        "unprinted": await printing.count_unprinted(store, event.id),
        "chosen_category": request.query_params.get("category", ""),
        "saved": request.query_params.get("saved") == "1", "error": None,
    }
    if error is None:
        return forms.show(request, "organiser/badges.html", context)
    refused = forms.refusal(error)  # the page names its message above the form `error`
    return forms.show(request, "organiser/badges.html", {**context, "errors": refused["errors"],
                                                         "error": refused["message"]},
                      status_code=status_for(error))


async def badges_page(request: Request) -> Response:
    return await _badges_page(request)


async def badges_pdf(request: Request) -> Response:
    form = await request.form()
    layout_value, category = str(form.get("layout", Layout.A4_8.value)), str(form.get("category", ""))
    day_value, registration = str(form.get("day", "")), str(form.get("registration_id", ""))
    try:
        layout = Layout(layout_value)
    except ValueError:
        return await _badges_page(request, error=InvalidInput(N_("Choose a layout")))
    day = next((d for d in _days(request) if d.isoformat() == day_value), None)
    filters = BadgeFilters(
        category=category if category in Category.__members__.values() else "", day=day,
        not_printed=form.get("not_printed") == "on",
        registration_ids=(int(registration),) if registration.isdigit() and len(registration) < 10 else ())
    event, moment = event_of(request), clock.now(request)
    batch = await printing.print_badges(request.state.store, request.state.settings, event_id=event.id,
                                        filters=filters, layout=layout, now=moment, actor=member_of(request),
                                        ip=client_address(request))
    name = f"{event.slug}-badges{'-' + registration if filters.registration_ids else ''}-{moment:%Y%m%d-%H%M}.pdf"
    return forms.download(batch.pdf, name, "application/pdf", headers={"X-Badge-Count": str(batch.count)})


async def save_legend(request: Request) -> Response:
    form = await request.form()
    values = {category.value: (str(form.get(f"label_{category.value}", ""))[:200],
                               str(form.get(f"colour_{category.value}", ""))[:20]) for category in Category}
    try:
        await printing.save_legend(request.state.store, event_id=event_of(request).id, entries=values,
                                   actor=member_of(request), now=clock.now(request), ip=client_address(request))
    except InvalidInput as error:
        return await _badges_page(request, error=error, values=values)
    return forms.done(f"/organiser/events/{event_of(request).slug}/badges?saved=1#legend")


PATH = "/organiser/events/{slug}/badges"
routes = [
    staff_route(PATH, badges_page, roles=ORGANISERS, name="organiser_badges"),
    staff_route(PATH + "/print", badges_pdf, methods=("POST",), roles=ORGANISERS, name="organiser_badges_print"),
    staff_route(PATH + "/legend", save_legend, methods=("POST",), roles=ORGANISERS, name="organiser_badges_legend"),
]
