"""Consultations with specialists: the booking form's rules, the cancellation deadline, and the
moments the reminders of a consultation fall due.

Field names follow the registration API (`surname`, `given`, `patronymic`, `email`, `phone`,
`organisation`, `inn`, `consent`); the long forms the registration form uses (`given_name`,
`organisation_name`, `organisation_inn`) are accepted too, so one client serves both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from events_app.domain.errors import N_, DomainError, InvalidInput
from events_app.domain.inn import MSG_CHECKSUM, MSG_DIGITS, MSG_LENGTH, InvalidINN, validate_inn
from events_app.domain.registration import EMAIL_PATTERN, NAME_PATTERN, clean_text, full_name, normalise_phone

CANCEL_DEADLINE = timedelta(hours=2)
ALIASES = {"given": "given_name", "organisation": "organisation_name", "inn": "organisation_inn"}
LIMITS = {"surname": 100, "given_name": 100, "patronymic": 100, "email": 254, "organisation_name": 300}
_INN_MESSAGES = {
    MSG_LENGTH: N_("An INN has 10 digits (an organisation) or 12 digits (a sole trader)"),
    MSG_DIGITS: N_("An INN consists of digits only"),
    MSG_CHECKSUM: N_("The INN's check digit is wrong: please check the number"),
}


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    HELD = "held"
    NO_SHOW = "no_show"


class SlotTaken(DomainError):
    """Someone else booked the slot first; the web layer offers the next free ones."""

    code = "slot_taken"


class SlotUnavailable(DomainError):
    """The slot is cancelled or already started: nobody can book it."""

    code = "slot_unavailable"


class TooLateToCancel(DomainError):
    code = "too_late_to_cancel"


@dataclass(frozen=True)
class BookingForm:
    surname: str
    given_name: str
    patronymic: str | None
    email: str
    phone: str
    organisation_name: str
    organisation_inn: str | None

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.given_name, self.patronymic)


def _field(data: Mapping[str, Any], name: str) -> Any:
    if data.get(name) not in (None, ""):
        return data.get(name)
    short = next((alias for alias, long in ALIASES.items() if long == name), None)
    return data.get(short) if short else None


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("on", "true", "1", "yes"))


def validate_booking(data: Mapping[str, Any]) -> BookingForm:
    """Check a booking form; `InvalidInput` names every wrong field (by its long name)."""
    errors: dict[str, str] = {}

    def text(name: str, missing: str | None) -> str | None:
        value = clean_text(_field(data, name))
        if not value:
            if missing:
                errors[name] = missing
            return None
        if len(value) > LIMITS[name]:
            errors[name] = N_("This is too long")
            return None
        return value

    def person(name: str, missing: str | None) -> str | None:
        value = text(name, missing)
        if value is not None and not NAME_PATTERN.match(value):
            errors[name] = N_("Use letters only; a hyphen, an apostrophe or a space may join parts")
            return None
        return value

    surname = person("surname", N_("Enter your surname"))
    given_name = person("given_name", N_("Enter your given name"))
    patronymic = person("patronymic", None)
    email = text("email", N_("Enter your e-mail address"))
    if email is not None:
        local, _, domain = email.rpartition("@")
        email = f"{local}@{domain.lower()}"
        if not EMAIL_PATTERN.match(email):
            errors["email"] = N_("Enter an e-mail address such as name@example.ru")
            email = None
    phone = None
    raw_phone = clean_text(_field(data, "phone"))
    if not raw_phone:
        errors["phone"] = N_("Enter your phone number")
    else:
        try:
            phone = normalise_phone(raw_phone)
        except ValueError as error:
            errors["phone"] = str(error)
    organisation = text("organisation_name", N_("Enter the name of your organisation"))
    inn = clean_text(_field(data, "organisation_inn")).replace(" ", "") or None
    if inn is not None:
        try:
            inn = validate_inn(inn)
        except InvalidINN as error:
            errors["organisation_inn"] = _INN_MESSAGES.get(str(error), N_("The INN is not valid"))
            inn = None
    if not _truthy(data.get("consent")):
        errors["consent"] = N_("Booking needs your consent to the processing of personal data")
    if errors or surname is None or given_name is None or email is None or phone is None or organisation is None:
        raise InvalidInput(N_("Please correct the marked fields"), fields=errors)
    return BookingForm(surname=surname, given_name=given_name, patronymic=patronymic, email=email, phone=phone,
                       organisation_name=organisation, organisation_inn=inn)


def may_book(*, starts_at: datetime, cancelled: bool, now: datetime) -> bool:
    return not cancelled and starts_at > now


def cancel_deadline(starts_at: datetime, *, before: timedelta = CANCEL_DEADLINE) -> datetime:
    """Until when a booking may be cancelled by its holder: after that the specialist has prepared."""
    return starts_at - before


def may_cancel(*, starts_at: datetime, now: datetime, before: timedelta = CANCEL_DEADLINE) -> bool:
    return now < cancel_deadline(starts_at, before=before)
