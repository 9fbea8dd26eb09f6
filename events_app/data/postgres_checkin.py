"""The door's hot path on PostgreSQL: a batch of scans decided in a fixed handful of statements.

Like the SQLite path, the scans that arrive while a batch is being written go together in the
next one (`services.checkin.door.DoorDesk`), one transaction per batch, on a pooled asyncpg
connection. Each statement is a round trip, so a batch costs the same few whatever its size:
the scans travel as arrays, unnested by the server into one row per scan.

1. the tickets and their registrations, the registration rows locked (`FOR UPDATE`) in id order:
   two devices (or two processes) scanning one ticket take turns and the second sees the first's
   passage, and two batches never wait on each other in a circle;
2. after the lock, for every scan of the batch: the answer already logged for its nonce, whether
   the list admits the registration, the delegate's bus, the days the delegate attends and the
   earlier passages (one statement per kind of list in the batch, usually one);
3. the decisions, in arrival order, in Python: a scan sees the passages of the batch's earlier
   scans, and a nonce sent twice in one batch is logged once, the second scan getting the first
   one's answer, as if they had come one after the other;
4. one statement writes every scan log row `ON CONFLICT (nonce) DO NOTHING` and the passages of
   the rows it wrote. A nonce that another process logged after step 2 writes nothing there: the
   batch is rolled back and decided again, and that process's answer stands.

The statements are `checkin_queries`' expressions compiled once (`prepared`), which asyncpg
prepares on the server once per connection; the rule itself is `domain.checkin.decide`, shared
with the SQLite path.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgres_insert

from events_app.data import checkin_queries as q
from events_app.data import tables as t
from events_app.data.door_scan import DoorScan, OtherDevicesNonce, Outcome, decide_scan, ticket_facts
from events_app.data.prepared import POSTGRESQL, PreparedStatement
from events_app.domain.checkin import Passage

# A batch decided again more often than this (other processes logging its nonces each time) fails.
ATTEMPTS = 3

# What a scan brings to the reads after the lock: a row of `scan_contexts`' input per scan.
_CONTEXT_INPUT: dict[str, sa.types.TypeEngine[Any]] = {
    "idx": sa.Integer(), "nonce": sa.String(), "registration_id": sa.Integer(), "list_name": sa.String(),
    "day": sa.Date(), "session_id": sa.Integer(), "group_id": sa.Integer(), "bus_session_id": sa.Integer(),
}
# What a decided scan brings to the write: its scan log row, and its passage if `record`.
_WRITE_INPUT: dict[str, sa.types.TypeEngine[Any]] = {
    "idx": sa.Integer(), **{name: t.scan_log.c[name].type for name in q.SCAN_LOG_COLUMNS},
    "registration_id": sa.Integer(), "record": sa.Boolean(),
}


def _unnested(name: str, columns: dict[str, sa.types.TypeEngine[Any]]) -> sa.TableValuedAlias:
    """Parallel arrays, one bound parameter per column, as a table with a row per scan."""
    arrays = [sa.bindparam(column, type_=ARRAY(type_)) for column, type_ in columns.items()]
    return (sa.func.unnest(*arrays)
            .table_valued(*(sa.column(column, type_) for column, type_ in columns.items()))
            .render_derived(name=name))


class _Statements:
    """The door's statements for PostgreSQL, each compiled once."""

    def __init__(self) -> None:
        locked = (q.tickets_with_registrations()
                  .add_columns(t.tickets.c.secret, t.registrations.c.event_id)
                  .where(t.tickets.c.secret == sa.any_(sa.bindparam("secrets", type_=ARRAY(sa.String))))
                  .order_by(t.registrations.c.id).with_for_update(of=t.registrations))
        self.lock = PreparedStatement(locked, POSTGRESQL)
        scans = sa.select(_unnested("input", _WRITE_INPUT)).cte("scans")
        logged = (postgres_insert(t.scan_log)
                  .from_select(list(q.SCAN_LOG_COLUMNS),
                               sa.select(*(scans.c[name] for name in q.SCAN_LOG_COLUMNS)).order_by(scans.c.idx))
                  .on_conflict_do_nothing(index_elements=[t.scan_log.c.nonce]).returning(t.scan_log.c.nonce)
                  .cte("logged"))
        # A passage takes its scan log row's values; only for rows written just now.
        passage = {name: scans.c[name] for name in q.CHECKIN_COLUMNS if name in q.SCAN_LOG_COLUMNS}
        passage["registration_id"] = scans.c.registration_id
        passage["recorded_at"] = scans.c.received_at
        recorded = t.checkins.insert().from_select(
            list(q.CHECKIN_COLUMNS),
            sa.select(*(passage[name] for name in q.CHECKIN_COLUMNS))
            .join_from(scans, logged, logged.c.nonce == scans.c.nonce)
            .where(scans.c.record).order_by(scans.c.idx)).cte("recorded")
        self.write = PreparedStatement(sa.select(logged.c.nonce).add_cte(recorded), POSTGRESQL)
        self._context: dict[str, PreparedStatement] = {}

    def context(self, kind: str) -> PreparedStatement:
        """What the scans on one kind of list read under the lock."""
        found = self._context.get(kind)
        if found is None:
            scans = _unnested("input", _CONTEXT_INPUT)
            admitted = q.admission(kind, day=scans.c.day, session_id=scans.c.session_id, group_id=scans.c.group_id)
            found = self._context[kind] = PreparedStatement(q.scan_contexts(scans, admitted), POSTGRESQL)
        return found


_statements: _Statements | None = None


def _prepared() -> _Statements:
    global _statements
    if _statements is None:
        _statements = _Statements()
    return _statements


class _NonceLoggedMeanwhile(Exception):
    """Another process logged one of the batch's nonces after the batch read the log."""


async def redeem_many(connection: asyncpg.Connection, scans: list[DoorScan]) -> list[Outcome]:
    """Decide and record scans in arrival order in one transaction; a replayed nonce gets its
    first answer. An error fails the whole batch (nothing of it is written)."""
    statements = _prepared()
    for _ in range(ATTEMPTS):
        try:
            async with connection.transaction():
                return await _redeem_batch(connection, statements, scans)
        except _NonceLoggedMeanwhile:
            continue
    raise RuntimeError(f"the batch's nonces were logged by other processes {ATTEMPTS} times over")


class _Context:
    """What one scan read under the lock."""

    __slots__ = ("logged_answer", "logged_device", "admitted", "bus", "days", "previous")

    def __init__(self, row: tuple[Any, ...]) -> None:
        self.logged_answer, self.logged_device, self.admitted, self.bus, self.days = row[1:6]
        self.previous: list[Passage] = []

    def attending_days(self, registration_id: int) -> Iterable[date]:
        """The days read with the scan, for the registration its ticket names."""
        return self.days or ()


async def _redeem_batch(connection: asyncpg.Connection, statements: _Statements,
                        scans: list[DoorScan]) -> list[Outcome]:
    tickets = await _lock(connection, statements, scans)
    contexts = await _read(connection, statements, scans, tickets)
    outcomes: list[Outcome] = []
    # Per nonce, the answer (as logged, JSON) and the device it was given to, earlier in this batch
    # or before it.
    answered: dict[str, tuple[str, int]] = {}
    # Passages the batch's earlier scans made, per registration and list.
    made: defaultdict[tuple[int, str], list[Passage]] = defaultdict(list)
    writes: list[dict[str, Any]] = []
    for idx, item in enumerate(scans):
        scan, context = item.scan, contexts[idx]
        if scan.nonce not in answered and context.logged_answer is not None:
            answered[scan.nonce] = (context.logged_answer, context.logged_device)
        if scan.nonce in answered:
            answer_text, device_id = answered[scan.nonce]
            outcomes.append(dict(json.loads(answer_text)) if device_id == item.device_id else OtherDevicesNonce())
            continue
        ticket = tickets.get((item.secret, item.event_id)) if item.secret is not None else None
        registration: dict[str, Any] | None = None
        facts = None
        if ticket is not None:
            earlier = made[(ticket[2], item.checkin_list.name)]  # by the ticket's registration id
            facts, registration = ticket_facts(ticket, admitted=bool(context.admitted), bus=context.bus,
                                               previous=(*context.previous, *earlier))
        decision = decide_scan(item, facts, registration, context.attending_days)
        answered[scan.nonce] = (decision.answer_text, item.device_id)
        record = decision.verdict.record and facts is not None
        if record and facts is not None:
            made[(facts.registration_id, item.checkin_list.name)].append(
                Passage(scan.type.value, scan.scanned_at.astimezone(UTC), item.device_name))
        writes.append({"idx": idx, **decision.log_row,
                       "registration_id": facts.registration_id if facts else None, "record": record})
        outcomes.append(decision.answer)
    if writes:
        arrays = {name: [write[name] for write in writes] for name in _WRITE_INPUT}
        written = await connection.fetch(statements.write.sql, *statements.write.arguments(arrays))
        if len(written) != len(writes):
            raise _NonceLoggedMeanwhile
    return outcomes


async def _lock(connection: asyncpg.Connection, statements: _Statements,
                scans: list[DoorScan]) -> dict[tuple[str, int], tuple[Any, ...]]:
    """The batch's tickets by (secret, event), their registrations locked."""
    secrets = sorted({item.secret for item in scans if item.secret is not None})
    tickets: dict[tuple[str, int], tuple[Any, ...]] = {}
    if secrets:
        for found in await connection.fetch(statements.lock.sql, *statements.lock.arguments({"secrets": secrets})):
            row = statements.lock.row(found)
            tickets[(row[-2], row[-1])] = row[:-2]
    return tickets


async def _read(connection: asyncpg.Connection, statements: _Statements, scans: list[DoorScan],
                tickets: dict[tuple[str, int], tuple[Any, ...]]) -> dict[int, _Context]:
    """Each scan's `_Context`, by its place in the batch."""
    by_kind: defaultdict[str, list[int]] = defaultdict(list)
    for idx, item in enumerate(scans):
        by_kind[item.checkin_list.list_name.kind].append(idx)
    contexts: dict[int, _Context] = {}
    for kind, places in by_kind.items():
        inputs: dict[str, list[Any]] = {name: [] for name in _CONTEXT_INPUT}
        for idx in places:
            item = scans[idx]
            name = item.checkin_list.list_name
            ticket = tickets.get((item.secret, item.event_id)) if item.secret is not None else None
            for column, value in (("idx", idx), ("nonce", item.scan.nonce),
                                  ("registration_id", ticket[2] if ticket else None),
                                  ("list_name", item.checkin_list.name), ("day", item.checkin_list.day),
                                  ("session_id", name.session_id), ("group_id", name.group_id),
                                  ("bus_session_id", name.session_id if kind in ("bus", "visit") else None)):
                inputs[column].append(value)
        statement = statements.context(kind)
        for found in await connection.fetch(statement.sql, *statement.arguments(inputs)):
            row = statement.row(found)
            context = contexts.get(row[0])
            if context is None:
                context = contexts[row[0]] = _Context(row)
            passage_type, at, device = row[6:9]
            if passage_type is not None:
                context.previous.append(Passage(passage_type, at, device))
    return contexts
