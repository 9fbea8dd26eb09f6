"""The event's dashboard, the page a member lands on for an event.

Organisers (and administrators) see every figure. Door staff see the check-in progress, which is
their job; experts see where their jury work is. The figures are counts only, no personal data.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from events_app import i18n
from events_app.domain import charts
from events_app.domain.attendance import Matrix
from events_app.domain.errors import N_
from events_app.domain.regions import region_by_code
from events_app.domain.registration import CATEGORY_LABELS, Category
from events_app.domain.staff import Role
from events_app.services import dashboard as figures
from events_app.services.attendance import matrix as attendance_matrix
from events_app.services.registration.roster import STATUS_LABELS
from events_app.web.organiser.auth import event_of, member_of, page, staff_route


def _region(code: str | None) -> str:
    if code is None:
        return i18n.gettext(N_("Other regions"))
    region = region_by_code(code)
    if region is None:
        return code
    return region.name_en if i18n.current_language() == "en" else region.name_ru


def build_charts(board: figures.Dashboard, timezone: str) -> dict[str, Markup]:
    """The dashboard's figures drawn, with labels in the reader's language."""
    gettext = i18n.gettext
    empty = gettext(N_("No registrations yet"))
    fills = [charts.Progress(
        label=f"{fill.starts_at.astimezone(ZoneInfo(timezone)):%d.%m %H:%M} {fill.title}",
        value=fill.confirmed, total=fill.capacity,
        note=gettext(N_("%(count)d waiting")) % {"count": fill.waiting} if fill.waiting else "")
        for fill in board.fills if fill.capacity is not None]
    checkin = [charts.Progress(label=item.title, value=item.checked_in, total=item.expected)
               for item in board.checkin]
    return {
        "timeline": Markup(charts.timeline_chart(
            chart_id="chart-timeline", title=gettext(N_("Registrations over time")),
            days=[charts.Day(day.day.strftime("%d.%m"), day.count, day.cumulative) for day in board.per_day],
            daily_label=gettext(N_("per day")), total_label=gettext(N_("in total")), empty=empty)),
        "regions": Markup(charts.bar_chart(
            chart_id="chart-regions", title=gettext(N_("Registrations by region")),
            bars=[charts.Bar(_region(code), count) for code, count in board.by_region], empty=empty)),
        "categories": Markup(charts.bar_chart(
            chart_id="chart-categories", title=gettext(N_("Registrations by category")),
            bars=[charts.Bar(gettext(CATEGORY_LABELS[Category(code)]), count) for code, count in board.by_category],
            empty=empty)),
        "fills": Markup(charts.progress_chart(
            chart_id="chart-fills", title=gettext(N_("Places taken in visits and sessions")), rows=fills,
            empty=gettext(N_("No visit or session has a limit of places")))),
        "checkin": Markup(charts.progress_chart(
            chart_id="chart-checkin", title=gettext(N_("Check-in progress")), rows=checkin,
            empty=gettext(N_("No check-in lists")))),
    }


def attendance_chart(matrix: Matrix) -> Markup:
    """Attended of expected, per session: online joins and door check-ins alike."""
    rows = [charts.Progress(label=f"{column.starts_at:%d.%m %H:%M} {column.title}", value=total.attended,
                            total=total.expected)
            for column, total in zip(matrix.columns, matrix.totals, strict=True)]
    return Markup(charts.progress_chart(chart_id="chart-attendance", title=i18n.gettext(N_("Attendance per session")),
                                        rows=rows, empty=i18n.gettext(N_("No sessions yet"))))


async def event_dashboard(request: Request) -> Response:
    event, member = event_of(request), member_of(request)
    sees_all = member.has_role(event.id, Role.ORGANISER)  # an administrator passes every role check
    board = None
    if sees_all or member.has_role(event.id, Role.DOOR):
        board = await figures.dashboard(request.state.store, event_id=event.id, timezone=event.timezone)
    attended = await attendance_matrix.event_matrix(request.state.store, event.id) if sees_all else None
    return page(request, "organiser/dashboard.html", {
        "board": board, "sees_all": sees_all, "door": member.has_role(event.id, Role.DOOR),
        "expert": member.has_role(event.id, Role.EXPERT), "status_labels": STATUS_LABELS,
        "category_labels": CATEGORY_LABELS, "region_label": _region,
        "charts": build_charts(board, event.timezone) if board else {},
        "attendance": attendance_chart(attended) if attended is not None else None, "attended": attended,
    })


routes = [
    staff_route("/organiser/events/{slug}", event_dashboard, roles=(Role.ORGANISER, Role.DOOR, Role.EXPERT),
                name="organiser_dashboard"),
]
