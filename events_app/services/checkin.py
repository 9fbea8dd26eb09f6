"""Redeeming a ticket at a door: the decision, the admission and the scan log, in one transaction.

Two devices scanning the same ticket at the same moment get one `ok` between them: the
registration is locked while its check-ins are read and written (on SQLite, writers take turns
anyway). Every scan is logged with its answer; the same nonce sent again gets that answer back
and records nothing new (the nonce is UNIQUE in both tables).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from events_app import i18n
from events_app.data import tables as t
from events_app.data.database import INTEGRITY_ERRORS, Row, Store
from events_app.domain.checkin import EXIT_MESSAGE, REASON_MESSAGES, Reason, ScanType
from events_app.domain.errors import N_, InvalidInput
from events_app.domain.registration import CATEGORY_LABELS, Category, RegistrationStatus, full_name
from events_app.domain.tickets import secret_from_scan
from events_app.services import checkin_lists
from events_app.services.checkin_lists import CheckinList
from events_app.services.devices import Device

# Offline phones upload hours later; a clock far off is a broken phone, not a late upload.
OLDEST_SCAN = timedelta(days=3)
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
NEWEST_SCAN = timedelta(minutes=10)


@dataclass(frozen=True)
class Scan:
    secret: str
    list_name: str
    type: ScanType
    nonce: str
    scanned_at: datetime
    offline: bool = False


def parse_scan(body: dict[str, Any], *, now: datetime) -> Scan:
    """Check a redeem request body; `InvalidInput` names each wrong field."""
    errors: dict[str, str] = {}
    secret, list_name, nonce = body.get("secret"), body.get("list"), body.get("nonce")
    if not isinstance(secret, str) or not secret.strip() or len(secret) > 500:
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
                scanned_at=scanned_at, offline=body.get("offline") is True)


@dataclass(frozen=True)
class _Prepared:
    """What a scan needs that can be read before taking the write lock."""

    checkin_list: CheckinList
    ticket: Row | None


async def _prepare(store: Store, device: Device, scan: Scan) -> _Prepared | dict[str, Any]:
    checkin_list = await checkin_lists.find_list(store, device.event_id, scan.list_name)
    replay = await _replayed(store, device, scan.nonce)
    if replay is not None:
        return replay
    secret = secret_from_scan(scan.secret)
    ticket = None
    if secret is not None:
        ticket = await store.fetch_one(
            sa.select(t.tickets.c.id, t.tickets.c.revoked_at, t.tickets.c.registration_id)
            .join(t.registrations, t.registrations.c.id == t.tickets.c.registration_id)
            .where(t.tickets.c.secret == secret, t.registrations.c.event_id == device.event_id))
    return _Prepared(checkin_list, ticket)


async def _record(store: Store, device: Device, scan: Scan, prepared: _Prepared, now: datetime) -> dict[str, Any]:
    """Decide and write one scan; runs inside the caller's transaction."""
    ticket = prepared.ticket
    registration = None
    if ticket is not None:
        registration = await store.fetch_one(
            sa.select(t.registrations).where(t.registrations.c.id == ticket["registration_id"]).with_for_update())
    # Checked again under the lock: the same scan may have arrived twice at once.
    replay = await _replayed(store, device, scan.nonce)
    if replay is not None:
        return replay
    answer = await _decide(store, device, prepared.checkin_list, scan, ticket, registration, now=now)
    await store.execute(t.scan_log.insert().values(
        nonce=scan.nonce, event_id=device.event_id, device_id=device.id, list_name=scan.list_name,
        type=scan.type.value, ticket_id=ticket["id"] if ticket else None, status=answer["status"],
        reason=answer["reason"], scanned_at=scan.scanned_at, received_at=now, offline=scan.offline,
        answer=json.dumps(answer, ensure_ascii=False)))
    return answer


async def redeem(store: Store, device: Device, scan: Scan, *, now: datetime) -> dict[str, Any]:
    """Decide and record one scan: reads that need no lock first, then one short transaction."""
    prepared = await _prepare(store, device, scan)
    if not isinstance(prepared, _Prepared):
        return prepared
    try:
        async with store.transaction():
            return await _record(store, device, scan, prepared, now)
    except INTEGRITY_ERRORS:
        replay = await _replayed(store, device, scan.nonce)
        if replay is None:
            raise
        return replay


async def _replayed(store: Store, device: Device, nonce: str) -> dict[str, Any] | None:
    """The answer already given to this device for this nonce; a nonce of another device is refused."""
    stored = await store.fetch_one(sa.select(t.scan_log.c.answer, t.scan_log.c.device_id).where(t.scan_log.c.nonce == nonce))
    if stored is None:
        return None
    if stored["device_id"] != device.id:
        raise InvalidInput(N_("This nonce was used by another device: make a new one for each scan"),
                           fields={"nonce": N_("This nonce was used by another device: make a new one for each scan")})
    return dict(json.loads(stored["answer"]))


async def forget_attendee(store: Store, registration_id: int) -> None:
    """Remove a person's name from the answers kept in the scan log (withdrawn consent)."""
    rows = await store.fetch_all(sa.select(t.scan_log.c.id, t.scan_log.c.answer).where(
        t.scan_log.c.ticket_id.in_(sa.select(t.tickets.c.id).where(t.tickets.c.registration_id == registration_id))))
    for row in rows:
        answer = json.loads(row["answer"])
        answer["attendee"] = None
        await store.execute(t.scan_log.update().where(t.scan_log.c.id == row["id"])
                            .values(answer=json.dumps(answer, ensure_ascii=False)))


async def _decide(store: Store, device: Device, checkin_list: CheckinList, scan: Scan, ticket: Row | None,
                  registration: Row | None, *, now: datetime) -> dict[str, Any]:
    zone = ZoneInfo(device.timezone)
    if ticket is None or registration is None:
        return _answer(Reason.UNKNOWN_TICKET, checkin_list)
    attendee = {
        "name": full_name(registration["surname"], registration["given_name"], registration["patronymic"]),
        "organisation": registration["organisation_name"] or "",
        "category": registration["category"],
        "category_label": i18n.gettext(CATEGORY_LABELS[Category(registration["category"])]),
    }
    status = registration["status"]
    if status in (RegistrationStatus.CANCELLED.value, RegistrationStatus.REJECTED.value) or ticket["revoked_at"]:
        return _answer(Reason.CANCELLED, checkin_list, attendee)
    if status != RegistrationStatus.CONFIRMED.value:
        return _answer(Reason.NOT_APPROVED, checkin_list, attendee)
    if checkin_list.closed:
        return _answer(Reason.LIST_CLOSED, checkin_list, attendee)
    if scan.scanned_at.astimezone(zone).date() != checkin_list.day:
        return _answer(Reason.WRONG_DAY, checkin_list, attendee)
    admitted = await store.fetch_val(checkin_lists.admitted_registrations(device.event_id, checkin_list)
                                     .where(t.registrations.c.id == registration["id"]))
    if admitted is None:
        reason = Reason.WRONG_DAY if checkin_list.list_name.kind == "entry" else Reason.NOT_SIGNED_UP
        return _answer(reason, checkin_list, attendee)

    previous = await store.fetch_all(
        sa.select(t.checkins.c.type, t.checkins.c.scanned_at, t.devices.c.name)
        .join(t.devices, t.devices.c.id == t.checkins.c.device_id)
        .where(t.checkins.c.registration_id == registration["id"], t.checkins.c.list_name == checkin_list.name)
        .order_by(t.checkins.c.id))
    entries = [row for row in previous if row["type"] == ScanType.ENTRY.value]
    inside = bool(previous) and previous[-1]["type"] == ScanType.ENTRY.value
    if scan.type is ScanType.ENTRY and inside:
        first = entries[0]
        return _answer(Reason.ALREADY_CHECKED_IN, checkin_list, attendee,
                       {"at": first["scanned_at"].astimezone(zone).isoformat(), "device": first["name"]})
    await store.execute(t.checkins.insert().values(
        event_id=device.event_id, registration_id=registration["id"], list_name=checkin_list.name,
        type=scan.type.value, nonce=scan.nonce, device_id=device.id, scanned_at=scan.scanned_at, recorded_at=now,
        offline=scan.offline))
    first_at = entries[0]["scanned_at"] if entries else scan.scanned_at
    first_device = entries[0]["name"] if entries else device.name
    answer = _answer(None, checkin_list, attendee, {"at": first_at.astimezone(zone).isoformat(), "device": first_device})
    if scan.type is ScanType.EXIT:
        answer["message"] = i18n.gettext(EXIT_MESSAGE)
    return answer


def _answer(reason: Reason | None, checkin_list: CheckinList, attendee: dict[str, str] | None = None,
            first_checkin: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "status": "ok" if reason is None else "error",
        "reason": None if reason is None else reason.value,
        "message": i18n.gettext(REASON_MESSAGES[reason]),
        "list": checkin_list.name,
        "attendee": attendee,
        "first_checkin": first_checkin,
    }
