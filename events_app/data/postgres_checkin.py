"""The door's hot path on PostgreSQL: a scan in four statements on one asyncpg connection.

Through `databases` a scan took about ten statements, each with its own compile, result wrapping
and pool round, for 4.2 ms of CPU. Here the statements are `checkin_queries`' expressions compiled
once (`prepared`), run on a pooled asyncpg connection (which prepares each on the server once):

1. the ticket and its registration, the registration row locked (`FOR UPDATE`): two devices
   scanning one ticket at once take turns, and the second sees the first's passage;
2. after the lock, in a fresh snapshot: the answer already logged for the nonce, whether the list
   admits the registration, the delegate's bus and the earlier passages, in one statement;
3. the scan log row, `ON CONFLICT (nonce) DO NOTHING`: a nonce that another request logged
   meanwhile gives no row, nothing is recorded, and that request's answer is returned;
4. the passage, when the decision records one.

The rule itself is `domain.checkin.decide`, shared with the SQLite path.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgres_insert

from events_app.data import checkin_queries as q
from events_app.data import tables as t
from events_app.data.door_scan import DoorScan, OtherDevicesNonce, verdict_of
from events_app.data.prepared import POSTGRESQL, PreparedStatement
from events_app.domain.checkin import Passage, TicketFacts


def _bind(name: str, column: sa.ColumnElement[Any]) -> sa.BindParameter[Any]:
    return sa.bindparam(name, type_=column.type)


class _Statements:
    """The door's statements for PostgreSQL, each compiled once."""

    def __init__(self) -> None:
        self.ticket = PreparedStatement(
            q.ticket_with_registration(_bind("secret", t.tickets.c.secret),
                                       _bind("event_id", t.registrations.c.event_id))
            .with_for_update(of=t.registrations), POSTGRESQL)
        self.logged = PreparedStatement(q.logged_scan(_bind("nonce", t.scan_log.c.nonce)), POSTGRESQL)
        self.record = PreparedStatement(q.record_checkin(
            **{name: _bind(name, t.checkins.c[name]) for name in q.CHECKIN_COLUMNS}), POSTGRESQL)
        # The same row as `log_scan`, written only if its nonce is new.
        self.log_once = PreparedStatement(
            postgres_insert(t.scan_log).values(**{name: _bind(name, t.scan_log.c[name]) for name in q.SCAN_LOG_COLUMNS})
            .on_conflict_do_nothing(index_elements=[t.scan_log.c.nonce]).returning(t.scan_log.c.id), POSTGRESQL)
        self._context: dict[str, PreparedStatement] = {}

    def context(self, kind: str) -> PreparedStatement:
        """What a scan reads under the lock, for one kind of list."""
        found = self._context.get(kind)
        if found is None:
            admitted = q.admission(kind, day=sa.bindparam("day", type_=sa.Date),
                                   session_id=sa.bindparam("session_id", type_=sa.Integer),
                                   group_id=sa.bindparam("group_id", type_=sa.Integer))
            found = self._context[kind] = PreparedStatement(q.scan_context(
                _bind("nonce", t.scan_log.c.nonce), sa.bindparam("registration_id", type_=sa.Integer),
                _bind("list_name", t.checkins.c.list_name), admitted,
                sa.bindparam("bus_session_id", type_=sa.Integer)), POSTGRESQL)
        return found


_statements: _Statements | None = None


def _prepared() -> _Statements:
    global _statements
    if _statements is None:
        _statements = _Statements()
    return _statements


async def redeem(connection: asyncpg.Connection, item: DoorScan) -> dict[str, Any] | OtherDevicesNonce:
    """Decide and record one scan in its own transaction; a replayed nonce gets its first answer."""
    statements = _prepared()
    async with connection.transaction():
        answer = await _redeem(connection, statements, item)
    if answer is not None:
        return answer
    # Another request logged this nonce between our read and our write: its answer stands.
    row = await connection.fetchrow(statements.logged.sql, *statements.logged.arguments({"nonce": item.scan.nonce}))
    if row is None:  # pragma: no cover - a logged row is never deleted
        raise RuntimeError("a scan log row vanished")
    return _replayed(row["answer"], row["device_id"], item)


def _replayed(answer: str, device_id: int, item: DoorScan) -> dict[str, Any] | OtherDevicesNonce:
    return dict(json.loads(answer)) if device_id == item.device_id else OtherDevicesNonce()


async def _redeem(connection: asyncpg.Connection, statements: _Statements,
                  item: DoorScan) -> dict[str, Any] | OtherDevicesNonce | None:
    scan, checkin_list = item.scan, item.checkin_list
    name = checkin_list.list_name
    ticket = None
    if item.secret is not None:
        found = await connection.fetchrow(statements.ticket.sql, *statements.ticket.arguments(
            {"secret": item.secret, "event_id": item.event_id}))
        ticket = None if found is None else statements.ticket.row(found)
    context = statements.context(name.kind)
    rows = [context.row(row) for row in await connection.fetch(context.sql, *context.arguments({
        "nonce": scan.nonce, "registration_id": ticket[2] if ticket else None, "list_name": checkin_list.name,
        "day": checkin_list.day, "session_id": name.session_id, "group_id": name.group_id,
        "bus_session_id": name.session_id if name.kind in ("bus", "visit") else None}))]
    logged_answer, logged_device, admitted, bus = rows[0][:4]
    if logged_answer is not None:
        return _replayed(logged_answer, logged_device, item)
    registration: dict[str, Any] | None = None
    facts = None
    if ticket is not None:
        ticket_id, revoked_at, registration_id, status, *attendee = ticket
        registration = dict(zip(q.ATTENDEE_COLUMNS, attendee, strict=True))
        facts = TicketFacts(ticket_id=ticket_id, ticket_revoked=revoked_at is not None, registration_id=registration_id,
                            status=status, admitted_by_list=bool(admitted),
                            previous=tuple(Passage(kind, at, device)
                                           for *_, kind, at, device in rows if kind is not None),
                            bus=bus)
    verdict = verdict_of(facts, item)
    answer = item.answer_for(verdict, registration)
    logged = await connection.fetchval(statements.log_once.sql, *statements.log_once.arguments({
        "nonce": scan.nonce, "event_id": item.event_id, "device_id": item.device_id, "list_name": scan.list_name,
        "type": scan.type.value, "ticket_id": facts.ticket_id if facts else None, "status": answer["status"],
        "reason": answer["reason"], "scanned_at": scan.scanned_at, "received_at": item.now, "offline": scan.offline,
        "answer": json.dumps(answer, ensure_ascii=False)}))
    if logged is None:
        return None
    if verdict.record and facts is not None:
        await connection.execute(statements.record.sql, *statements.record.arguments({
            "event_id": item.event_id, "registration_id": facts.registration_id, "list_name": checkin_list.name,
            "type": scan.type.value, "nonce": scan.nonce, "device_id": item.device_id, "scanned_at": scan.scanned_at,
            "recorded_at": item.now, "offline": scan.offline}))
    return answer
