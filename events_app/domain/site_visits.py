"""Site visits: what an enterprise asks of its visitors, and how delegates are seated on buses.

The seating is a pure function (`assign_seats`) so that the rule can be read and tested without
a database: organisations are kept together where a bus has room for the whole group, large
groups go first into the emptiest bus (which balances the buses), and a group too large for any
bus is split over the fewest buses possible. Nobody is ever seated past a bus's seats.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from events_app.domain.errors import N_, InvalidInput


class Requirement(StrEnum):
    PASSPORT = "passport"
    CLOSED_SHOES = "closed_shoes"
    PROTECTIVE_CLOTHING = "protective_clothing"
    MINIMUM_AGE = "minimum_age"
    NO_PHOTOGRAPHY = "no_photography"


REQUIREMENT_LABELS: dict[str, str] = {
    Requirement.PASSPORT: N_("Passport data for the enterprise's security service; bring your passport"),
    Requirement.CLOSED_SHOES: N_("Closed flat shoes"),
    Requirement.PROTECTIVE_CLOTHING: N_("Protective clothing (given out at the entrance)"),
    Requirement.MINIMUM_AGE: N_("Minimum age: %(age)s"),
    Requirement.NO_PHOTOGRAPHY: N_("No photography or filming on site"),
}


class TransportKind(StrEnum):
    BUS = "bus"
    CAR = "car"


@dataclass(frozen=True)
class TransportGroup:
    """A bus or a car of a visit, as an agenda file describes it."""

    key: str
    name: str
    seats: int
    kind: TransportKind = TransportKind.BUS
    plate: str | None = None
    curator_name: str | None = None
    curator_phone: str | None = None

    @property
    def label(self) -> str:
        return bus_label(self.name, self.plate)


def bus_label(name: str, plate: str | None) -> str:
    """How people tell a bus: «Автобус 1 (К 123 ОР 11)», or its name alone without a plate."""
    return f"{name} ({plate})" if plate else name


# One copy of what a bus may be, for the agenda file and the workspace form alike.
MAX_SEATS = 120  # the largest coach; a bigger figure is a typo
CURATOR_PHONE = re.compile(r"\+?[0-9 ()-]{6,20}")
NAME_CHARS = 80
PLATE_CHARS = 20


@dataclass(frozen=True)
class BusFields:
    """A bus or a car as the organiser types it in the workspace (the service gives it its key)."""

    kind: TransportKind
    name: str
    seats: int
    plate: str | None = None
    curator_name: str | None = None
    curator_phone: str | None = None


def _seats(raw: str) -> tuple[int | None, str | None]:
    if not raw:
        return None, N_("Give the number of seats")
    if not re.fullmatch(r"[+-]?[0-9]+", raw):
        return None, N_("Seats are a whole number, such as 45")
    seats = int(raw)
    if seats < 1:
        return None, N_("A bus needs at least one seat")
    if seats > MAX_SEATS:
        return None, N_("At most %(seats)s seats: check the number")
    return seats, None


def read_bus(form: Mapping[str, str]) -> BusFields:
    """The workspace's bus form, checked: every problem at once, by field, in words a person reads."""
    errors: dict[str, str] = {}

    def text(name: str) -> str | None:
        return (form.get(name) or "").strip() or None

    try:
        kind = TransportKind(text("kind") or TransportKind.BUS.value)
    except ValueError:
        kind = TransportKind.BUS
        errors["kind"] = N_("Choose a bus or a car")
    name = text("name")
    if name is None:
        errors["name"] = N_("Give the bus a name, such as Bus 3")
    elif len(name) > NAME_CHARS:
        errors["name"] = N_("At most %(chars)s characters")
    seats, problem = _seats(text("seats") or "")
    if problem:
        errors["seats"] = problem
    plate = text("plate")
    if plate is not None and len(plate) > PLATE_CHARS:
        errors["plate"] = N_("At most %(plate_chars)s characters, such as К 123 ОР 11")
    curator_name = text("curator_name")
    if curator_name is not None and len(curator_name) > NAME_CHARS:
        errors["curator_name"] = N_("At most %(chars)s characters")
    phone = text("curator_phone")
    if phone is not None and not CURATOR_PHONE.fullmatch(phone):
        errors["curator_phone"] = N_("Write the phone in digits, such as +7 912 345-67-89")
    if errors:
        # The limits are named from their constants, so a message cannot disagree with the check.
        raise InvalidInput(N_("The bus was not saved: check the highlighted fields"), fields=errors,
                           values={"seats": MAX_SEATS, "chars": NAME_CHARS, "plate_chars": PLATE_CHARS})
    assert name is not None and seats is not None
    return BusFields(kind=kind, name=name, seats=seats, plate=plate, curator_name=curator_name, curator_phone=phone)


def next_bus_key(kind: TransportKind, taken: Iterable[str]) -> str:
    """`bus-3` after `bus-1` and `bus-2`: the key the agenda file will name a workspace bus by."""
    used = set(taken)
    number = 1
    while f"{kind.value}-{number}" in used:
        number += 1
    return f"{kind.value}-{number}"


@dataclass(frozen=True)
class VisitDetails:
    """What a site visit adds to its session. Times are local wall-clock times, like the session's."""

    host_key: str | None = None
    meeting_point: str | None = None
    meeting_address: str | None = None
    meeting_latitude: float | None = None
    meeting_longitude: float | None = None
    meeting_note: str | None = None
    departs_at: datetime | None = None
    returns_at: datetime | None = None
    requirements: tuple[Requirement, ...] = ()
    minimum_age: int | None = None
    transport: tuple[TransportGroup, ...] = ()


def follow_move(departs_at: datetime | None, returns_at: datetime | None, *, old_start: datetime,
                new_start: datetime) -> tuple[datetime | None, datetime | None]:
    """The bus times of a visit moved from `old_start` to `new_start`: the bus leaves and comes
    back by the same amount earlier or later, so a moved visit never keeps a bus that now leaves
    after it has begun. The organiser can adjust them afterwards."""
    delta: timedelta = new_start - old_start
    return (departs_at + delta if departs_at is not None else None,
            returns_at + delta if returns_at is not None else None)


def requirement_texts(requirements: Iterable[str], minimum_age: int | None,
                      translate: Callable[[str], str] = lambda text: text) -> list[str]:
    """Requirement labels in the caller's language, with the minimum age filled in."""
    result = []
    for code in requirements:
        label = translate(REQUIREMENT_LABELS[Requirement(code)])
        if code == Requirement.MINIMUM_AGE:
            label = label % {"age": minimum_age or 18}
        result.append(label)
    return result


def map_link(latitude: float | None, longitude: float | None) -> str | None:
    """An OpenStreetMap link that any phone opens in its map application or browser."""
    if latitude is None or longitude is None:
        return None
    return f"https://www.openstreetmap.org/?mlat={latitude:.5f}&mlon={longitude:.5f}#map=17/{latitude:.5f}/{longitude:.5f}"


_LEGAL_FORMS = re.compile(r"^(ооо|оао|пао|зао|ао|ип|фгуп|гуп|муп|ано|ооо нпп|llc|jsc)\s+", re.IGNORECASE)


def organisation_key(name: str | None) -> str:
    """Two spellings of one organisation («ООО "Лузалес"», «Лузалес») count as the same."""
    text = re.sub(r"[«»\"'“”„]", "", (name or "").casefold()).strip()
    text = _LEGAL_FORMS.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Bus:
    id: int
    seats: int
    riders: tuple[str, ...] = ()  # organisation keys of the delegates already seated


@dataclass(frozen=True)
class Rider:
    registration_id: int
    organisation: str  # as `organisation_key` gives it; "" when unknown


def assign_seats(buses: Sequence[Bus], riders: Sequence[Rider]) -> dict[int, int]:
    """Seat `riders` on `buses` (registration id → bus id). Riders left over when every seat is
    taken are not in the result."""
    free = {bus.id: bus.seats - len(bus.riders) for bus in buses}
    colleagues: dict[int, dict[str, int]] = {bus.id: {} for bus in buses}
    for bus in buses:
        for organisation in bus.riders:
            colleagues[bus.id][organisation] = colleagues[bus.id].get(organisation, 0) + 1
    order = {bus.id: index for index, bus in enumerate(buses)}

    blocks: dict[str, list[Rider]] = {}
    for rider in sorted(riders, key=lambda r: r.registration_id):
        # Someone without an organisation travels with nobody in particular.
        key = rider.organisation or f"#{rider.registration_id}"
        blocks.setdefault(key, []).append(rider)
    queue = sorted(blocks.items(), key=lambda item: (-len(item[1]), item[1][0].registration_id))

    seated: dict[int, int] = {}

    def board(bus_id: int, key: str, people: list[Rider]) -> None:
        for rider in people:
            seated[rider.registration_id] = bus_id
        free[bus_id] -= len(people)
        colleagues[bus_id][key] = colleagues[bus_id].get(key, 0) + len(people)

    for key, people in queue:
        size = len(people)
        fits = [bus_id for bus_id in free if free[bus_id] >= size]
        if fits:
            # With colleagues already on board if possible, else the emptiest bus.
            best = max(fits, key=lambda b: (colleagues[b].get(key, 0), free[b], -order[b]))
            board(best, key, people)
            continue
        remaining = list(people)
        while remaining:
            open_buses = [bus_id for bus_id in free if free[bus_id] > 0]
            if not open_buses:
                break
            best = max(open_buses, key=lambda b: (free[b], colleagues[b].get(key, 0), -order[b]))
            part, remaining = remaining[:free[best]], remaining[free[best]:]
            board(best, key, part)
    return seated


def split_organisations(seating: dict[int, int], organisations: dict[int, str]) -> set[str]:
    """Organisations whose delegates ended up on more than one bus (for reports and tests)."""
    buses: dict[str, set[int]] = {}
    for registration_id, bus_id in seating.items():
        key = organisations.get(registration_id, "")
        if key:
            buses.setdefault(key, set()).add(bus_id)
    return {key for key, ids in buses.items() if len(ids) > 1}
