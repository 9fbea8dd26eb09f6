"""The letters a booking causes (booked, cancelled, reminded), in the language it was made in.

Each is queued in the outbox inside the caller's transaction, so it exists exactly when the change
that causes it commits.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from events_app import i18n
from events_app.data.database import Store
from events_app.domain.errors import N_
from events_app.domain.mail import Attachment, compose, mailbox
from events_app.services.consultations.views import BookingView
from events_app.services.mail import outbox
from events_app.settings import Settings

SUBJECTS = {
    "booked": N_("Consultation booked: %(topic)s, %(when)s"),
    "cancelled": N_("Consultation cancelled: %(topic)s, %(when)s"),
    "moved": N_("Consultation moved: %(topic)s, now %(when)s"),
    "withdrawn": N_("Consultation cancelled by the centre: %(topic)s, %(when)s"),
    "consultation_24h": N_("Reminder: consultation tomorrow, %(when)s"),
    "consultation_1h": N_("Reminder: your consultation starts in less than an hour, %(when)s"),
}
LEADS = {
    "booked": N_("You have booked a consultation."),
    "cancelled": N_("Your consultation is cancelled; the slot is free for others."),
    "moved": N_("The centre has moved your consultation to a new time. The calendar file is attached."),
    "withdrawn": N_("The centre has cancelled this consultation. We are sorry: please book another time."),
    "consultation_24h": N_("Your consultation is tomorrow."),
    "consultation_1h": N_("Less than an hour is left before your consultation with the specialist."),
}


def booking_url(settings: Settings, booking: BookingView) -> str:
    return f"{settings.base_url}/consultations/b/{booking.secret}"


def build(settings: Settings, booking: BookingView, kind: str, *, now: datetime,
          calendar: bytes | None = None) -> EmailMessage:
    slot = booking.slot
    with i18n.language(booking.language):
        day = i18n.format_day(slot.starts_at.date())
        when = f"{day}, {i18n.format_clock_in_zone(slot.starts_at)}"
        lines = [
            i18n.gettext(LEADS[kind]), "",
            f"{i18n.gettext('Topic')}: {slot.topic}",
            f"{i18n.gettext('Specialist')}: {slot.specialist}",
            f"{i18n.gettext('When')}: {day}, {i18n.format_clock_in_zone(slot.starts_at, slot.ends_at)}",
        ]
        if slot.place:
            lines.append(f"{i18n.gettext('Place')}: {slot.place}")
        if slot.online_url:
            lines.append(f"{i18n.gettext('Online link')}: {slot.online_url}")
        if booking.active:
            until = booking.cancel_until
            lines += ["", i18n.gettext("Your booking, its calendar file and cancellation (until %(until)s):")
                      % {"until": f"{i18n.format_day(until.date())}, {i18n.format_clock_in_zone(until)}"},
                      booking_url(settings, booking)]
        cabinet = f"{settings.base_url}/cabinet"
        everything = i18n.gettext("All your registrations and bookings: %(url)s") % {"url": cabinet}
        lines += ["", everything]
        subject = i18n.gettext(SUBJECTS[kind]) % {"topic": slot.topic, "when": when}
    attachments = [Attachment("consultation.ics", "text/calendar", calendar)] if calendar is not None else []
    return compose(sender=settings.mail_from, recipient=mailbox(booking.full_name, booking.email or ""),
                   subject=subject, text="\n".join(lines) + "\n", attachments=attachments, date=now)


async def booked(store: Store, settings: Settings, booking: BookingView, *, calendar: bytes, now: datetime) -> None:
    await outbox.enqueue(store, build(settings, booking, "booked", now=now, calendar=calendar), now=now)


async def cancelled(store: Store, settings: Settings, booking: BookingView, *, calendar: bytes, now: datetime) -> None:
    await outbox.enqueue(store, build(settings, booking, "cancelled", now=now, calendar=calendar), now=now)


async def changed(store: Store, settings: Settings, booking: BookingView, kind: str, *, calendar: bytes,
                  now: datetime) -> None:
    """The centre moved (`moved`) or cancelled (`withdrawn`) the slot of this booking."""
    await outbox.enqueue(store, build(settings, booking, kind, now=now, calendar=calendar), now=now)
