"""Certificates of completion: the rule a delegate must meet, the certificate's number, its PDF.

A rule counts two things: how many of the event's online sessions the delegate joined through
their personal link, and the days they were checked in at the entry. For example PROКЛАСТЕРЫ:
at least 6 of the 8 webinars and a check-in on the defence day; a practical session: a check-in
on any day.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from events_app.domain.errors import N_, InvalidInput
from events_app.domain.pdf import BOLD, MM, REGULAR, draw_lines, draw_qr, fit_text, register_fonts
from events_app.domain.tickets import ALPHABET

ERASED_NAME = "(имя удалено по просьбе участника)"


class CheckinRule(StrEnum):
    NONE = "none"  # no door check-in needed (an online programme)
    ANY = "any"  # checked in on at least one day
    DAY = "day"  # checked in on one given day (the defence day)


CHECKIN_LABELS = {CheckinRule.NONE: N_("No check-in needed"), CheckinRule.ANY: N_("Checked in on any day"),
                  CheckinRule.DAY: N_("Checked in on a given day")}


@dataclass(frozen=True)
class CompletionRule:
    min_online: int = 0
    checkin: CheckinRule = CheckinRule.ANY
    checkin_day: date | None = None
    hours: int | None = None
    signatory: str = ""


def check_rule(rule: CompletionRule, *, online_sessions: int, event_days: Collection[date]) -> CompletionRule:
    """The rule if it can be met; `InvalidInput` naming the field otherwise."""
    errors: dict[str, str] = {}
    if not 0 <= rule.min_online <= online_sessions:
        errors["min_online"] = N_("Between 0 and the number of online sessions")
    if rule.checkin is CheckinRule.DAY and rule.checkin_day not in event_days:
        errors["checkin_day"] = N_("Choose one of the event's days")
    if rule.hours is not None and not 0 < rule.hours <= 1000:
        errors["hours"] = N_("Hours are a whole number from 1 to 1000")
    if rule.min_online == 0 and rule.checkin is CheckinRule.NONE:
        errors["checkin"] = N_("A rule needs online sessions or a check-in: otherwise everyone would qualify")
    if len(rule.signatory) > 200:
        errors["signatory"] = N_("Up to 200 characters")
    if errors:
        raise InvalidInput(N_("The completion rule needs attention"), fields=errors)
    return rule


def qualifies(rule: CompletionRule, *, online_joined: int, checked_in_days: Collection[date]) -> bool:
    """Exactly the rule: `min_online` or more online sessions joined, and the check-in it asks for."""
    if online_joined < rule.min_online:
        return False
    if rule.checkin is CheckinRule.ANY:
        return bool(checked_in_days)
    if rule.checkin is CheckinRule.DAY:
        return rule.checkin_day in checked_in_days
    return True


def new_number(*, year: int, event_id: int, sequence: int) -> str:
    """`2022-014-00031-K7QF`: year of issue, event, running number, and four random characters so
    that the numbers of other people's certificates cannot be guessed from one's own."""
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(4))
    return f"{year}-{event_id:03d}-{sequence:05d}-{suffix}"


def verification_url(base_url: str, number: str) -> str:
    return f"{base_url}/c/{number}"


@dataclass(frozen=True)
class CertificateText:
    """Everything a certificate shows, in the words printed (Russian)."""

    number: str
    holder: str | None  # None: erased at the holder's request
    event_title: str
    dates: str
    city: str
    hours: int | None
    organisers: Sequence[str]
    signatory: str
    issued_on: str  # «1 ноября 2022 г.»
    url: str


def certificate_pdf(text: CertificateText) -> bytes:
    """One A4 landscape page: title, «выдан» and the name, the event, its dates and hours, the
    organisers, a signature line, the number and a QR code of the verification page."""
    register_fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1, invariant=1)
    canvas.setTitle(f"Сертификат № {text.number}")
    canvas.setCreator("events-app")
    canvas.setLineWidth(2)
    canvas.setStrokeColorRGB(0.12, 0.37, 0.66)
    canvas.rect(12 * MM, 12 * MM, width - 24 * MM, height - 24 * MM, stroke=1, fill=0)
    left, full = 30 * MM, width - 60 * MM
    top = height - 32 * MM
    top = draw_lines(canvas, fit_text("СЕРТИФИКАТ", font=BOLD, width=full, largest=34, smallest=20), x=left, top=top)
    top = draw_lines(canvas, fit_text(f"№ {text.number}", font=REGULAR, width=full, largest=11, smallest=8),
                     x=left, top=top - 2 * MM)
    top = draw_lines(canvas, fit_text("выдан", font=REGULAR, width=full, largest=14, smallest=10), x=left,
                     top=top - 8 * MM)
    holder = text.holder if text.holder else ERASED_NAME
    top = draw_lines(canvas, fit_text(holder, font=BOLD, width=full, largest=28, smallest=12, max_lines=2),
                     x=left, top=top - 2 * MM)
    top = draw_lines(canvas, fit_text("в том, что он(а) прошёл(ла) программу мероприятия", font=REGULAR, width=full,
                                      largest=13, smallest=9), x=left, top=top - 6 * MM)
    top = draw_lines(canvas, fit_text(f"«{text.event_title}»", font=BOLD, width=full, largest=18, smallest=10,
                                      max_lines=3), x=left, top=top - 2 * MM)
    details = f"{text.dates}, {text.city}"
    if text.hours:
        details += f"; объём — {text.hours} ак. ч."
    top = draw_lines(canvas, fit_text(details, font=REGULAR, width=full, largest=13, smallest=9, max_lines=2),
                     x=left, top=top - 3 * MM)
    if text.organisers:
        draw_lines(canvas, fit_text("Организаторы: " + "; ".join(text.organisers), font=REGULAR, width=full,
                                    largest=11, smallest=7, max_lines=3), x=left, top=top - 5 * MM)
    # The signature line, the date of issue and the QR code along the bottom.
    qr_size = 32 * MM
    bottom = 22 * MM
    canvas.setLineWidth(0.8)
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.line(left, bottom + 14 * MM, left + 80 * MM, bottom + 14 * MM)
    canvas.setFillColorRGB(0, 0, 0)
    signed = fit_text(text.signatory or "Подпись", font=REGULAR, width=80 * MM, largest=10, smallest=7, max_lines=2)
    draw_lines(canvas, signed, x=left, top=bottom + 12.5 * MM)
    draw_lines(canvas, fit_text(f"Дата выдачи: {text.issued_on}", font=REGULAR, width=90 * MM, largest=10,
                                smallest=7), x=left + 95 * MM, top=bottom + 12.5 * MM)
    draw_lines(canvas, fit_text(f"Проверка подлинности: {text.url}", font=REGULAR, width=full - qr_size - 4 * MM,
                                largest=8, smallest=6), x=left, top=bottom + 1 * MM)
    draw_qr(canvas, text.url, x=width - 30 * MM - qr_size, y=bottom - 4 * MM, size=qr_size)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
