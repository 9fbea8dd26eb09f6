"""Letters to defence teams: application received, accepted, declined, the jury's remarks.

Written in the language the team applied in and queued in the outbox inside the caller's
transaction, so a letter goes exactly when the change that causes it commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from events_app import i18n
from events_app.data.database import Row, Store
from events_app.domain.errors import N_
from events_app.domain.links import sign_defence_cabinet_link
from events_app.domain.mail import compose
from events_app.services.mail import outbox
from events_app.services.mail.templates import event_title, render
from events_app.services.programme.catalogue import EventView
from events_app.settings import Settings

Kind = Literal["received", "accepted", "rejected", "remarks"]

SUBJECTS: dict[str, str] = {
    "received": N_("Your defence application is received: %(event)s"),
    "accepted": N_("Your project defence is scheduled: %(event)s"),
    "rejected": N_("Your defence application is declined: %(event)s"),
    "remarks": N_("The jury's remarks on your project: %(event)s"),
}

def cabinet_url(settings: Settings, application: Row, *, now: datetime) -> str:
    token = sign_defence_cabinet_link(settings.secret_key, application_id=application["id"],
                                      link_version=application["link_version"], now=now)
    return f"{settings.base_url}/defences/cabinet/{token}"


async def send(store: Store, settings: Settings, event: EventView, application: Row, kind: Kind, *,
               now: datetime, slot_starts_at: datetime | None = None, remarks: Sequence[tuple[str, str]] = ()) -> None:
    """`remarks`: (expert's name or "", text) pairs, names only when the organiser reveals them."""
    with i18n.language(application["language"]):
        title = event_title(event)
        context = {"a": dict(application), "kind": kind, "event_title": title, "starts_at": slot_starts_at,
                   "remarks": list(remarks), "cabinet_url": cabinet_url(settings, application, now=now)}
        text = render(f"defence_{kind}.txt", context)
        subject = i18n.gettext(SUBJECTS[kind]) % {"event": title}
    message = compose(sender=settings.mail_from, recipient=application["email"], subject=subject, text=text, date=now)
    await outbox.enqueue(store, message, now=now)
