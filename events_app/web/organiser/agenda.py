"""The agenda builder: a day grid of the planned agenda, session forms, drafts, publishing, versions.

Every edit is a draft until "Publish". The grid is laid out by `static/organiser/agenda_grid.js`
from `data-*` attributes (the CSP allows no inline styles); without JavaScript, and on a phone,
the same sessions show as a list per venue, and the forms do everything the grid does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from events_app.domain.agenda import SESSION_KIND_LABELS
from events_app.domain.conflicts import Conflict
from events_app.domain.errors import InvalidInput
from events_app.domain.staff import Role
from events_app.i18n import gettext
from events_app.services.agenda_builder import drafts, publishing
from events_app.services.agenda_builder.drafts import PlannedItem, VenueOption, Workspace
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.errors import field_messages, status_for
from events_app.web.organiser import forms
from events_app.web.organiser.auth import event_of, member_of, page, staff_route

ORGANISER = (Role.ORGANISER,)
STEP = 15  # minutes per grid row
DEFAULT_DAY = (time(8), time(20))
FIRST_ROW = 2  # row 1 holds the venue names
FIRST_COLUMN = 2  # column 1 holds the times


@dataclass(frozen=True)
class Column:
    number: int
    venue_id: int | None
    name: str


@dataclass(frozen=True)
class Block:
    item: PlannedItem
    column: int
    row_start: int
    row_end: int
    conflicts: tuple[str, ...]


@dataclass(frozen=True)
class DayGrid:
    day: date
    start_minutes: int
    times: tuple[tuple[int, str], ...]  # (row, "HH:MM")
    columns: tuple[Column, ...]
    blocks: tuple[Block, ...]


def conflict_text(conflict: Conflict) -> str:
    return gettext(conflict.message) % dict(conflict.values)


def _minutes(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def day_grid(workspace: Workspace, day: date) -> DayGrid:
    """Rows of 15 minutes over the working day (08:00–20:00), widened to the day's sessions."""
    items = [i for i in workspace.items if i.day == day]
    first = min([DEFAULT_DAY[0].hour * 60, *(_minutes(i.starts_at) for i in items)])
    last = max([DEFAULT_DAY[1].hour * 60, *(_minutes(i.ends_at) if i.ends_at.date() == day else 24 * 60
                                            for i in items)])
    first, last = first // STEP * STEP, math.ceil(last / STEP) * STEP
    venues: list[VenueOption | None] = list(workspace.venues)
    if any(i.fields.venue_id is None for i in items):
        venues.append(None)
    columns = tuple(Column(FIRST_COLUMN + n, v.id if v else None, v.name if v else gettext("No venue"))
                    for n, v in enumerate(venues))
    column_of = {c.venue_id: c.number for c in columns}
    blocks = []
    for item in items:
        end = _minutes(item.ends_at) if item.ends_at.date() == day else 24 * 60
        blocks.append(Block(item=item, column=column_of[item.fields.venue_id],
                            row_start=FIRST_ROW + (_minutes(item.starts_at) - first) // STEP,
                            row_end=FIRST_ROW + max(1, math.ceil((end - first) / STEP)),
                            conflicts=tuple(conflict_text(c) for c in workspace.conflicts_of(item.ref))))
    times = tuple((FIRST_ROW + n, f"{m // 60:02d}:{m % 60:02d}") for n, m in enumerate(range(first, last, STEP)))
    return DayGrid(day=day, start_minutes=first, times=times, columns=columns, blocks=tuple(blocks))


def _day(request: Request, workspace: Workspace) -> date:
    days = workspace.event.days
    try:
        wanted = date.fromisoformat(request.query_params.get("day", ""))
    except ValueError:
        return days[0]
    return wanted if wanted in days else days[0]


def _kinds() -> list[tuple[str, str]]:
    return [(kind, gettext(label)) for kind, label in SESSION_KIND_LABELS.items()]


async def _workspace(request: Request) -> Workspace:
    return await drafts.load_workspace(request.state.store, event_of(request))


async def agenda_page(request: Request) -> Response:
    workspace = await _workspace(request)
    day = _day(request, workspace)
    grid = day_grid(workspace, day)
    lists = [(column, [b for b in grid.blocks if b.column == column.number]) for column in grid.columns]
    return page(request, "organiser/agenda.html", {
        "workspace": workspace, "grid": grid, "day": day, "lists": lists,
        "conflicts": [(conflict_text(c), [drafts.find_item(workspace, ref) for ref in c.refs])
                      for c in workspace.conflicts],
        "pending": publishing.lines(await publishing.preview(request.state.store, event_of(request))),
        "off_days": [i for i in workspace.items if i.day not in workspace.event.days],
        "published": request.query_params.get("published"),
    })


def _form_page(request: Request, workspace: Workspace, item: PlannedItem | None, values: dict[str, Any],
               error: InvalidInput | None = None) -> Response:
    context = {
        "workspace": workspace, "item": item, "values": values, "kinds": _kinds(),
        "speakers": values.get("speakers", []),
        "conflicts": [conflict_text(c) for c in workspace.conflicts_of(item.ref)] if item else [],
    }
    if error is None:
        return forms.show(request, "organiser/agenda_session.html", context)
    return forms.refuse(request, "organiser/agenda_session.html", error, context)


async def new_session_form(request: Request) -> Response:
    workspace = await _workspace(request)
    values = drafts.form_values(None, day=_day(request, workspace), start=request.query_params.get("start", ""),
                                       venue=request.query_params.get("venue", ""))
    return _form_page(request, workspace, None, values)


async def session_form(request: Request) -> Response:
    workspace = await _workspace(request)
    item = drafts.find_item(workspace, request.path_params["ref"])
    values = {**drafts.form_values(item), "speakers": [str(s) for s in item.fields.speaker_ids]}
    return _form_page(request, workspace, item, values)


async def save_session(request: Request) -> Response:
    workspace = await _workspace(request)
    ref = request.path_params.get("ref")
    item = drafts.find_item(workspace, ref) if ref else None
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in (
        "title", "title_en", "kind", "venue", "day", "start", "end", "capacity", "signup_required", "description")}
    speakers = [str(v) for v in form.getlist("speakers")]
    try:
        fields = drafts.parse_session_form(values, speakers, workspace=workspace)
        saved = await drafts.save_draft(request.state.store, workspace, ref, fields, actor=member_of(request),
                                               now=clock.now(request), ip=client_address(request))
    except InvalidInput as error:
        return _form_page(request, workspace, item, {**values, "speakers": speakers}, error)
    return _back_to_grid(request, values["day"], saved)


def _back_to_grid(request: Request, day: str | date, ref: str | None = None) -> Response:
    anchor = f"#block-{ref}" if ref else ""
    return forms.done(f"/organiser/events/{event_of(request).slug}/agenda?day={day}{anchor}")


async def place_session(request: Request) -> Response:
    """Moving or resizing on the grid (fetch with JSON), or the same fields from a form."""
    workspace = await _workspace(request)
    ref = request.path_params["ref"]
    is_json = request.headers.get("content-type", "").startswith("application/json")
    try:
        data = await request.json() if is_json else dict(await request.form())
    except ValueError:
        data = {}
    values = {name: str(data.get(name, "") if isinstance(data, dict) else "")
              for name in ("day", "start", "end", "venue")}
    try:
        saved = await drafts.place(request.state.store, workspace, ref, actor=member_of(request),
                                   now=clock.now(request),
                                          ip=client_address(request), **values)
    except InvalidInput as error:
        if not is_json:
            raise
        return JSONResponse({"error": {"code": error.code, "message": gettext(error.message),
                                       "fields": field_messages(error)}}, status_code=status_for(error))
    if not is_json:
        return _back_to_grid(request, values["day"], saved)
    updated = await _workspace(request)
    return JSONResponse({"ref": saved, "conflicts": [conflict_text(c) for c in updated.conflicts_of(saved)]})


async def remove_session(request: Request) -> Response:
    workspace = await _workspace(request)
    item = drafts.find_item(workspace, request.path_params["ref"])
    await drafts.remove(request.state.store, workspace, item.ref, actor=member_of(request), now=clock.now(request),
                               ip=client_address(request))
    return _back_to_grid(request, item.day)


async def discard_session(request: Request) -> Response:
    workspace = await _workspace(request)
    item = drafts.find_item(workspace, request.path_params["ref"])
    await drafts.discard(request.state.store, workspace, item.ref, actor=member_of(request), now=clock.now(request),
                                ip=client_address(request))
    return _back_to_grid(request, item.day)


async def discard_all(request: Request) -> Response:
    workspace = await _workspace(request)
    await drafts.discard(request.state.store, workspace, None, actor=member_of(request), now=clock.now(request),
                                ip=client_address(request))
    return _back_to_grid(request, _day(request, workspace))


async def publish(request: Request) -> Response:
    event = event_of(request)
    form = await request.form()
    if form.get("confirm") != "yes":
        workspace = await _workspace(request)
        if workspace.conflicts:
            # Delegates are told at once: open conflicts are named and publishing asked once more.
            return page(request, "organiser/confirm.html", {
                "title": gettext("Publish with open conflicts?"),
                "text": gettext("Delegates whose sessions change get a letter as soon as you publish. "
                                "These conflicts are still open:"),
                "items": [conflict_text(c) for c in workspace.conflicts],
                "action": f"/organiser/events/{event.slug}/agenda/publish", "hidden": [],
                "confirm_label": gettext("Publish anyway"),
                "back_url": f"/organiser/events/{event.slug}/agenda", "back_label": gettext("Back to the agenda"),
            })
    result = await publishing.publish(request.state.store, request.state.settings, event, actor=member_of(request),
                                      now=clock.now(request), ip=client_address(request))
    return forms.done(f"/organiser/events/{event.slug}/agenda/versions/{result.number}")


async def versions_page(request: Request) -> Response:
    versions = await publishing.versions(request.state.store, event_of(request))
    return page(request, "organiser/agenda_versions.html", {"versions": versions})


async def version_page(request: Request) -> Response:
    version = await publishing.version(request.state.store, event_of(request), request.path_params["number"])
    return page(request, "organiser/agenda_version.html",
                {"version": version, "lines": publishing.lines(version.changes)})


BASE = "/organiser/events/{slug}/agenda"
routes = [
    staff_route(BASE, agenda_page, roles=ORGANISER, name="organiser_agenda"),
    staff_route(BASE + "/sessions/new", new_session_form, roles=ORGANISER, name="organiser_agenda_new"),
    staff_route(BASE + "/sessions", save_session, methods=("POST",), roles=ORGANISER, name="organiser_agenda_create"),
    staff_route(BASE + "/sessions/{ref:str}", session_form, roles=ORGANISER, name="organiser_agenda_session"),
    staff_route(BASE + "/sessions/{ref:str}", save_session, methods=("POST",), roles=ORGANISER,
                name="organiser_agenda_save"),
    staff_route(BASE + "/sessions/{ref:str}/place", place_session, methods=("POST",), roles=ORGANISER,
                name="organiser_agenda_place"),
    staff_route(BASE + "/sessions/{ref:str}/remove", remove_session, methods=("POST",), roles=ORGANISER,
                name="organiser_agenda_remove"),
    staff_route(BASE + "/sessions/{ref:str}/discard", discard_session, methods=("POST",), roles=ORGANISER,
                name="organiser_agenda_discard_one"),
    staff_route(BASE + "/discard", discard_all, methods=("POST",), roles=ORGANISER, name="organiser_agenda_discard"),
    staff_route(BASE + "/publish", publish, methods=("POST",), roles=ORGANISER, name="organiser_agenda_publish"),
    staff_route(BASE + "/versions", versions_page, roles=ORGANISER, name="organiser_agenda_versions"),
    staff_route(BASE + "/versions/{number:int}", version_page, roles=ORGANISER, name="organiser_agenda_version"),
]
