"""The organiser's registrations list: search and filters, decisions in bulk, moving delegates
between a session's places and its waiting list, and exports. Every change and export is audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app import i18n
from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain import registration_sheet
from events_app.domain.duplicates import Registrant, possible_duplicates
from events_app.domain.errors import N_, DomainError, InvalidInput, NotFound
from events_app.domain.regions import is_region_code, region_by_code
from events_app.domain.registration import (
    CATEGORY_LABELS,
    HOLDING_PLACES,
    Category,
    ChoiceStatus,
    RegistrationStatus,
    full_name,
)
from events_app.domain.staff import StaffMember
from events_app.services.registration import letters, places, signup
from events_app.services.staff import audit
from events_app.settings import Settings

PAGE_SIZE = 50
STATUS_LABELS = {
    RegistrationStatus.PENDING.value: N_("Awaiting approval"),
    RegistrationStatus.CONFIRMED.value: N_("Confirmed"),
    RegistrationStatus.WAITLISTED.value: N_("On the event's waiting list"),
    RegistrationStatus.REJECTED.value: N_("Rejected"),
    RegistrationStatus.CANCELLED.value: N_("Cancelled"),
}
PLACE_LABELS = {ChoiceStatus.CONFIRMED.value: N_("place confirmed"), ChoiceStatus.WAITLISTED.value: N_("waiting list")}


class BulkRefused(DomainError):
    """Some of the chosen registrations cannot be decided: nothing was changed."""

    code = "bulk_refused"

    def __init__(self, message: str, problems: list[tuple[int, str, str]]) -> None:
        super().__init__(message)
        self.problems = problems  # (registration id, name, reason as a message id)


class SessionFull(DomainError):
    code = "session_full"


@dataclass(frozen=True)
class Filters:
    """What the list shows; every value comes from and goes back to the page's address."""

    q: str = ""
    status: str = ""
    region: str = ""
    category: str = ""
    session: int | None = None
    place: str = ""  # with `session`: only confirmed places or only the waiting list
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Filters:
        """Lenient: a value that is not one of the choices is dropped, so an old bookmark still opens."""
        status = params.get("status", "")
        region = params.get("region", "")
        category = params.get("category", "")
        session = params.get("session", "")
        place = params.get("place", "")
        page = params.get("page", "")
        return cls(
            q=" ".join(params.get("q", "").split())[:100],
            status=status if status in STATUS_LABELS else "",
            region=region if is_region_code(region) else "",
            category=category if category in Category.__members__.values() else "",
            session=int(session) if session.isdigit() and len(session) < 10 else None,
            place=place if place in PLACE_LABELS else "",
            page=int(page) if page.isdigit() and 0 < len(page) < 6 and int(page) > 0 else 1,
        )

    def query(self, **changes: Any) -> str:
        """The address query of these filters, with `changes` (e.g. another page)."""
        values = asdict(replace(self, **changes))
        if values["page"] == 1:
            values["page"] = None
        return urlencode({key: value for key, value in values.items() if value not in (None, "")})

    def described(self) -> dict[str, Any]:
        """For the audit log: the filters that were set."""
        return {key: value for key, value in asdict(self).items() if value not in (None, "") and key != "page"}


@dataclass(frozen=True)
class ChoiceLine:
    session_id: int
    title: str
    starts_at: datetime
    status: str
    position: int | None  # place in line when waiting


@dataclass(frozen=True)
class RegistrationLine:
    id: int
    status: str
    surname: str
    given_name: str
    patronymic: str
    organisation: str
    inn: str
    position: str
    email: str
    phone: str
    region_code: str
    category: str
    language: str
    created_at: datetime
    decision_reason: str
    days: list[date]
    choices: list[ChoiceLine]

    @property
    def full_name(self) -> str:
        return full_name(self.surname, self.given_name, self.patronymic)


@dataclass(frozen=True)
class SessionOption:
    id: int
    title: str
    starts_at: datetime
    capacity: int | None


@dataclass(frozen=True)
class RegistrationPage:
    lines: list[RegistrationLine]
    total: int  # matching the filters, on every page
    page: int
    pages: int
    sessions: list[SessionOption]  # what the visit filter and the moves offer
    # Registration id → others of the event with the same phone, or the same name and organisation.
    duplicates: dict[int, tuple[int, ...]] = field(default_factory=dict)


async def signup_sessions(store: Store, event_id: int) -> list[SessionOption]:
    rows = await store.fetch_all(
        sa.select(t.sessions.c.id, t.sessions.c.title, t.sessions.c.starts_at, t.sessions.c.capacity)
        .where(t.sessions.c.event_id == event_id, t.sessions.c.signup_required.is_(True),
               t.sessions.c.cancelled_at.is_(None))
        .order_by(t.sessions.c.starts_at, t.sessions.c.id))
    return [SessionOption(row["id"], row["title"], row["starts_at"], row["capacity"]) for row in rows]


async def _matching(store: Store, event_id: int, filters: Filters) -> list[Row]:
    query = (sa.select(t.registrations)
             .where(t.registrations.c.event_id == event_id, t.registrations.c.erased_at.is_(None))
             .order_by(t.registrations.c.id))
    if filters.status:
        query = query.where(t.registrations.c.status == filters.status)
    if filters.region:
        query = query.where(t.registrations.c.region_code == filters.region)
    if filters.category:
        query = query.where(t.registrations.c.category == filters.category)
    if filters.session is not None:
        signed_up = sa.select(t.registration_choices.c.registration_id).where(
            t.registration_choices.c.session_id == filters.session)
        if filters.place:
            signed_up = signed_up.where(t.registration_choices.c.status == filters.place)
        query = query.where(t.registrations.c.id.in_(signed_up))
    rows = await store.fetch_all(query)
    return [row for row in rows if _matches_text(row, filters.q)] if filters.q else rows


def _matches_text(row: Row, text: str) -> bool:
    """Every word in the name, organisation, e-mail or INN; a query of digits also in the phone.

    Matched in Python: SQLite's lower() folds only Latin letters, and an event has a few
    thousand registrations at most.
    """
    if PHONE_QUERY.fullmatch(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) == 11 and digits[0] == "8":
            digits = "7" + digits[1:]  # 8 (912) … is how Russians write +7 (912) …
        if len(digits) >= 3 and (digits in (row["phone"] or "") or digits in (row["organisation_inn"] or "")):
            return True
    haystack = " ".join(str(row[name] or "") for name in (
        "surname", "given_name", "patronymic", "organisation_name", "email", "organisation_inn")).casefold()
    return all(word in haystack for word in text.casefold().split())


PHONE_QUERY = re.compile(r"[\d\s()+\-.]+")


async def _lines(store: Store, rows: Sequence[Row]) -> list[RegistrationLine]:
    ids = [row["id"] for row in rows]
    days: dict[int, list[date]] = {}
    choices: dict[int, list[Row]] = {}
    session_ids: set[int] = set()
    # In chunks: a database takes only so many parameters in one IN list.
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in await store.fetch_all(sa.select(t.registration_days).where(
                t.registration_days.c.registration_id.in_(chunk)).order_by(t.registration_days.c.day)):
            days.setdefault(row["registration_id"], []).append(row["day"])
        for row in await store.fetch_all(
                sa.select(t.registration_choices, t.sessions.c.title, t.sessions.c.starts_at)
                .join(t.sessions, t.sessions.c.id == t.registration_choices.c.session_id)
                .where(t.registration_choices.c.registration_id.in_(chunk))
                .order_by(t.sessions.c.starts_at, t.sessions.c.id)):
            choices.setdefault(row["registration_id"], []).append(row)
            session_ids.add(row["session_id"])
    positions = await _waitlist_positions(store, session_ids)
    return [RegistrationLine(
        id=row["id"], status=row["status"], surname=row["surname"] or "", given_name=row["given_name"] or "",
        patronymic=row["patronymic"] or "", organisation=row["organisation_name"] or "",
        inn=row["organisation_inn"] or "", position=row["position"] or "", email=row["email"] or "",
        phone=row["phone"] or "", region_code=row["region_code"], category=row["category"], language=row["language"],
        created_at=row["created_at"], decision_reason=row["decision_reason"] or "", days=days.get(row["id"], []),
        choices=[ChoiceLine(c["session_id"], c["title"], c["starts_at"], c["status"], positions.get(c["id"]))
                 for c in choices.get(row["id"], [])],
    ) for row in rows]


async def _waitlist_positions(store: Store, session_ids: set[int]) -> dict[int, int]:
    """Place in line of every waiting choice of these sessions, counted as `places.waitlist_position` does."""
    if not session_ids:
        return {}
    rows = await store.fetch_all(
        sa.select(t.registration_choices.c.id, t.registration_choices.c.session_id)
        .join(t.registrations, t.registrations.c.id == t.registration_choices.c.registration_id)
        .where(t.registration_choices.c.session_id.in_(sorted(session_ids)),
               t.registration_choices.c.status == ChoiceStatus.WAITLISTED.value,
               t.registrations.c.status.in_(HOLDING_PLACES))
        .order_by(t.registration_choices.c.id))
    seen: dict[int, int] = {}
    positions = {}
    for row in rows:
        seen[row["session_id"]] = seen.get(row["session_id"], 0) + 1
        positions[row["id"]] = seen[row["session_id"]]
    return positions


async def search(store: Store, *, event_id: int, filters: Filters) -> RegistrationPage:
    rows = await _matching(store, event_id, filters)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(filters.page, pages)
    shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return RegistrationPage(lines=await _lines(store, shown), total=len(rows), page=page, pages=pages,
                            sessions=await signup_sessions(store, event_id),
                            duplicates=await possible_duplicates_of(store, event_id))


async def possible_duplicates_of(store: Store, event_id: int) -> dict[int, tuple[int, ...]]:
    """Among the event's current registrations: see `domain.duplicates.possible_duplicates`."""
    rows = await store.fetch_all(
        sa.select(t.registrations.c.id, t.registrations.c.surname, t.registrations.c.given_name,
                  t.registrations.c.phone, t.registrations.c.organisation_name)
        .where(t.registrations.c.event_id == event_id, t.registrations.c.erased_at.is_(None),
               t.registrations.c.status.not_in([RegistrationStatus.CANCELLED.value,
                                                RegistrationStatus.REJECTED.value])))
    return possible_duplicates([Registrant(row["id"], row["surname"] or "", row["given_name"] or "", row["phone"],
                                           row["organisation_name"]) for row in rows])


async def detail(store: Store, *, event_id: int, registration_id: int) -> RegistrationLine:
    row = await store.fetch_one(sa.select(t.registrations).where(
        t.registrations.c.id == registration_id, t.registrations.c.event_id == event_id,
        t.registrations.c.erased_at.is_(None)))
    if row is None:
        raise NotFound(N_("No such registration"))
    return (await _lines(store, [row]))[0]


async def decide_many(store: Store, settings: Settings, *, event_id: int, registration_ids: Sequence[int],
                      approve: bool, reason: str, actor: StaffMember, ip: str | None, now: datetime) -> int:
    """Approve or reject every chosen registration, or none of them: one transaction for all.

    Each decision goes through `registration.decide`, which mails the delegate; the reason of a
    rejection goes to every delegate rejected.
    """
    ids = sorted(set(registration_ids))
    if not ids:
        raise InvalidInput(N_("Choose at least one registration"),
                           fields={"ids": N_("Choose at least one registration")})
    reason = " ".join(reason.split())
    if not approve and not reason:
        raise InvalidInput(N_("Give the reason for the rejection: the delegate will receive it"),
                           fields={"reason": N_("Give the reason for the rejection: the delegate will receive it")})
    if len(reason) > 1000:
        raise InvalidInput(N_("This is too long"), fields={"reason": N_("This is too long")})
    async with store.transaction():
        await places.lock_event(store, event_id)
        rows = {row["id"]: row for row in await store.fetch_all(sa.select(t.registrations).where(
            t.registrations.c.id.in_(ids), t.registrations.c.event_id == event_id))}
        problems = []
        for registration_id in ids:
            row = rows.get(registration_id)
            if row is None or row["erased_at"] is not None:
                problems.append((registration_id, "", N_("no such registration in this event")))
            elif row["status"] != RegistrationStatus.PENDING.value:
                problems.append((registration_id, full_name(row["surname"], row["given_name"], row["patronymic"]),
                                 STATUS_LABELS[row["status"]]))
        if problems:
            raise BulkRefused(N_("Nothing was changed: only registrations awaiting approval can be approved or "
                                 "rejected. Remove these from the selection and try again:"), problems)
        for registration_id in ids:
            await signup.decide(store, settings, registration_id, approve=approve,
                                      reason=None if approve else reason, now=now)
            row = rows[registration_id]
            name = full_name(row['surname'], row['given_name'], row['patronymic'])
            await audit.record(store, actor=actor, action="registration.approve" if approve else "registration.reject",
                               subject=name,
                               event_id=event_id, details={"registration_id": registration_id, "reason": reason or None,
                                                           "batch": len(ids)}, ip=ip, now=now)
    return len(ids)


Direction = Literal["waitlist", "confirmed"]
MOVE_ACTIONS: dict[Direction, str] = {"waitlist": "registration.move_to_waitlist",
                                      "confirmed": "registration.move_to_confirmed"}


@dataclass(frozen=True)
class MoveResult:
    session_title: str
    promoted: list[int]  # registrations that got the freed place


async def move(store: Store, settings: Settings, *, event_id: int, registration_id: int, session_id: int,
               to: Direction, actor: StaffMember, ip: str | None, now: datetime) -> MoveResult:
    """Move a delegate's sign-up between the session's places and its waiting list.

    To the waiting list: the place goes to the first in line, who is mailed as on any promotion.
    To a place: only when one is free; a session never gets more sign-ups than places.
    """
    async with store.transaction():
        await places.lock_event(store, event_id)
        row = await store.fetch_one(sa.select(t.registrations).where(
            t.registrations.c.id == registration_id, t.registrations.c.event_id == event_id,
            t.registrations.c.erased_at.is_(None)))
        if row is None:
            raise NotFound(N_("No such registration"))
        session = await store.fetch_one(sa.select(t.sessions).where(
            t.sessions.c.id == session_id, t.sessions.c.event_id == event_id))
        choice = await store.fetch_one(sa.select(t.registration_choices).where(
            t.registration_choices.c.registration_id == registration_id,
            t.registration_choices.c.session_id == session_id))
        if session is None or choice is None:
            raise NotFound(N_("This delegate has not signed up for this session"))
        if row["status"] not in HOLDING_PLACES:
            raise DomainError(N_("Only a confirmed registration or one awaiting approval holds places in sessions"))
        confirmed, waiting = await places.session_counts(store, session_id)
        promoted: list[int] = []
        if to == "waitlist":
            if choice["status"] != ChoiceStatus.CONFIRMED.value:
                raise DomainError(N_("This delegate is already on the session's waiting list"))
            if session["capacity"] is None:
                raise DomainError(N_("This session has no limit of places, so it has no waiting list"))
            promotions = await places.send_to_waitlist(store, registration_id=registration_id, session_id=session_id,
                                                       now=now)
            for promotion in promotions:
                await letters.promoted(store, settings, promotion, now=now)
            promoted = [promotion.registration_id for promotion in promotions]
        else:
            if choice["status"] != ChoiceStatus.WAITLISTED.value:
                raise DomainError(N_("This delegate already has a place in the session"))
            if session["capacity"] is not None and confirmed >= session["capacity"]:
                raise SessionFull(N_("The session is full: every place is taken. Move someone to the waiting list "
                                     "first."))
            await places.confirm_from_waitlist(store, registration_id=registration_id, session_id=session_id, now=now)
            await letters.promoted(store, settings, places.Promotion(registration_id, session_id), now=now)
        await audit.record(store, actor=actor, action=MOVE_ACTIONS[to],
                           subject=f"{full_name(row['surname'], row['given_name'], row['patronymic'])}"
                                   f" · {session['title']}",
                           event_id=event_id, details={"registration_id": registration_id, "session_id": session_id,
                                                       "before": {"confirmed": confirmed, "waiting": waiting},
                                                       "promoted": promoted}, ip=ip, now=now)
    return MoveResult(session_title=session["title"], promoted=promoted)


ExportFormat = Literal["xlsx", "csv"]


async def export(store: Store, *, event_id: int, filters: Filters, fmt: ExportFormat, actor: StaffMember,
                 ip: str | None, now: datetime) -> tuple[bytes, int]:
    """Every registration matching the filters (all pages) as a spreadsheet; the export is audited."""
    event = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event_id))
    assert event is not None
    lines = await _lines(store, await _matching(store, event_id, filters))
    zone = ZoneInfo(event["timezone"])
    with i18n.language("ru"):  # exports are in Russian whatever the interface language, like the agenda's
        rows = [_sheet_row(line, zone) for line in lines]
    if fmt == "xlsx":
        content = registration_sheet.registrations_xlsx(rows, title=f"{event['title']}: регистрации")
    else:
        content = registration_sheet.registrations_csv(rows)
    await audit.record(store, actor=actor, action="registrations.export", subject=f"{fmt}: {len(rows)}",
                       event_id=event_id, details={"format": fmt, "filters": filters.described(), "rows": len(rows)},
                       ip=ip, now=now)
    return content, len(rows)


def _sheet_row(line: RegistrationLine, zone: ZoneInfo) -> registration_sheet.SheetRow:
    region = region_by_code(line.region_code)
    choices = "; ".join(
        f"{c.title} — {i18n.gettext(PLACE_LABELS[c.status])}" + (f" №{c.position}" if c.position else "")
        for c in line.choices)
    return registration_sheet.SheetRow(
        id=line.id, status=i18n.gettext(STATUS_LABELS[line.status]), surname=line.surname,
        given_name=line.given_name, patronymic=line.patronymic, organisation=line.organisation, inn=line.inn,
        position=line.position, region=region.name_ru if region else line.region_code,
        category=i18n.gettext(CATEGORY_LABELS[Category(line.category)]), email=line.email, phone=line.phone,
        days=", ".join(day.strftime("%d.%m.%Y") for day in line.days), choices=choices,
        registered_at=line.created_at.astimezone(zone).replace(tzinfo=None, microsecond=0),
        decision_reason=line.decision_reason)
