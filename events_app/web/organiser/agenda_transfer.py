"""The agenda file in the browser: import an uploaded TOML file (the `schedules/` format) into
this event, and download the event as such a file."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from events_app.domain.agenda_file import AgendaError, AgendaFileError
from events_app.domain.errors import N_
from events_app.domain.staff import Role
from events_app.i18n import gettext
from events_app.services.event_setup import events
from events_app.services.event_setup.events import Actor
from events_app.services.programme import exporter
from events_app.web import clock
from events_app.web.client import client_address
from events_app.web.organiser.auth import event_of, member_of, page, staff_route

ORGANISER = (Role.ORGANISER,)


async def import_form(request: Request) -> Response:
    return page(request, "organiser/agenda_transfer.html", {"problems": [], "report": None})


async def import_file(request: Request) -> Response:
    form = await request.form()
    upload = form.get("agenda")
    event = event_of(request)
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise AgendaFileError([AgendaError("", "", gettext(N_("Choose a .toml file to import")))])
        content = await upload.read(events.MAX_AGENDA_BYTES + 1)
        report = await events.import_agenda_file(
            request.state.store, request.state.settings, event.id, filename=upload.filename, content=content,
            actor=Actor(member=member_of(request), ip=client_address(request), now=clock.now(request)))
    except AgendaFileError as error:
        return page(request, "organiser/agenda_transfer.html", {"problems": error.errors, "report": None},
                    status_code=422)
    finally:
        await form.close()  # the upload's spooled temporary file
    return page(request, "organiser/agenda_transfer.html", {"problems": [], "report": report})


async def export_file(request: Request) -> Response:
    slug = event_of(request).slug
    text = await exporter.export_agenda(request.state.store, slug)
    return Response(text, media_type="application/toml; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{slug}.toml"', "Cache-Control": "no-store"})


routes = [
    staff_route("/organiser/events/{slug}/agenda/import", import_form, roles=ORGANISER, name="agenda_import"),
    staff_route("/organiser/events/{slug}/agenda/import", import_file, methods=("POST",), roles=ORGANISER,
                name="agenda_import_post"),
    staff_route("/organiser/events/{slug}/agenda/export", export_file, roles=ORGANISER, name="agenda_export"),
]
