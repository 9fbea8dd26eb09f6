"""The door's hot path on PostgreSQL: scans decided in batches on one asyncpg connection.

Through `databases` a scan took about ten statements, each with its own compile, result wrapping
and pool round, for 4.2 ms of CPU. Here, like the SQLite path, the scans that arrive while a batch
is being written go together in the next one (`services.checkin.door.DoorDesk`), one transaction
per batch, on a pooled asyncpg connection; the statements are `checkin_queries`' expressions
compiled once (`prepared`), which asyncpg prepares on the server once per connection:

1. for the whole batch, the tickets and their registrations, the registration rows locked
   (`FOR UPDATE`) in id order: two devices (or two processes) scanning one ticket take turns
   and the second sees the first's passage, and two batches never wait on each other in a circle;
2. per scan, after the lock: the answer already logged for the nonce, whether the list admits the
   registration, the delegate's bus and the earlier passages, in one statement;
3. per scan, one statement: the scan log row `ON CONFLICT (nonce) DO NOTHING` and, only if that
   row was written and the decision records a passage, the passage. A nonce that another request
   logged meanwhile writes nothing, and that request's answer is returned.

The rule itself is `domain.checkin.decide`, shared with the SQLite path.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgres_insert

from events_app.data import checkin_queries as q
from events_app.data import tables as t
from events_app.data.door_scan import DoorScan, OtherDevicesNonce, Outcome, verdict_of
from events_app.data.prepared import POSTGRESQL, PreparedStatement
from events_app.domain.checkin import Passage, Reason, TicketFacts


def _bind(name: str, column: sa.ColumnElement[Any]) -> sa.BindParameter[Any]:
    return sa.bindparam(name, type_=column.type)


class _Statements:
    """The door's statements for PostgreSQL, each compiled once."""

    def __init__(self) -> None:
        locked = (q.tickets_with_registrations()
                  .add_columns(t.tickets.c.secret, t.registrations.c.event_id)
                  .where(t.tickets.c.secret == sa.any_(sa.bindparam("secrets", type_=ARRAY(sa.String))))
                  .order_by(t.registrations.c.id).with_for_update(of=t.registrations))
        self.lock = PreparedStatement(locked, POSTGRESQL)
        self.logged = PreparedStatement(q.logged_scan(_bind("nonce", t.scan_log.c.nonce)), POSTGRESQL)
        # The `log_scan` row, written only if its nonce is new; then the passage, only if that row
        # was written and the decision records one. The passage takes the log row's values.
        logged = (postgres_insert(t.scan_log)
                  .values(**{name: _bind(name, t.scan_log.c[name]) for name in q.SCAN_LOG_COLUMNS})
                  .on_conflict_do_nothing(index_elements=[t.scan_log.c.nonce]).returning(t.scan_log.c.id)
                  .cte("logged"))
        passage = {name: _bind(name, t.scan_log.c[name]) for name in q.CHECKIN_COLUMNS if name in q.SCAN_LOG_COLUMNS}
        passage["registration_id"] = _bind("registration_id", t.checkins.c.registration_id)
        passage["recorded_at"] = _bind("received_at", t.scan_log.c.received_at)
        recorded = t.checkins.insert().from_select(
            list(q.CHECKIN_COLUMNS),
            sa.select(*(passage[name] for name in q.CHECKIN_COLUMNS))
            .where(sa.bindparam("record", type_=sa.Boolean), sa.exists(sa.select(logged.c.id)))).cte("recorded")
        self.write = PreparedStatement(sa.select(logged.c.id).add_cte(recorded), POSTGRESQL)
        self.days = PreparedStatement(q.attending_days(sa.bindparam("registration_id", type_=sa.Integer)), POSTGRESQL)
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


async def redeem_many(connection: asyncpg.Connection, scans: list[DoorScan]) -> list[Outcome]:
    """Decide and record scans in arrival order in one transaction; a replayed nonce gets its
    first answer. An error fails the whole batch (nothing of it is written)."""
    statements = _prepared()
    outcomes: list[dict[str, Any] | OtherDevicesNonce | None] = []
    async with connection.transaction():
        secrets = sorted({item.secret for item in scans if item.secret is not None})
        tickets: dict[tuple[str, int], tuple[Any, ...]] = {}
        if secrets:
            for found in await connection.fetch(statements.lock.sql, *statements.lock.arguments({"secrets": secrets})):
                row = statements.lock.row(found)
                tickets[(row[-2], row[-1])] = row[:-2]
        for item in scans:
            ticket = tickets.get((item.secret, item.event_id)) if item.secret is not None else None
            outcomes.append(await _redeem(connection, statements, item, ticket))
    result: list[Outcome] = []
    for item, outcome in zip(scans, outcomes, strict=True):
        if outcome is not None:
            result.append(outcome)
            continue
        # Another request logged this nonce between our read and our write: its answer stands.
        row = await connection.fetchrow(statements.logged.sql, *statements.logged.arguments({"nonce": item.scan.nonce}))
        result.append(RuntimeError("a scan's nonce was neither new nor logged") if row is None
                      else _replayed(row["answer"], row["device_id"], item))
    return result


def _replayed(answer: str, device_id: int, item: DoorScan) -> dict[str, Any] | OtherDevicesNonce:
    return dict(json.loads(answer)) if device_id == item.device_id else OtherDevicesNonce()


async def _redeem(connection: asyncpg.Connection, statements: _Statements, item: DoorScan,
                  ticket: tuple[Any, ...] | None) -> dict[str, Any] | OtherDevicesNonce | None:
    scan, checkin_list = item.scan, item.checkin_list
    name = checkin_list.list_name
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
    if verdict.reason is Reason.WRONG_DAY and facts is not None and registration is not None:
        registration["days"] = [statements.days.row(row)[0] for row in await connection.fetch(
            statements.days.sql, *statements.days.arguments({"registration_id": facts.registration_id}))]
    answer = item.answer_for(verdict, registration)
    written = await connection.fetchval(statements.write.sql, *statements.write.arguments({
        "nonce": scan.nonce, "event_id": item.event_id, "device_id": item.device_id, "list_name": checkin_list.name,
        "type": scan.type.value, "ticket_id": facts.ticket_id if facts else None, "status": answer["status"],
        "reason": answer["reason"], "scanned_at": scan.scanned_at, "received_at": item.now, "offline": scan.offline,
        "answer": json.dumps(answer, ensure_ascii=False), "registration_id": facts.registration_id if facts else None,
        "record": verdict.record and facts is not None}))
    return None if written is None else answer
