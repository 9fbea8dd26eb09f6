"""The door's hot path on SQLite: a whole scan in one trip to the writer's thread.

Through `databases` a scan took about ten awaited statements, each a hop between the event loop
and the connection's thread, all while holding SQLite's one write lock. Here the same reads and
writes run as plain sqlite3 calls in one function inside one `BEGIN IMMEDIATE`, so the lock is
held for well under a millisecond. The rule itself is `domain.checkin.decide`, shared with the
PostgreSQL path, and so are the statements: they are `checkin_queries`' expressions, compiled
once per list kind with bound parameters (`prepared`).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ReleaseSavepointClause, RollbackToSavepointClause, SavepointClause

from events_app.data import checkin_queries as q
from events_app.data import tables as t
from events_app.data.door_scan import DoorScan, OtherDevicesNonce, Outcome, verdict_of
from events_app.data.prepared import PreparedStatement
from events_app.data.sqlite_backend import BEGIN_IMMEDIATE
from events_app.domain.checkin import Passage, Reason, TicketFacts

_SAVEPOINT = "door_scan"


class _Statements:
    """The door's statements for SQLite, each compiled once on first use."""

    def __init__(self) -> None:
        self.savepoint = PreparedStatement(SavepointClause(_SAVEPOINT))
        self.rollback_to = PreparedStatement(RollbackToSavepointClause(_SAVEPOINT))
        self.release = PreparedStatement(ReleaseSavepointClause(_SAVEPOINT))
        self.logged = PreparedStatement(q.logged_scan(sa.bindparam("nonce", type_=t.scan_log.c.nonce.type)))
        self.previous = PreparedStatement(q.previous_passages(
            sa.bindparam("registration_id", type_=sa.Integer), sa.bindparam("list_name", type_=sa.String)))
        self.bus = PreparedStatement(sa.select(q.bus_label_of(
            sa.bindparam("registration_id", type_=sa.Integer), sa.bindparam("session_id", type_=sa.Integer))))
        self.record = PreparedStatement(q.record_checkin(
            **{name: sa.bindparam(name, type_=t.checkins.c[name].type) for name in q.CHECKIN_COLUMNS}))
        self.log = PreparedStatement(q.log_scan(
            **{name: sa.bindparam(name, type_=t.scan_log.c[name].type) for name in q.SCAN_LOG_COLUMNS}))
        self.days = PreparedStatement(q.attending_days(sa.bindparam("registration_id", type_=sa.Integer)))
        self._facts: dict[str, PreparedStatement] = {}

    def facts(self, kind: str) -> PreparedStatement:
        """The ticket, its registration and the list's admission, for one kind of list."""
        found = self._facts.get(kind)
        if found is None:
            admitted = q.admission(kind, day=sa.bindparam("day", type_=sa.Date),
                                   session_id=sa.bindparam("session_id", type_=sa.Integer),
                                   group_id=sa.bindparam("group_id", type_=sa.Integer))
            found = self._facts[kind] = PreparedStatement(q.ticket_facts(
                sa.bindparam("secret", type_=sa.String), sa.bindparam("event_id", type_=sa.Integer), admitted))
        return found


_statements: _Statements | None = None


def _prepared() -> _Statements:
    global _statements
    if _statements is None:
        _statements = _Statements()
    return _statements


def redeem_many(connection: sqlite3.Connection, scans: list[DoorScan]) -> list[Outcome]:
    """Decide and record scans in arrival order in one transaction; each in its own savepoint, so
    that one failing scan (a nonce written meanwhile by another process) leaves the others."""
    statements = _prepared()
    outcomes: list[Outcome] = []
    guarded = len(scans) > 1  # a lone scan needs no savepoint: its transaction is its own
    connection.execute(BEGIN_IMMEDIATE)
    try:
        for item in scans:
            if guarded:
                statements.savepoint.execute(connection)
            try:
                outcomes.append(_redeem(connection, statements, item))
            except sqlite3.Error as error:
                if not guarded:
                    raise
                statements.rollback_to.execute(connection)
                outcomes.append(error)
            if guarded:
                statements.release.execute(connection)
    except BaseException:
        connection.rollback()
        raise
    connection.commit()
    return outcomes


def _redeem(connection: sqlite3.Connection, statements: _Statements,
            item: DoorScan) -> dict[str, Any] | OtherDevicesNonce:
    scan, checkin_list = item.scan, item.checkin_list
    logged = statements.logged.first(connection, nonce=scan.nonce)
    if logged is not None:
        return dict(json.loads(logged[0])) if logged[1] == item.device_id else OtherDevicesNonce()
    registration: dict[str, Any] | None = None
    facts = None
    if item.secret is not None:
        name = checkin_list.list_name
        row = statements.facts(name.kind).first(
            connection, secret=item.secret, event_id=item.event_id, day=checkin_list.day,
            session_id=name.session_id, group_id=name.group_id)
        if row is not None:
            ticket_id, revoked_at, registration_id, status, *attendee, admitted = row
            registration = dict(zip(q.ATTENDEE_COLUMNS, attendee, strict=True))
            previous = statements.previous.all(connection, registration_id=registration_id,
                                               list_name=checkin_list.name)
            bus = None
            if name.kind in ("bus", "visit"):
                seat = statements.bus.first(connection, registration_id=registration_id, session_id=name.session_id)
                bus = seat[0] if seat else None
            facts = TicketFacts(ticket_id=ticket_id, ticket_revoked=revoked_at is not None,
                                registration_id=registration_id, status=status, admitted_by_list=bool(admitted),
                                previous=tuple(Passage(kind, at, device) for kind, at, device in previous), bus=bus)
    verdict = verdict_of(facts, item)
    if verdict.record and facts is not None:
        statements.record.execute(
            connection, event_id=item.event_id, registration_id=facts.registration_id, list_name=checkin_list.name,
            type=scan.type.value, nonce=scan.nonce, device_id=item.device_id, scanned_at=scan.scanned_at,
            recorded_at=item.now, offline=scan.offline)
    if verdict.reason is Reason.WRONG_DAY and facts is not None and registration is not None:
        days = statements.days.all(connection, registration_id=facts.registration_id)
        registration["days"] = [day for (day,) in days]
    answer = item.answer_for(verdict, registration)
    statements.log.execute(
        connection, nonce=scan.nonce, event_id=item.event_id, device_id=item.device_id, list_name=scan.list_name,
        type=scan.type.value, ticket_id=facts.ticket_id if facts else None, status=answer["status"],
        reason=answer["reason"], scanned_at=scan.scanned_at, received_at=item.now, offline=scan.offline,
        answer=json.dumps(answer, ensure_ascii=False))
    return answer
