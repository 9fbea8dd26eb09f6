"""A delegate's registration: who they are, which days and sessions, and the rules that check it.

Messages are English source strings (marked with `N_`); the web layer shows them translated,
Russian first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from events_app.domain.errors import N_, InvalidInput
from events_app.domain.inn import MSG_CHECKSUM, MSG_DIGITS, MSG_LENGTH, InvalidINN, validate_inn
from events_app.domain.regions import is_region_code


class Category(StrEnum):
    ENTERPRISE = "enterprise"
    CLUSTER_MANAGEMENT = "cluster_management"
    GOVERNMENT = "government"
    DEVELOPMENT_INSTITUTION = "development_institution"
    CLUSTER_DEVELOPMENT_CENTRE = "cluster_development_centre"
    EXPERT = "expert"
    SPEAKER = "speaker"
    MEDIA = "media"
    OTHER = "other"


CATEGORY_LABELS = {
    Category.ENTERPRISE: N_("Enterprise"),
    Category.CLUSTER_MANAGEMENT: N_("Cluster management organisation"),
    Category.GOVERNMENT: N_("Government body"),
    Category.DEVELOPMENT_INSTITUTION: N_("Development institution or fund"),
    Category.CLUSTER_DEVELOPMENT_CENTRE: N_("Cluster development centre"),
    Category.EXPERT: N_("Expert"),
    Category.SPEAKER: N_("Speaker"),
    Category.MEDIA: N_("Media"),
    Category.OTHER: N_("Other"),
}


class RegistrationStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


# The named groups of registration statuses, each for one question the service asks; use these
# instead of listing statuses where a rule needs them. Plain strings, ready for SQL `IN (...)`.
#
# Which registrations hold places (count against capacity, get seats, are on door lists): a
# pending one keeps its places while it waits for approval.
HOLDING_PLACES: tuple[str, ...] = (RegistrationStatus.CONFIRMED.value, RegistrationStatus.PENDING.value)
# Which delegates are still coming in any form (the organiser's counts, who a draft change touches,
# who a visit's host must know of): those holding places and those in line for one.
STILL_COMING: tuple[str, ...] = (*HOLDING_PLACES, RegistrationStatus.WAITLISTED.value)
# Who is told by letter when the programme changes: those holding a confirmed place or a place in
# line; a pending application learns the programme when it is decided.
TOLD_OF_CHANGES: tuple[str, ...] = (RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITLISTED.value)
# Registrations that are over: the delegate withdrew or the organiser declined.
ENDED: tuple[str, ...] = (RegistrationStatus.CANCELLED.value, RegistrationStatus.REJECTED.value)


class ChoiceStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"


@dataclass(frozen=True)
class Promotion:
    """A waiting delegate who got a place."""

    registration_id: int
    session_id: int | None  # None: a place in the event itself


@dataclass(frozen=True)
class RegistrationForm:
    """A checked registration: every field normalised, every rule satisfied."""

    surname: str
    given_name: str
    patronymic: str | None
    email: str
    phone: str
    organisation_name: str
    organisation_inn: str | None
    position: str
    region_code: str
    category: Category
    days: tuple[date, ...]
    session_ids: tuple[int, ...]

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.given_name, self.patronymic)


def full_name(surname: str | None, given_name: str | None, patronymic: str | None) -> str:
    """ФИО in the Russian order; an erased registration has none."""
    return " ".join(part for part in (surname, given_name, patronymic) if part)


NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '’.\-][^\W\d_]+)*\.?$")
EMAIL_PATTERN = re.compile(r"^[^@\s\"<>(),;:\[\]\\]+@[^@\s\"<>(),;:\[\]\\]+\.[^@\s\"<>(),;:\[\]\\]{2,}$")
_INN_MESSAGES = {
    MSG_LENGTH: N_("An INN has 10 digits (an organisation) or 12 digits (a sole trader)"),
    MSG_DIGITS: N_("An INN consists of digits only"),
    MSG_CHECKSUM: N_("The INN's check digit is wrong: please check the number"),
}
LIMITS = {"surname": 100, "given_name": 100, "patronymic": 100, "email": 254, "organisation_name": 300, "position": 200}


def clean_text(value: Any) -> str:
    """Unicode NFC, no control characters, single spaces: what is stored and shown."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return " ".join(text.split())


def normalise_phone(value: str) -> str:
    """A Russian phone number as +7XXXXXXXXXX; raises ValueError with the reason."""
    digits = re.sub(r"[\s()\-.]", "", value)
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("7"):
            raise ValueError(N_("Enter a Russian number starting with +7 or 8"))
    if not digits.isdigit():
        raise ValueError(N_("A phone number consists of digits, spaces, brackets and hyphens"))
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if len(digits) != 10:
        raise ValueError(N_("Enter the number with its area code: ten digits after +7"))
    return "+7" + digits


def validate_registration(
    data: Mapping[str, Any],
    *,
    event_days: Sequence[date],
    session_days: Mapping[int, date],
) -> RegistrationForm:
    """Check a submitted form; raise `InvalidInput` with one message per wrong field.

    `session_days` maps each session that takes sign-ups to its day.
    """
    errors: dict[str, str] = {}

    def text(name: str, required: bool, missing: str) -> str | None:
        value = clean_text(data.get(name))
        if not value:
            if required:
                errors[name] = missing
            return None
        if len(value) > LIMITS[name]:
            errors[name] = N_("This is too long")
            return None
        return value

    def name(field: str, required: bool, missing: str) -> str | None:
        value = text(field, required, missing)
        if value is not None and not NAME_PATTERN.match(value):
            errors[field] = N_("Use letters only; a hyphen, an apostrophe or a space may join parts")
            return None
        return value

    surname = name("surname", True, N_("Enter your surname"))
    given_name = name("given_name", True, N_("Enter your given name"))
    patronymic = name("patronymic", False, "")

    email = text("email", True, N_("Enter your e-mail address"))
    if email is not None:
        local, _, domain = email.rpartition("@")
        email = f"{local}@{domain.lower()}"
        if not EMAIL_PATTERN.match(email):
            errors["email"] = N_("Enter an e-mail address such as name@example.ru")
            email = None

    phone = None
    raw_phone = clean_text(data.get("phone"))
    if not raw_phone:
        errors["phone"] = N_("Enter your phone number")
    else:
        try:
            phone = normalise_phone(raw_phone)
        except ValueError as error:
            errors["phone"] = str(error)

    organisation = text("organisation_name", True, N_("Enter the name of your organisation"))
    inn = clean_text(data.get("organisation_inn")).replace(" ", "") or None
    if inn is not None:
        try:
            inn = validate_inn(inn)
        except InvalidINN as error:
            errors["organisation_inn"] = _INN_MESSAGES.get(str(error), N_("The INN is not valid"))
            inn = None
    position = text("position", True, N_("Enter your position"))

    region = clean_text(data.get("region_code"))
    if not region:
        errors["region_code"] = N_("Choose your region")
    elif not is_region_code(region):
        errors["region_code"] = N_("Choose a region from the list")

    category: Category | None = None
    raw_category = clean_text(data.get("category"))
    try:
        category = Category(raw_category)
    except ValueError:
        errors["category"] = (N_("Choose who you represent") if not raw_category
                              else N_("Choose a category from the list"))

    days = _days(data.get("days"), event_days, errors)
    session_ids = _sessions(data.get("sessions"), session_days, days, errors)

    if not _truthy(data.get("consent")):
        errors["consent"] = N_("Registration needs your consent to the processing of personal data")

    if errors:
        raise InvalidInput(N_("Please correct the marked fields"), fields=errors)
    return RegistrationForm(
        surname=surname, given_name=given_name, patronymic=patronymic, email=email,  # type: ignore[arg-type]  # all set when no error
        phone=phone, organisation_name=organisation, organisation_inn=inn, position=position,  # type: ignore[arg-type]  # all set when no error
        region_code=region, category=category, days=days, session_ids=session_ids,  # type: ignore[arg-type]  # all set when no error
    )


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("on", "true", "1", "yes"))


def _days(value: Any, event_days: Sequence[date], errors: dict[str, str]) -> tuple[date, ...]:
    chosen: set[date] = set()
    for item in _as_list(value):
        try:
            day = item if isinstance(item, date) else date.fromisoformat(str(item))
        except ValueError:
            errors["days"] = N_("Choose days from the list")
            return ()
        if day not in event_days:
            errors["days"] = N_("Choose days from the list")
            return ()
        chosen.add(day)
    if len(event_days) == 1 and not chosen:
        chosen = set(event_days)  # a one-day event: there is nothing to choose
    if not chosen:
        errors["days"] = N_("Choose at least one day you will attend")
    return tuple(sorted(chosen))


def _sessions(value: Any, session_days: Mapping[int, date], days: Collection[date],
              errors: dict[str, str]) -> tuple[int, ...]:
    chosen: list[int] = []
    for item in _as_list(value):
        # Whole numbers only: JSON may bring true, 1.5 or 1e999, none of them a session.
        if type(item) is int:
            session_id = item
        elif isinstance(item, str) and item.strip().isdigit() and len(item.strip()) <= 12:
            session_id = int(item)
        else:
            errors["sessions"] = N_("Choose sessions from the list")
            return ()
        if session_id not in session_days:
            errors["sessions"] = N_("Choose sessions from the list")
            return ()
        if days and session_days[session_id] not in days:
            errors["sessions"] = N_("A chosen session is on a day you do not attend")
            return ()
        if session_id not in chosen:
            chosen.append(session_id)
    return tuple(chosen)
