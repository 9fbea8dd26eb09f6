"""Loading agenda files into the database: all files checked first, then one transaction.

Re-importing updates in place by stable keys. A session that changes its time, place or title
gets a higher `sequence` (calendar clients rely on it; the rule is `changelog.raises_sequence`,
shared with publishing); a session that disappears from the file of a published event is
cancelled, not deleted, so feeds can tell subscribers it is gone. Buses follow the workspace's
rules: a bus the file leaves out is removed, but not one that delegates are seated on, and no bus
gets fewer seats than the delegates seated on it; a file that breaks either is not imported at all
(`SeatedBusesRefused`). In a published event, the riders of a bus whose name, plate or curator the
file changes get the letter the workspace sends for such a change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.agenda import Agenda, EventStatus, Organisation, shift_agenda, to_utc
from events_app.domain.agenda_file import AgendaError, AgendaFileError, parse_agenda_text
from events_app.domain.changelog import next_sequence
from events_app.domain.errors import N_, DomainError
from events_app.services.agenda_builder import publishing
from events_app.services.registration import places
from events_app.services.visits import buses as bus_letters
from events_app.services.visits import details, seating
from events_app.settings import Settings


@dataclass(frozen=True)
class BusNote:
    """A bus named in an import's report: its label and the title of its visit."""

    bus: str
    visit: str

    def __str__(self) -> str:
        return f"{self.bus}, «{self.visit}»"


@dataclass(frozen=True)
class ImportReport:
    slug: str
    created: bool
    sessions_added: int
    sessions_changed: int
    sessions_cancelled: int
    buses_added: tuple[BusNote, ...] = ()
    buses_changed: tuple[BusNote, ...] = ()
    buses_removed: tuple[BusNote, ...] = ()
    riders_told: int = 0  # letters to delegates seated on the buses of visits the file cancelled
    bus_riders_told: int = 0  # letters to delegates seated on buses whose name, plate or curator changed

    def __str__(self) -> str:
        action = "created" if self.created else "updated"
        lines = [f"{self.slug}: {action}; sessions added {self.sessions_added}, changed {self.sessions_changed}, "
                 f"cancelled {self.sessions_cancelled}; buses added {len(self.buses_added)}, "
                 f"changed {len(self.buses_changed)}, removed {len(self.buses_removed)}"
                 + (f"; riders of cancelled visits told {self.riders_told}" if self.riders_told else "")
                 + (f"; riders of changed buses told {self.bus_riders_told}" if self.bus_riders_told else "")]
        if self.created:  # every bus of a new event is new: the count says it all
            return lines[0]
        for what, buses in (("added", self.buses_added), ("changed", self.buses_changed),
                            ("removed", self.buses_removed)):
            lines.extend(f"  bus {what}: {bus}" for bus in buses)
        return "\n".join(lines)


SEATED_BUS_LEFT_OUT = N_("The bus «%(bus)s» of the site visit «%(visit)s» is not in the file, but delegates are "
                         "seated on it (%(seated)s): move them to another bus in the workspace first, or keep the "
                         "bus in the file")
SEATS_BELOW_RIDERS = N_("The bus «%(bus)s» of the site visit «%(visit)s» has fewer seats in the file (%(seats)s) "
                        "than delegates seated on it (%(seated)s): move some to another bus in the workspace first, "
                        "or give it at least as many seats in the file")


@dataclass(frozen=True)
class SeatedBus:
    """A bus with riders that a file leaves out or, with `seats`, gives fewer seats than them."""

    slug: str     # the event whose file it is
    path: str     # where in the file: `sessions[3].visit.transport`, `sessions[3].visit.transport[0].seats`
    visit: str
    bus: str
    seated: int
    seats: int | None = None  # the seats the file gives a bus it keeps

    def problem(self, gettext: Callable[[str], str] = str) -> str:
        if self.seats is None:
            return gettext(SEATED_BUS_LEFT_OUT) % {"bus": self.bus, "visit": self.visit, "seated": self.seated}
        return gettext(SEATS_BELOW_RIDERS) % {"bus": self.bus, "visit": self.visit, "seated": self.seated,
                                              "seats": self.seats}


class SeatedBusesRefused(DomainError):
    """The files leave out buses with riders or shrink them below their riders: nothing of them
    is imported."""

    code = "seated_buses_refused"

    def __init__(self, buses: Sequence[SeatedBus]) -> None:
        first = buses[0]
        super().__init__(SEATED_BUS_LEFT_OUT if first.seats is None else SEATS_BELOW_RIDERS,
                         values={"bus": first.bus, "visit": first.visit, "seated": first.seated,
                                 "seats": first.seats})
        self.buses = tuple(buses)

    def as_file_error(self, files: Mapping[str, str], gettext: Callable[[str], str] = str) -> AgendaFileError:
        """The refusal as agenda file problems, one per bus, in `gettext`'s language; `files`
        gives the file of each event's slug (a bus of an event not in it is named by the slug)."""
        return AgendaFileError([AgendaError(files.get(bus.slug, bus.slug), bus.path, bus.problem(gettext))
                                for bus in self.buses])


def read_agenda_files(paths: Sequence[Path], *, shift_to: date | None = None) -> list[Agenda]:
    """Read and check every file; raise `AgendaFileError` with the problems of all of them."""
    errors: list[AgendaError] = []
    agendas: list[tuple[str, Agenda]] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            errors.append(AgendaError(str(path), "", f"cannot read the file: {error}"))
            continue
        try:
            agenda = parse_agenda_text(text, file=str(path))
        except AgendaFileError as error:
            errors.extend(error.errors)
            continue
        agendas.append((str(path), shift_agenda(agenda, shift_to) if shift_to else agenda))
    errors.extend(_conflicts_between(agendas))
    if errors:
        raise AgendaFileError(errors)
    return [agenda for _, agenda in agendas]


def _conflicts_between(agendas: list[tuple[str, Agenda]]) -> Iterable[AgendaError]:
    slugs: dict[str, str] = {}
    organisations: dict[str, tuple[str, Organisation]] = {}
    for file, agenda in agendas:
        slug = agenda.event.slug
        if slug in slugs:
            yield AgendaError(file, "event.slug", f"event {slug!r} is also defined in {slugs[slug]}")
        slugs.setdefault(slug, file)
        for index, organisation in enumerate(agenda.organisations):
            seen = organisations.setdefault(organisation.key, (file, organisation))
            if seen[1] != organisation:
                yield AgendaError(file, f"organisations[{index}]",
                                  f"organisation {organisation.key!r} is defined differently in {seen[0]}")


async def import_agendas(store: Store, agendas: Sequence[Agenda], *, now: datetime | None = None,
                         settings: Settings | None = None) -> list[ImportReport]:
    """Store every agenda in one transaction: all of them, or none. With `settings` (the letters'
    sender and links), delegates seated on the buses of a visit the file cancels are told, with the
    letter a published cancellation sends, and so are those seated on a bus whose name, plate or
    curator it changes, with the workspace's letter; loading files into an empty database needs none."""
    moment = now or datetime.now(UTC)
    async with store.transaction():
        # Imports share organisations and match rows by key: one at a time avoids two of them
        # inserting the same key. Imports are rare; registrations never wait on this.
        await store.serialise("agenda-import")
        imported = [await _import_one(store, agenda, moment, settings) for agenda in agendas]
        seated = [bus for _, buses in imported for bus in buses]
        if seated:
            raise SeatedBusesRefused(seated)  # rolls back everything above, letters too
        return [report for report, _ in imported]


async def _upsert(store: Store, table: sa.Table, where: Any, values: dict[str, Any]) -> int:
    existing = await store.fetch_one(sa.select(table.c.id).where(where))
    if existing is None:
        return await store.insert(table.insert().values(**values).returning(table.c.id))
    await store.execute(table.update().where(table.c.id == existing["id"]).values(**values))
    return int(existing["id"])


async def _import_one(store: Store, agenda: Agenda, now: datetime,
                      settings: Settings | None) -> tuple[ImportReport, list[SeatedBus]]:
    event = agenda.event
    organisation_ids: dict[str, int] = {}
    for organisation in agenda.organisations:
        found = t.organisations.c.key == organisation.key
        organisation_ids[organisation.key] = await _upsert(store, t.organisations, found, {
            "key": organisation.key, "name": organisation.name, "short_name": organisation.short_name,
            "inn": organisation.inn, "region_code": organisation.region_code, "website": organisation.website,
        })

    existing_event = await store.fetch_one(sa.select(t.events).where(t.events.c.slug == event.slug))
    event_values = {
        "slug": event.slug, "title": event.title, "title_en": event.title_en, "format": event.format.value,
        "city": event.city, "city_en": event.city_en, "region_code": event.region_code, "timezone": event.timezone,
        "starts_on": event.starts_on, "ends_on": event.ends_on, "status": event.status.value,
        "description": event.description, "note": event.note, "capacity": event.capacity,
        "moderation": event.moderation, "consent_version": event.consent_version, "consent_text": event.consent_text,
        "registration_opens_at": (to_utc(event.registration_opens, event.timezone)
                                  if event.registration_opens else None),
        "registration_closes_at": (to_utc(event.registration_closes, event.timezone)
                                   if event.registration_closes else None),
    }
    if existing_event is None:
        event_id = await store.insert(t.events.insert().values(
            **event_values, created_at=now, updated_at=now).returning(t.events.c.id))
    else:
        event_id = int(existing_event["id"])
        # Seating takes this lock too: nobody is seated on a bus while the import decides its fate.
        await places.lock_event(store, event_id)
        if any(existing_event[name] != value for name, value in event_values.items()):
            await store.execute(t.events.update().where(t.events.c.id == event_id)
                                .values(**event_values, updated_at=now))

    await store.execute(t.event_organisations.delete().where(t.event_organisations.c.event_id == event_id))
    for role, keys in (("organiser", event.organiser_keys), ("partner", event.partner_keys)):
        for position, key in enumerate(keys):
            await store.execute(t.event_organisations.insert().values(
                event_id=event_id, organisation_id=organisation_ids[key], role=role, position=position))

    venue_ids = await _sync_keyed(store, t.venues, event_id, [(venue.key, {
        "name": venue.name, "kind": venue.kind.value, "address": venue.address, "latitude": venue.latitude,
        "longitude": venue.longitude, "description": venue.description,
        "organisation_id": organisation_ids.get(venue.organisation_key) if venue.organisation_key else None,
    }) for venue in agenda.venues])
    person_ids = await _sync_keyed(store, t.people, event_id, [(person.key, {
        "name": person.name, "position": person.position,
        "organisation_id": organisation_ids.get(person.organisation_key) if person.organisation_key else None,
    }) for person in agenda.people])

    added = changed = 0
    buses_added: list[BusNote] = []
    buses_changed: list[BusNote] = []
    buses_removed: list[BusNote] = []
    seated: list[SeatedBus] = []
    bus_riders_told = 0
    stored = {row["key"]: row for row in await store.fetch_all(
        sa.select(t.sessions).where(t.sessions.c.event_id == event_id))}
    for index, session in enumerate(agenda.sessions):
        values = {
            "kind": session.kind.value, "title": session.title, "title_en": session.title_en,
            "description": session.description, "starts_at": to_utc(session.starts_at, event.timezone),
            "ends_at": to_utc(session.ends_at, event.timezone),
            "venue_id": venue_ids[session.venue_key] if session.venue_key else None,
            "capacity": session.capacity, "signup_required": session.signup_required,
            "online_url": session.online_url, "illustrative": session.illustrative,
        }
        row = stored.get(session.key)
        if row is None:
            session_id = await store.insert(t.sessions.insert().values(
                event_id=event_id, key=session.key, sequence=0, created_at=now, updated_at=now, **values
            ).returning(t.sessions.c.id))
            added += 1
        else:
            session_id = int(row["id"])
            differs = any(row[name] != value for name, value in values.items())
            restored = row["cancelled_at"] is not None
            if differs or restored:
                after = {**values, "cancelled_at": None}
                await store.execute(t.sessions.update().where(t.sessions.c.id == session_id).values(
                    **after, updated_at=now, sequence=next_sequence(row, after)))
                changed += 1
        if session.visit is not None or (row is not None and row["kind"] == "site_visit"):
            visit = session.visit
            if visit is not None and row is not None:
                visit = await details.follow_file_move(
                    store, session_id, visit, old_start=row["starts_at"],
                    new_start=to_utc(session.starts_at, event.timezone),
                    new_end=to_utc(session.ends_at, event.timezone), timezone=event.timezone)
            buses = await details.sync_visit(store, session_id, visit, organisation_ids=organisation_ids,
                                             timezone=event.timezone)
            buses_added.extend(BusNote(label, session.title) for label in buses.added)
            buses_changed.extend(BusNote(label, session.title) for label in buses.changed)
            buses_removed.extend(BusNote(label, session.title) for label in buses.removed)
            path = f"sessions[{index}].visit" + (".transport" if visit is not None else "")
            seated.extend(SeatedBus(event.slug, path, session.title, group.label, group.taken)
                          for group in buses.still_seated)
            seated.extend(SeatedBus(event.slug, f"{path}[{bus.position}].seats", session.title, bus.group.label,
                                    bus.group.taken, bus.seats) for bus in buses.shrunk)
            if buses.retold and settings is not None and event.status is EventStatus.PUBLISHED:
                # A draft event tells nobody, as its cancellations below do not either.
                bus_riders_told += await bus_letters.tell_riders(store, settings, event_id, session_id, buses.retold,
                                                                 now=now)
        speakers = [person_ids[key] for key in session.speaker_keys]
        current = [r["person_id"] for r in await store.fetch_all(
            sa.select(t.session_speakers.c.person_id).where(t.session_speakers.c.session_id == session_id)
            .order_by(t.session_speakers.c.position))]
        if current != speakers:
            await store.execute(t.session_speakers.delete().where(t.session_speakers.c.session_id == session_id))
            for position, person_id in enumerate(speakers):
                await store.execute(t.session_speakers.insert().values(
                    session_id=session_id, person_id=person_id, position=position))

    cancelled = 0
    in_file = {session.key for session in agenda.sessions}
    ridden: list[Row] = []
    riders: set[int] = set()
    for key, row in stored.items():
        if key in in_file or row["cancelled_at"] is not None:
            continue
        if event.status is EventStatus.DRAFT:
            await store.execute(t.sessions.delete().where(t.sessions.c.id == row["id"]))
        else:
            # The visit's buses stay, as the session does; their riders are told it is off.
            on_board = {registration for registration, _, _ in await seating.seats_of_visit(store, row["id"])}
            if on_board:
                ridden.append(row)
                riders |= on_board
            await store.execute(t.sessions.update().where(t.sessions.c.id == row["id"]).values(
                cancelled_at=now, updated_at=now, sequence=next_sequence(row, None)))
        cancelled += 1
    told = 0
    if ridden and settings is not None:
        told = await publishing.tell_cancelled(store, settings, event.slug, ridden, riders, now=now)
    await _drop_unused_venues(store, event_id, set(venue_ids.values()))
    report = ImportReport(event.slug, existing_event is None, added, changed, cancelled,
                          tuple(buses_added), tuple(buses_changed), tuple(buses_removed), told, bus_riders_told)
    return report, seated


async def _sync_keyed(store: Store, table: sa.Table, event_id: int,
                      items: list[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    """Upsert rows keyed by (event, key); delete the ones no longer listed. Gives key → id."""
    stored = {row["key"]: row for row in await store.fetch_all(sa.select(table).where(table.c.event_id == event_id))}
    ids: dict[str, int] = {}
    for key, values in items:
        row = stored.get(key)
        if row is None:
            ids[key] = await store.insert(table.insert().values(event_id=event_id, key=key, **values)
                                          .returning(table.c.id))
        else:
            ids[key] = int(row["id"])
            if any(row[name] != value for name, value in values.items()):
                await store.execute(table.update().where(table.c.id == row["id"]).values(**values))
    if table is t.people:
        gone = [row["id"] for key, row in stored.items() if key not in ids]
        if gone:
            await store.execute(table.delete().where(table.c.id.in_(gone)))
    return ids


async def _drop_unused_venues(store: Store, event_id: int, keep: set[int]) -> None:
    """Venues left out of the file go, unless a cancelled session still points at them."""
    in_use = sa.select(t.sessions.c.venue_id).where(t.sessions.c.venue_id.is_not(None))
    await store.execute(t.venues.delete().where(
        t.venues.c.event_id == event_id, t.venues.c.id.not_in(keep or {0}), t.venues.c.id.not_in(in_use)))
