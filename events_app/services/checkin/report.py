"""The organiser's view of check-in: per list, who was expected, who came and when, the last scans,
and conflicts (a ticket admitted by a phone working offline after someone else had admitted it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.checkin import CheckinList
from events_app.domain.errors import N_, NotFound
from events_app.domain.registration import full_name
from events_app.services.checkin import lists as checkin_lists

BUCKET = timedelta(minutes=15)


@dataclass(frozen=True)
class ScanLine:
    at: datetime
    device: str
    name: str
    status: str
    reason: str | None
    offline: bool


@dataclass(frozen=True)
class ListReport:
    checkin_list: CheckinList
    arrivals: list[tuple[datetime, int]]  # start of each quarter-hour with arrivals, in the event's zone
    last_scans: list[ScanLine]
    conflicts: list[ScanLine]

    @property
    def peak(self) -> int:
        return max((count for _, count in self.arrivals), default=0)


@dataclass(frozen=True)
class EventCheckin:
    slug: str
    title: str
    timezone: str
    lists: list[ListReport]


async def event_checkin(store: Store, event_id: int) -> EventCheckin:
    event = await store.fetch_one(sa.select(t.events).where(t.events.c.id == event_id))
    if event is None:
        raise NotFound(N_("No such event"))
    zone = ZoneInfo(event["timezone"])
    reports = []
    for item in await checkin_lists.lists_with_counts(store, event_id):
        times = [row["scanned_at"] for row in await store.fetch_all(
            sa.select(t.checkins.c.scanned_at).where(t.checkins.c.event_id == event_id,
                                                     t.checkins.c.list_name == item.name,
                                                     t.checkins.c.type == "entry"))]
        reports.append(ListReport(
            checkin_list=item, arrivals=_quarter_hours(times, zone),
            last_scans=await _scans(store, event_id, item.name, zone, limit=10),
            conflicts=await _scans(store, event_id, item.name, zone, conflicts_only=True, limit=50)))
    return EventCheckin(slug=event["slug"], title=event["title"], timezone=event["timezone"], lists=reports)


def _quarter_hours(times: list[datetime], zone: ZoneInfo) -> list[tuple[datetime, int]]:
    counts: dict[datetime, int] = {}
    for moment in times:
        local = moment.astimezone(zone)
        start = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
        counts[start] = counts.get(start, 0) + 1
    return sorted(counts.items())


async def _scans(store: Store, event_id: int, list_name: str, zone: ZoneInfo, *, limit: int,
                 conflicts_only: bool = False) -> list[ScanLine]:
    query = (sa.select(t.scan_log.c.scanned_at, t.scan_log.c.status, t.scan_log.c.reason, t.scan_log.c.offline,
                       t.devices.c.name.label("device"), t.registrations.c.surname, t.registrations.c.given_name,
                       t.registrations.c.patronymic)
             .join(t.devices, t.devices.c.id == t.scan_log.c.device_id)
             .outerjoin(t.tickets, t.tickets.c.id == t.scan_log.c.ticket_id)
             .outerjoin(t.registrations, t.registrations.c.id == t.tickets.c.registration_id)
             .where(t.scan_log.c.event_id == event_id, t.scan_log.c.list_name == list_name)
             .order_by(t.scan_log.c.id.desc()).limit(limit))
    if conflicts_only:
        # An offline phone decided alone; the server then found the ticket already admitted elsewhere.
        query = query.where(t.scan_log.c.offline.is_(True), t.scan_log.c.reason == "already_checked_in")
    return [ScanLine(at=row["scanned_at"].astimezone(zone), device=row["device"],
                     name=full_name(row["surname"], row["given_name"], row["patronymic"]) or "—",
                     status=row["status"], reason=row["reason"], offline=bool(row["offline"]))
            for row in await store.fetch_all(query)]
