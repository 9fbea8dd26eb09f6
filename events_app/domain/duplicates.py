"""Telling one delegate registered twice from two people who share something.

Within one event the same e-mail (in any letter case) with the same surname and given name is
the same person registering again: refused. People who merely share a phone, or a name and an
organisation, may be two people (an assistant registers her managers with her own phone), so
they are only flagged for the organiser to look at.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from events_app.domain.site_visits import organisation_key


def _word(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("ё", "е").replace("Ё", "Е")).strip().casefold()


def email_key(email: str | None) -> str:
    return (email or "").strip().casefold()


def same_delegate(*, email: str, surname: str, given_name: str, other_email: str | None, other_surname: str | None,
                  other_given_name: str | None) -> bool:
    """The rule that refuses a second registration: same address, same surname and given name."""
    return (email_key(email) == email_key(other_email) and _word(surname) == _word(other_surname)
            and _word(given_name) == _word(other_given_name))


@dataclass(frozen=True)
class Registrant:
    id: int
    surname: str
    given_name: str
    phone: str | None
    organisation: str | None


def _phone_key(phone: str | None) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]  # +7 and 8 both open a Russian number
    return digits if len(digits) >= 6 else ""


def possible_duplicates(people: Sequence[Registrant]) -> dict[int, tuple[int, ...]]:
    """Registration id → the other registrations with the same phone, or the same name and
    organisation; only those with at least one such match are in the result."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for person in people:
        phone = _phone_key(person.phone)
        if phone:
            groups.setdefault(("phone", phone), []).append(person.id)
        organisation = organisation_key(person.organisation)
        if organisation and _word(person.surname):
            name = ("name", _word(person.surname), _word(person.given_name), organisation)
            groups.setdefault(name, []).append(person.id)
    matches: dict[int, set[int]] = {}
    for ids in groups.values():
        if len(ids) > 1:
            for one in ids:
                matches.setdefault(one, set()).update(other for other in ids if other != one)
    return {one: tuple(sorted(others)) for one, others in sorted(matches.items())}
