"""The door's hot path on SQLite: a whole scan in one trip to the writer's thread.

Through `databases` a scan took about ten awaited statements, each a hop between the event loop
and the connection's thread, all while holding SQLite's one write lock. Here the same reads and
writes run as plain sqlite3 calls in one function inside one `BEGIN IMMEDIATE`, so the lock is
held for well under a millisecond. The rule itself is `domain.checkin.decide`, shared with the
PostgreSQL path, and so are the statements: they are `checkin_queries`' expressions, compiled
once per list kind with bound parameters (`prepared`).
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ReleaseSavepointClause, RollbackToSavepointClause, SavepointClause

from events_app.data import checkin_queries as q
from events_app.data import tables as t
from events_app.data.door_scan import DoorScan, OtherDevicesNonce, Outcome, decide_scan, ticket_facts
from events_app.data.prepared import PreparedStatement
from events_app.data.sqlite_backend import BEGIN_IMMEDIATE
from events_app.domain.checkin import Passage

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
    attending_days = functools.partial(_attending_days, connection, statements)
    outcomes: list[Outcome] = []
    guarded = len(scans) > 1  # a lone scan needs no savepoint: its transaction is its own
    connection.execute(BEGIN_IMMEDIATE)
    try:
        for item in scans:
            if guarded:
                statements.savepoint.execute(connection)
            try:
                outcomes.append(_redeem(connection, statements, item, attending_days))
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


def _attending_days(connection: sqlite3.Connection, statements: _Statements, registration_id: int) -> list[date]:
    return [day for (day,) in statements.days.all(connection, registration_id=registration_id)]


def _redeem(connection: sqlite3.Connection, statements: _Statements, item: DoorScan,
            attending_days: Callable[[int], Iterable[date]]) -> dict[str, Any] | OtherDevicesNonce:
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
            registration_id = row[2]
            previous = statements.previous.all(connection, registration_id=registration_id,
                                               list_name=checkin_list.name)
            bus = None
            if name.kind in ("bus", "visit"):
                seat = statements.bus.first(connection, registration_id=registration_id, session_id=name.session_id)
                bus = seat[0] if seat else None
            facts, registration = ticket_facts(
                row[:-1], admitted=bool(row[-1]), bus=bus,
                previous=tuple(Passage(kind, at, device) for kind, at, device in previous))
    decision = decide_scan(item, facts, registration, attending_days)
    if decision.verdict.record and facts is not None:
        statements.record.execute(
            connection, event_id=item.event_id, registration_id=facts.registration_id, list_name=checkin_list.name,
            type=scan.type.value, nonce=scan.nonce, device_id=item.device_id, scanned_at=scan.scanned_at,
            recorded_at=item.now, offline=scan.offline)
    statements.log.execute(connection, **decision.log_row)
    return decision.answer
