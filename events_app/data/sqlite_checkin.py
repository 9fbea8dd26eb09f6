"""The door's hot path on SQLite: a whole scan in one trip to the writer's thread.

Through `databases` a scan took about ten awaited statements, each a hop between the event loop
and the connection's thread, all while holding SQLite's one write lock. Here the same reads and
writes run as plain sqlite3 calls in one function inside one `BEGIN IMMEDIATE`, so the lock is
held for well under a millisecond. The rule itself is `domain.checkin.decide`, shared with the
PostgreSQL path; the statements mirror `services.checkin._record` and the same tests cover both.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from events_app.domain.checkin import CheckinList, Passage, Scan, TicketFacts, Verdict, decide


@dataclass(frozen=True)
class OtherDevicesNonce:
    """The nonce is already in the log, sent by another device."""


def _stored(moment: datetime) -> str:
    # The form SQLAlchemy's DateTime uses on SQLite, in UTC (see tables.UTCDateTime).
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _read(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


@dataclass(frozen=True)
class DoorScan:
    """One scan waiting for the writer, with everything read before the lock."""

    device_id: int
    event_id: int
    secret: str | None
    scan: Scan
    checkin_list: CheckinList
    now: datetime
    timezone: str
    answer_for: Callable[[Verdict, Mapping[str, Any] | None], dict[str, Any]]


Outcome = dict[str, Any] | OtherDevicesNonce | Exception


def redeem_many(connection: sqlite3.Connection, scans: list[DoorScan]) -> list[Outcome]:
    """Decide and record scans in arrival order in one transaction; each in its own savepoint, so
    that one failing scan (a nonce written meanwhile by another process) leaves the others."""
    outcomes: list[Outcome] = []
    guarded = len(scans) > 1  # a lone scan needs no savepoint: its transaction is its own
    connection.execute("BEGIN IMMEDIATE")
    try:
        for item in scans:
            if guarded:
                connection.execute("SAVEPOINT door_scan")
            try:
                outcomes.append(_redeem(connection, device_id=item.device_id, event_id=item.event_id,
                                        secret=item.secret, scan=item.scan, checkin_list=item.checkin_list,
                                        now=item.now, timezone=item.timezone, answer_for=item.answer_for))
            except sqlite3.Error as error:
                if not guarded:
                    raise
                connection.execute("ROLLBACK TO door_scan")
                outcomes.append(error)
            if guarded:
                connection.execute("RELEASE door_scan")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return outcomes


def _redeem(connection: sqlite3.Connection, *, device_id: int, event_id: int, secret: str | None, scan: Scan,
            checkin_list: CheckinList, now: datetime, timezone: str,
            answer_for: Callable[[Verdict, Mapping[str, Any] | None], dict[str, Any]]) -> dict[str, Any] | OtherDevicesNonce:
    logged = connection.execute("SELECT answer, device_id FROM scan_log WHERE nonce = ?", (scan.nonce,)).fetchone()
    if logged is not None:
        return dict(json.loads(logged[0])) if logged[1] == device_id else OtherDevicesNonce()
    registration: dict[str, Any] | None = None
    facts = None
    if secret is not None:
        if checkin_list.list_name.kind == "entry":
            admitted_sql = "EXISTS (SELECT 1 FROM registration_days d WHERE d.registration_id = r.id AND d.day = ?)"
            admitted_args: tuple[Any, ...] = (checkin_list.day.isoformat(),)
        else:
            admitted_sql = ("EXISTS (SELECT 1 FROM registration_choices c WHERE c.registration_id = r.id "
                            "AND c.session_id = ? AND c.status = 'confirmed')")
            admitted_args = (checkin_list.list_name.session_id,)
            if checkin_list.list_name.kind == "bus":
                admitted_sql += (" AND EXISTS (SELECT 1 FROM transport_seats s WHERE s.registration_id = r.id "
                                 "AND s.group_id = ?)")
                admitted_args += (checkin_list.list_name.group_id,)
        row = connection.execute(
            "SELECT t.id, t.revoked_at, r.id, r.status, r.surname, r.given_name, r.patronymic, r.organisation_name, "
            f"r.category, {admitted_sql} FROM tickets t JOIN registrations r ON r.id = t.registration_id "
            "WHERE t.secret = ? AND r.event_id = ?", (*admitted_args, secret, event_id)).fetchone()
        if row is not None:
            registration = {"surname": row[4], "given_name": row[5], "patronymic": row[6],
                            "organisation_name": row[7], "category": row[8]}
            previous = connection.execute(
                "SELECT c.type, c.scanned_at, d.name FROM checkins c JOIN devices d ON d.id = c.device_id "
                "WHERE c.registration_id = ? AND c.list_name = ? ORDER BY c.id", (row[2], checkin_list.name)).fetchall()
            bus = None
            if checkin_list.list_name.kind in ("bus", "visit"):
                # Same label as checkin_lists.bus_label_of on the PostgreSQL path.
                seat = connection.execute(
                    "SELECT CASE WHEN g.plate IS NULL THEN g.name ELSE g.name || ' (' || g.plate || ')' END "
                    "FROM transport_seats s JOIN transport_groups g ON g.id = s.group_id "
                    "WHERE s.registration_id = ? AND s.session_id = ?",
                    (row[2], checkin_list.list_name.session_id)).fetchone()
                bus = seat[0] if seat else None
            facts = TicketFacts(ticket_id=row[0], ticket_revoked=row[1] is not None, registration_id=row[2],
                                status=row[3], admitted_by_list=bool(row[9]),
                                previous=tuple(Passage(kind, _read(at), name) for kind, at, name in previous), bus=bus)
    verdict = decide(facts, list_name=checkin_list.list_name, list_day=checkin_list.day,
                     list_closed=checkin_list.closed, scan_type=scan.type,
                     scanned_day=scan.scanned_at.astimezone(ZoneInfo(timezone)).date())
    if verdict.record and facts is not None:
        connection.execute(
            "INSERT INTO checkins (event_id, registration_id, list_name, type, nonce, device_id, scanned_at, "
            "recorded_at, offline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (event_id, facts.registration_id, checkin_list.name, scan.type.value, scan.nonce, device_id,
             _stored(scan.scanned_at), _stored(now), int(scan.offline)))
    answer = answer_for(verdict, registration)
    connection.execute(
        "INSERT INTO scan_log (nonce, event_id, device_id, list_name, type, ticket_id, status, reason, scanned_at, "
        "received_at, offline, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (scan.nonce, event_id, device_id, scan.list_name, scan.type.value, facts.ticket_id if facts else None,
         answer["status"], answer["reason"], _stored(scan.scanned_at), _stored(now), int(scan.offline),
         json.dumps(answer, ensure_ascii=False)))
    return answer
