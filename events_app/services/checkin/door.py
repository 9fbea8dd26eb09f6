"""Redeeming a ticket at a door: the decision, the admission and the scan log, in one transaction.

Two devices scanning the same ticket at the same moment get one `ok` between them: the
registration is locked while its check-ins are read and written (on SQLite, writers take turns
anyway). Every scan is logged with its answer; the same nonce sent again gets that answer back
and records nothing new (the nonce is UNIQUE in both tables).

The statements run straight on the driver, outside `databases`, scans batched into the writer's
next trip (`DoorDesk`): `data.sqlite_checkin` and `data.postgres_checkin`. Both decide with
`domain.checkin.decide` and build their statements from `data.checkin_queries`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app import i18n
from events_app.data import postgres_checkin, sqlite_checkin
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.data.door_scan import DoorScan, OtherDevicesNonce, Outcome
from events_app.domain.checkin import (
    EXIT_MESSAGE,
    CheckinList,
    Reason,
    Scan,
    ScanType,
    Verdict,
)
from events_app.domain.errors import N_, InvalidInput
from events_app.domain.registration import (
    CATEGORY_LABELS,
    Category,
    full_name,
)
from events_app.domain.tickets import secret_from_scan
from events_app.services.checkin import lists
from events_app.services.checkin.devices import Device
from events_app.services.checkin.refusals import refusal_message

# Offline phones upload hours later; a clock far off is a broken phone, not a late upload.
OLDEST_SCAN = timedelta(days=3)
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
NEWEST_SCAN = timedelta(minutes=10)
TICKET_HASH_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def parse_scan(body: dict[str, Any], *, now: datetime) -> Scan:
    """Check a redeem request body; `InvalidInput` names each wrong field."""
    errors: dict[str, str] = {}
    secret, list_name, nonce = body.get("secret"), body.get("list"), body.get("nonce")
    ticket_hash = body.get("ticket_hash")
    if ticket_hash is not None and secret is None:
        if not isinstance(ticket_hash, str) or not TICKET_HASH_PATTERN.match(ticket_hash):
            errors["ticket_hash"] = N_("ticket_hash is the SHA-256 of a ticket secret, 64 hexadecimal digits")
        secret = ""
    elif not isinstance(secret, str) or not secret.strip() or len(secret) > 500:
        errors["secret"] = N_("Give the scanned code or the ticket URL")
    if not isinstance(list_name, str) or not list_name:
        errors["list"] = N_("Give the name of the check-in list")
    if not isinstance(nonce, str) or not NONCE_PATTERN.match(nonce):
        errors["nonce"] = N_("Give a unique nonce of 8 to 64 letters, digits, '-', '_', '.' or ':' for this scan")
    try:
        scan_type = ScanType(body.get("type", "entry"))
    except ValueError:
        errors["type"] = N_("The type is entry or exit")
        scan_type = ScanType.ENTRY
    scanned_at = now
    raw_time = body.get("scanned_at")
    if raw_time is not None:
        try:
            scanned_at = datetime.fromisoformat(str(raw_time).replace("Z", "+00:00"))
            if scanned_at.tzinfo is None:
                raise ValueError
        except ValueError:
            errors["scanned_at"] = N_("scanned_at is an ISO 8601 time with its offset")
        else:
            if not now - OLDEST_SCAN <= scanned_at <= now + NEWEST_SCAN:
                errors["scanned_at"] = N_("scanned_at is too far from the server's clock")
    if errors:
        raise InvalidInput(N_("The scan could not be read"), fields=errors)
    return Scan(secret=str(secret).strip(), list_name=str(list_name), type=scan_type, nonce=str(nonce),
                scanned_at=scanned_at, offline=body.get("offline") is True,
                ticket_hash=str(ticket_hash) if not secret else None)


async def redeem(store: Store, device: Device, scan: Scan, *, now: datetime) -> dict[str, Any]:
    """Decide and record one scan."""
    checkin_list = await lists.find_list(store, device.event_id, scan.list_name)
    secret = (secret_from_scan(scan.secret) if scan.ticket_hash is None
              else await lists.secret_by_hash(store, device.event_id, scan.ticket_hash))
    answer_for = _answer_writer(device, checkin_list, scan)
    item = DoorScan(device_id=device.id, device_name=device.name, event_id=device.event_id, secret=secret, scan=scan,
                    checkin_list=checkin_list, now=now, timezone=device.timezone, answer_for=answer_for)
    result = await _desk(store).submit(item)
    if isinstance(result, OtherDevicesNonce):
        raise _other_devices_nonce()
    if isinstance(result, Exception):
        raise result
    return result


# Batches written at once on PostgreSQL. A batch spends most of its time waiting (round trips, the
# commit's WAL flush), so while one waits the next is decided on another pooled connection; they
# lock their registrations in id order, as two processes do, so they take turns on a shared ticket.
POSTGRES_WRITERS = 3


class DoorDesk:
    """The door path: scans that arrive while a batch is being written go together in the next one.

    The whole decision runs straight on the driver, one transaction per batch, in arrival order:
    plain sqlite3 calls in the writer connection's thread (`data.sqlite_checkin`, one batch at a
    time: SQLite has one writer) or prepared statements on a pooled asyncpg connection
    (`data.postgres_checkin`, up to `POSTGRES_WRITERS` batches at once). An answer is returned only
    after its batch has committed.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: list[tuple[DoorScan, asyncio.Future[Outcome]]] = []
        self._writers = 0
        self._most_writers = 1 if store.is_sqlite else POSTGRES_WRITERS

    async def _write_batch(self, scans: list[DoorScan]) -> list[Outcome]:
        if self.store.is_sqlite:
            return await self.store.run_write(functools.partial(sqlite_checkin.redeem_many, scans=scans))
        return await self.store.run_postgres(functools.partial(postgres_checkin.redeem_many, scans=scans))

    async def submit(self, item: DoorScan) -> Outcome:
        outcome: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, outcome))
        if self._writers < self._most_writers:
            self._writers += 1
            asyncio.get_running_loop().create_task(self._write())
        return await outcome

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                scans = [item for item, _ in batch]
                try:
                    outcomes = await self._write_batch(scans)
                except Exception as error:
                    outcomes = [error] * len(batch)
                for (_, future), result in zip(batch, outcomes, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._writers -= 1


_desks: weakref.WeakKeyDictionary[Store, DoorDesk] = weakref.WeakKeyDictionary()


def _desk(store: Store) -> DoorDesk:
    desk = _desks.get(store)
    if desk is None:
        desk = _desks[store] = DoorDesk(store)
    return desk


AnswerWriter = Callable[[Verdict, Mapping[str, Any] | None], dict[str, Any]]


def _answer_writer(device: Device, checkin_list: CheckinList, scan: Scan) -> AnswerWriter:
    """The answer's words are fixed here, in the request's language, so the SQLite path can write
    the answer from its own thread."""
    language = i18n.current_language()
    translations = i18n.translations(language)
    zone = ZoneInfo(device.timezone)

    def answer_for(verdict: Verdict, registration: Mapping[str, Any] | None) -> dict[str, Any]:
        attendee = None
        if registration is not None and verdict.reason is not Reason.UNKNOWN_TICKET:
            attendee = {
                "name": full_name(registration["surname"], registration["given_name"], registration["patronymic"]),
                "organisation": registration["organisation_name"] or "",
                "category": registration["category"],
                "category_label": translations.gettext(CATEGORY_LABELS[Category(registration["category"])]),
            }
        first = None
        if verdict.reason is Reason.ALREADY_CHECKED_IN or verdict.record:
            entry = verdict.first_entry
            at, name = (entry.at, entry.device) if entry else (scan.scanned_at, device.name)
            first = {"at": at.astimezone(zone).isoformat(), "device": name}
        if verdict.record and scan.type is ScanType.EXIT:
            message = translations.gettext(EXIT_MESSAGE)
        else:
            ticket_days: Sequence[date] = ()
            other_list_day = None
            if verdict.reason is Reason.WRONG_DAY:
                ticket_days = registration.get("days", ()) if registration else ()
                if scan.scanned_at.astimezone(zone).date() != checkin_list.day:
                    other_list_day = checkin_list.day
            message = refusal_message(translations, language, verdict.reason, bus=verdict.bus,
                                      ticket_days=ticket_days, other_list_day=other_list_day)
        return {"status": "ok" if verdict.reason is None else "error",
                "reason": None if verdict.reason is None else verdict.reason.value,
                "message": message, "list": checkin_list.name, "attendee": attendee, "first_checkin": first,
                "bus": verdict.bus}

    return answer_for


def _other_devices_nonce() -> InvalidInput:
    return InvalidInput(N_("This nonce was used by another device: make a new one for each scan"),
                        fields={"nonce": N_("This nonce was used by another device: make a new one for each scan")})


async def forget_attendee(store: Store, registration_id: int) -> None:
    """Remove a person's name from the answers kept in the scan log (withdrawn consent)."""
    rows = await store.fetch_all(sa.select(t.scan_log.c.id, t.scan_log.c.answer).where(
        t.scan_log.c.ticket_id.in_(sa.select(t.tickets.c.id).where(t.tickets.c.registration_id == registration_id))))
    for row in rows:
        answer = json.loads(row["answer"])
        answer["attendee"] = None
        await store.execute(t.scan_log.update().where(t.scan_log.c.id == row["id"])
                            .values(answer=json.dumps(answer, ensure_ascii=False)))
