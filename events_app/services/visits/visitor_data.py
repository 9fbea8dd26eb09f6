"""The enterprise's visitor list: passport fields collected, shown, exported and purged.

Collected only from delegates who hold a place (or a place in line) on a visit that requires
them, with a consent of its own; sealed before they reach the database; opened only for an
organiser with the visitor-data permission, every look and every export in the audit log;
deleted `EVENTS_VISITOR_DATA_DAYS` days after the event's last day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from events_app.clock import Clock, SystemClock
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain import spreadsheet
from events_app.domain.audit import SYSTEM
from events_app.domain.errors import N_, DomainError
from events_app.domain.registration import HOLDING_PLACES, STILL_COMING, ChoiceStatus, full_name
from events_app.domain.staff import Forbidden, StaffMember
from events_app.domain.visitor_data import (
    VISITOR_CONSENT_VERSION,
    VisitorFields,
    open_sealed,
    seal,
    validate_visitor_fields,
)
from events_app.services.staff import audit
from events_app.services.visits import details
from events_app.services.visits.details import VisitView
from events_app.settings import Settings

logger = logging.getLogger("events_app.visitor_data")


class NotAskedFor(DomainError):
    """No visit this delegate holds a place on asks for passport data."""

    code = "not_asked_for"


async def visits_asking(store: Store, registration_id: int) -> list[VisitView]:
    """Visits that require passport data and on which this delegate holds a place or waits for one."""
    session_ids = [row["session_id"] for row in await store.fetch_all(
        sa.select(t.registration_choices.c.session_id)
        .join(t.registrations, t.registrations.c.id == t.registration_choices.c.registration_id)
        .where(t.registration_choices.c.registration_id == registration_id,
               t.registrations.c.status.in_(STILL_COMING)))]
    visits = await details.visits_by_session(store, session_ids)
    return [visit for visit in visits.values() if visit.requires_passport]


async def has_data(store: Store, registration_id: int) -> bool:
    return await store.fetch_val(sa.select(t.visitor_data.c.registration_id)
                                 .where(t.visitor_data.c.registration_id == registration_id)) is not None


@dataclass(frozen=True)
class VisitorDataStatus:
    asked_by: list[VisitView]
    given: bool


async def visitor_data_status(store: Store, registration_id: int) -> VisitorDataStatus:
    asked = await visits_asking(store, registration_id)
    return VisitorDataStatus(asked, bool(asked) and await has_data(store, registration_id))


async def save(store: Store, settings: Settings, registration_id: int, data: Mapping[str, Any], *,
               ip: str | None, now: datetime) -> None:
    """The delegate's own form: checked, sealed and stored (replacing what they gave before)."""
    if not await visits_asking(store, registration_id):
        raise NotAskedFor(N_("None of your visits asks for passport data"))
    fields = validate_visitor_fields(dict(data), today=now.date())
    event_id = await store.fetch_val(sa.select(t.registrations.c.event_id)
                                     .where(t.registrations.c.id == registration_id))
    sealed = seal(fields, key=settings.visitor_data_key, registration_id=registration_id)
    async with store.transaction():
        await store.execute(t.visitor_data.delete().where(t.visitor_data.c.registration_id == registration_id))
        await store.execute(t.visitor_data.insert().values(
            registration_id=registration_id, event_id=event_id, sealed=sealed, consent_version=VISITOR_CONSENT_VERSION,
            consent_at=now, consent_ip=ip, updated_at=now))


async def forget(store: Store, registration_id: int) -> None:
    """The delegate withdrew this consent: the fields go at once."""
    await store.execute(t.visitor_data.delete().where(t.visitor_data.c.registration_id == registration_id))


@dataclass(frozen=True)
class Visitor:
    registration_id: int
    name: str
    organisation: str
    position: str
    fields: VisitorFields | None


def _require(member: StaffMember, event_id: int) -> None:
    if not member.may_see_visitor_data(event_id):
        raise Forbidden(N_("Passport data of visitors is shown only to organisers given that permission"))


async def visitors(store: Store, settings: Settings, *, member: StaffMember, event_id: int, session_id: int,
                   ip: str | None, now: datetime, action: str = "visitor_data.view") -> tuple[VisitView, list[Visitor]]:
    """The visitor list of one visit with the opened fields; refused without the permission."""
    visit = await details.get_visit(store, event_id, session_id)
    _require(member, event_id)
    rows = await store.fetch_all(
        sa.select(t.registrations.c.id, t.registrations.c.surname, t.registrations.c.given_name,
                  t.registrations.c.patronymic, t.registrations.c.organisation_name, t.registrations.c.position,
                  t.visitor_data.c.sealed)
        .join(t.registration_choices, t.registration_choices.c.registration_id == t.registrations.c.id)
        .outerjoin(t.visitor_data, t.visitor_data.c.registration_id == t.registrations.c.id)
        .where(t.registration_choices.c.session_id == session_id,
               t.registration_choices.c.status == ChoiceStatus.CONFIRMED.value,
               t.registrations.c.status.in_(HOLDING_PLACES))
        .order_by(t.registrations.c.surname, t.registrations.c.given_name))
    result = [Visitor(row["id"], full_name(row["surname"], row["given_name"], row["patronymic"]),
                      row["organisation_name"] or "", row["position"] or "",
                      open_sealed(row["sealed"], key=settings.visitor_data_key, registration_id=row["id"])
                      if row["sealed"] else None) for row in rows]
    async with store.transaction():
        await audit.record(store, actor=member, action=action, subject=visit.title, now=now,
                           event_id=event_id, ip=ip, details={"visitors": len(result)})
    return visit, result


COLUMNS = tuple(spreadsheet.Column(header, width) for header, width in (
    ("№", 5), ("ФИО", 36), ("Организация", 34), ("Должность", 28), ("Серия паспорта", 14), ("Номер паспорта", 16),
    ("Дата рождения", 14), ("Гражданство", 22)))
XLSX_HEADERS = [column.header for column in COLUMNS]


async def export_xlsx(store: Store, settings: Settings, *, member: StaffMember, event_id: int, session_id: int,
                      ip: str | None, now: datetime) -> tuple[str, bytes]:
    """The enterprise's list as a spreadsheet (file name, bytes); the export is audited."""
    visit, rows = await visitors(store, settings, member=member, event_id=event_id, session_id=session_id, ip=ip,
                                 now=now, action="visitor_data.export")
    heading = f"Список посетителей: {visit.host_name or visit.venue_name or visit.title}"
    cells = []
    for number, row in enumerate(rows, start=1):
        f = row.fields
        cells.append([number, row.name, row.organisation, row.position, f.passport_series if f else "",
                      f.passport_number if f else "", f.birth_date.strftime("%d.%m.%Y") if f else "",
                      f.citizenship if f else "нет данных"])
    sheet = spreadsheet.Sheet("Посетители", COLUMNS, cells, above=(heading, visit.title))
    return f"visitors-{session_id}.xlsx", spreadsheet.to_xlsx([sheet], title=heading)


async def purge(store: Store, settings: Settings, *, now: datetime) -> int:
    """Delete the fields of every event that ended more than the set number of days before `now`."""
    cutoff = now.date() - timedelta(days=settings.visitor_data_days)
    ended = sa.select(t.events.c.id).where(t.events.c.ends_on < cutoff)
    count = int(await store.fetch_val(sa.select(sa.func.count()).select_from(t.visitor_data)
                                      .where(t.visitor_data.c.event_id.in_(ended))))
    if count:
        async with store.transaction():
            await store.execute(t.visitor_data.delete().where(t.visitor_data.c.event_id.in_(ended)))
            await audit.record(store, actor=None, actor_label=SYSTEM, action="visitor_data.purge",
                               subject=cutoff.isoformat(), now=now,
                               details={"deleted": count})
    return count


class VisitorDataPurger:
    """The running service's own purge: once at start and then every hour."""

    INTERVAL = 3600.0

    def __init__(self, store: Store, settings: Settings, *, clock: Clock | None = None) -> None:
        self.store, self.settings, self.clock = store, settings, clock or SystemClock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        # A round in progress finishes: cancelling it mid-transaction would leave a connection half open.
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                deleted = await purge(self.store, self.settings, now=self.clock.now())
                if deleted:
                    logger.info("visitor data purged: %d delegates", deleted)
            except Exception:  # the next round tries again; the service keeps serving
                logger.exception("visitor data purge failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.INTERVAL)
