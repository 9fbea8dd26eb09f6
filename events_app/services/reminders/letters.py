"""The event-day reminder: the delegate's ticket, their programme of the day, and where and when
their site visits' buses leave. Built when it is sent, so a session moved meanwhile shows its new time."""

from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage

from events_app import i18n
from events_app.domain.errors import N_
from events_app.domain.mail import compose, mailbox
from events_app.domain.tickets import ticket_url
from events_app.services.programme.catalogue import SessionView
from events_app.services.registration.views import RegistrationView
from events_app.services.visits.details import DelegateVisit
from events_app.settings import Settings

SUBJECT = N_("Reminder: %(event)s, %(day)s")


def event_day(settings: Settings, registration: RegistrationView, day: date, programme: list[SessionView],
              visits: list[DelegateVisit], *, now: datetime) -> EmailMessage:
    event = registration.event
    with i18n.language(registration.language):
        title = event.title_en if i18n.current_language() == "en" and event.title_en else event.title
        lines = [i18n.gettext("Tomorrow, %(day)s, you are expected at «%(event)s».")
                 % {"day": i18n.format_day(day), "event": title}, ""]
        if registration.ticket_secret:
            lines += [i18n.gettext("Your ticket (show the QR code at the entrance):"),
                      ticket_url(settings.base_url, registration.ticket_secret), ""]
        if programme:
            lines.append(i18n.gettext("Your programme for the day:"))
            for session in programme:
                name = session.title_en if i18n.current_language() == "en" and session.title_en else session.title
                place = f" · {session.venue.name}" if session.venue else ""
                hours = f"{i18n.format_clock(session.starts_at)}–{i18n.format_clock(session.ends_at)}"
                lines.append(f"{hours} {name}{place}")
            lines.append("")
        for item in visits:
            lines.append(i18n.gettext("Site visit: %(title)s") % {"title": item.visit.title})
            place = ", ".join(filter(None, (item.visit.meeting_point, item.visit.meeting_address)))
            if place:
                lines.append(i18n.gettext("Meeting point: %(place)s") % {"place": place})
            if item.group is not None:
                lines.append(i18n.gettext("Bus: %(bus)s") % {"bus": item.group.label})
            if item.departs is not None:
                lines.append(i18n.gettext("Departure: %(time)s") % {"time": i18n.format_clock(item.departs)})
            lines.append("")
        agenda = f"{settings.base_url}/events/{event.slug}/agenda"
        lines.append(i18n.gettext("The whole programme: %(url)s") % {"url": agenda})
        subject = i18n.gettext(SUBJECT) % {"event": title, "day": i18n.format_day(day)}
    return compose(sender=settings.mail_from, recipient=mailbox(registration.full_name, registration.email),
                   subject=subject, text="\n".join(lines) + "\n", date=now)
