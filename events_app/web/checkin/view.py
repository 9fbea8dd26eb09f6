"""The check-in view behind a signed link (`events-app checkin-view-link`, valid 14 days).

Organisers see the same figures in the workspace; the link is for a screen at the door or a
colleague without a staff account: it needs no sign-in, and the only personal data it shows
are the names in the last scans and conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from events_app.domain.checkin import REASON_MESSAGES, Reason
from events_app.domain.links import read_checkin_view_link
from events_app.i18n import gettext
from events_app.services.checkin import report as checkin_report
from events_app.services.checkin.report import ListReport
from events_app.web import clock

CHART_WIDTH, CHART_HEIGHT = 320, 80


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


def bars(report: ListReport) -> list[Bar]:
    """Arrivals per quarter hour as SVG bars, the tallest filling the chart."""
    if not report.arrivals:
        return []
    width = CHART_WIDTH / max(len(report.arrivals), 8)
    result = []
    for index, (start, count) in enumerate(report.arrivals):
        height = CHART_HEIGHT * count / report.peak
        result.append(Bar(x=index * width + 1, y=CHART_HEIGHT - height, width=max(width - 2, 1), height=height,
                          label=f"{start:%H:%M} — {count}"))
    return result


async def checkin_view(request: Request) -> Response:
    event_id = read_checkin_view_link(request.state.settings.secret_key, request.path_params["token"],
                                      now=clock.now(request))
    report = await checkin_report.event_checkin(request.state.store, event_id)
    reasons = {reason.value: gettext(REASON_MESSAGES[reason]) for reason in Reason}
    template = "checkin_view_lists.html" if request.query_params.get("partial") == "1" else "checkin_view.html"
    response = request.app.state.templates.TemplateResponse(request, template, {
        "report": report, "bars": {item.checkin_list.name: bars(item) for item in report.lists},
        "reasons": reasons, "chart": (CHART_WIDTH, CHART_HEIGHT),
        "updated": clock.now(request).astimezone(ZoneInfo(report.timezone)),
    })
    response.headers["Cache-Control"] = "no-store"
    return response


routes = [Route("/organiser/checkin/{token}", checkin_view, name="checkin_view")]

