"""Letters to defence teams: application received, accepted, declined, the jury's remarks.

Written in the language the team applied in and queued in the outbox inside the caller's
transaction, so a letter goes exactly when the change that causes it commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from events_app import i18n
from events_app.data.database import Row, Store
from events_app.domain.errors import N_
from events_app.domain.links import sign_defence_cabinet_link
from events_app.domain.mail import compose
from events_app.resources import MAIL_TEMPLATES_DIR
from events_app.services.mail import outbox
from events_app.services.programme.catalogue import EventView
from events_app.settings import Settings

Kind = Literal["received", "accepted", "rejected", "remarks"]

MAIL_TEMPLATES = MAIL_TEMPLATES_DIR
SUBJECTS: dict[str, str] = {
    "received": N_("Your defence application is received: %(event)s"),
    "accepted": N_("Your project defence is scheduled: %(event)s"),
    "rejected": N_("Your defence application is declined: %(event)s"),
    "remarks": N_("The jury's remarks on your project: %(event)s"),
}

_environment = Environment(loader=FileSystemLoader(MAIL_TEMPLATES), undefined=StrictUndefined, trim_blocks=True,
                           lstrip_blocks=True, keep_trailing_newline=True)
_environment.filters.update(day=i18n.format_day, clock=i18n.format_clock)


def cabinet_url(settings: Settings, application: Row, *, now: datetime) -> str:
    token = sign_defence_cabinet_link(settings.secret_key, application_id=application["id"],
                                      link_version=application["link_version"], now=now)
    return f"{settings.base_url}/defences/cabinet/{token}"


async def send(store: Store, settings: Settings, event: EventView, application: Row, kind: Kind, *,
               now: datetime, slot_starts_at: datetime | None = None, remarks: Sequence[tuple[str, str]] = ()) -> None:
    """`remarks`: (expert's name or "", text) pairs, names only when the organiser reveals them."""
    with i18n.language(application["language"]):
        language = i18n.current_language()
        title = event.title_en if language == "en" and event.title_en else event.title
        context = {"a": dict(application), "kind": kind, "event_title": title, "starts_at": slot_starts_at,
                   "remarks": list(remarks), "cabinet_url": cabinet_url(settings, application, now=now)}
        text = _environment.get_template(f"{language}/defence_{kind}.txt").render(context)
        subject = i18n.gettext(SUBJECTS[kind]) % {"event": title}
    message = compose(sender=settings.mail_from, recipient=application["email"], subject=subject, text=text, date=now)
    await outbox.enqueue(store, message, now=now)
