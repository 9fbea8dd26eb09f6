"""The outbox against a real SMTP server (aiosmtpd on 127.0.0.1) and real databases."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from events_app.clock import SystemClock
from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.mail import Attachment, compose
from events_app.services.mail.outbox import (
    LEASE,
    DeliveryReport,
    EmlFolderTransport,
    OutboxSender,
    SmtpTransport,
    deliver_due,
    enqueue,
    next_due,
    retry_delay,
    transport_for,
)
from tests.conftest import settings_for
from tests.smtp_server import Inbox, free_port, inbox, smtp_url, start_smtp

__all__ = ["inbox", "smtp_url"]  # fixtures, taken by name

T0 = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
SENDER = "Оргкомитет <noreply@events.example.org>"
RECIPIENT = "Иванова Мария Петровна <maria@example.org>"
SUBJECT = "Регистрация подтверждена: «Стратегическая сессия в Сыктывкаре»"
# The background sender measures retries and leases in real time, so letters it must find due are
# queued at the real moment.
SENDER_CLOCK = SystemClock()
TEXT = "Здравствуйте, Мария Петровна!\nВаш билет: https://events.example.org/t/abc\n"
CALENDAR = "BEGIN:VCALENDAR\r\nSUMMARY:Стратегическая сессия\r\nEND:VCALENDAR\r\n".encode()


def letter(recipient: str = RECIPIENT, *, subject: str = SUBJECT) -> EmailMessage:
    return compose(sender=SENDER, recipient=recipient, subject=subject, text=TEXT,
                   attachments=[Attachment("Программа сессии.ics", "text/calendar", CALENDAR)])


async def enqueued(store: Store, message: EmailMessage, *, now: datetime = T0) -> int:
    async with store.transaction():
        return await enqueue(store, message, now=now)


async def outbox_row(store: Store, outbox_id: int) -> Row:
    row = await store.fetch_one(sa.select(t.outbox).where(t.outbox.c.id == outbox_id))
    assert row is not None
    return row


def display_name(message: EmailMessage, header: str) -> str:
    # Decoded as mail clients do: Python's address parser adds a space between encoded words.
    raw = next(value for key, value in message.raw_items() if key.lower() == header.lower())
    return str(make_header(decode_header(parseaddr(raw)[0])))


async def test_enqueue_stores_a_pending_message_due_now(store: Store) -> None:
    message = letter()

    outbox_id = await enqueued(store, message)

    row = await outbox_row(store, outbox_id)
    assert (row["recipient"], row["subject"], row["status"], row["attempts"]) == (
        "maria@example.org", SUBJECT, "pending", 0)
    assert row["next_attempt_at"] == T0
    assert (row["claimed_until"], row["sent_at"], row["last_error"]) == (None, None, None)
    assert row["message"].isascii()
    stored = email.message_from_string(row["message"], policy=email.policy.default)
    assert stored["Message-ID"] == message["Message-ID"]


async def test_message_is_dropped_when_the_change_rolls_back(store: Store) -> None:
    with pytest.raises(RuntimeError, match="registration failed"):
        async with store.transaction():
            await enqueue(store, letter(), now=T0)
            raise RuntimeError("registration failed")

    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.outbox)) == 0


async def test_enqueue_outside_a_transaction_is_a_programming_error(store: Store) -> None:
    with pytest.raises(AssertionError, match="inside the transaction"):
        await enqueue(store, letter(), now=T0)


async def test_due_message_is_delivered_over_smtp(store: Store, smtp_url: str, inbox: Inbox) -> None:
    outbox_id = await enqueued(store, letter())

    report = await deliver_due(store, SmtpTransport(smtp_url), now=T0)

    assert report == DeliveryReport(sent=(outbox_id,))
    assert len(inbox.received) == 1
    received = inbox.received[0]
    assert received.mail_from == "noreply@events.example.org"
    assert received.rcpt_tos == ["maria@example.org"]
    assert received.message["Subject"] == SUBJECT
    assert display_name(received.message, "To") == "Иванова Мария Петровна"
    body = received.message.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n") == TEXT
    attachments = list(received.message.iter_attachments())
    assert [part.get_filename() for part in attachments] == ["Программа сессии.ics"]
    assert attachments[0].get_payload(decode=True) == CALENDAR
    row = await outbox_row(store, outbox_id)
    assert (row["status"], row["sent_at"], row["attempts"], row["claimed_until"]) == ("sent", T0, 0, None)


async def test_message_not_yet_due_waits(store: Store, smtp_url: str, inbox: Inbox) -> None:
    await enqueued(store, letter(), now=T0 + timedelta(minutes=1))

    report = await deliver_due(store, SmtpTransport(smtp_url), now=T0)

    assert report == DeliveryReport()
    assert inbox.received == []


async def test_credentials_from_the_url_are_used(store: Store, inbox: Inbox) -> None:
    port = free_port()
    controller = start_smtp(inbox, port)
    try:
        await enqueued(store, letter())
        report = await deliver_due(store, SmtpTransport(f"smtp://events%40example.org:p%40ss:w0rd@127.0.0.1:{port}"),
                                   now=T0)
    finally:
        controller.stop()

    assert len(report.sent) == 1
    assert inbox.logins == [("events@example.org", "p@ss:w0rd")]
    assert len(inbox.received) == 1


async def test_smtp_down_then_back_delivers_exactly_once(store: Store, inbox: Inbox) -> None:
    port = free_port()  # nothing listens here until the server "comes back"
    transport = SmtpTransport(f"smtp://127.0.0.1:{port}")
    outbox_id = await enqueued(store, letter())

    first = await deliver_due(store, transport, now=T0)

    assert first == DeliveryReport(failed=(outbox_id,))
    row = await outbox_row(store, outbox_id)
    assert (row["status"], row["attempts"], row["claimed_until"], row["sent_at"]) == ("pending", 1, None, None)
    assert row["next_attempt_at"] == T0 + timedelta(seconds=10)
    assert row["last_error"].startswith("SMTPConnectError: ")

    # Before the back-off has passed, nothing is tried.
    assert await deliver_due(store, transport, now=T0 + timedelta(seconds=9)) == DeliveryReport()

    second = await deliver_due(store, transport, now=T0 + timedelta(seconds=10))

    assert second == DeliveryReport(failed=(outbox_id,))
    row = await outbox_row(store, outbox_id)
    assert (row["status"], row["attempts"]) == ("pending", 2)
    assert row["next_attempt_at"] == T0 + timedelta(seconds=10 + 20)

    controller = start_smtp(inbox, port)
    try:
        third = await deliver_due(store, transport, now=T0 + timedelta(seconds=30))
        fourth = await deliver_due(store, transport, now=T0 + timedelta(hours=2))
    finally:
        controller.stop()

    assert third == DeliveryReport(sent=(outbox_id,))
    assert fourth == DeliveryReport()
    assert [received.message["Subject"] for received in inbox.received] == [SUBJECT]
    row = await outbox_row(store, outbox_id)
    assert (row["status"], row["attempts"], row["sent_at"]) == ("sent", 2, T0 + timedelta(seconds=30))


async def test_claim_of_a_crashed_sender_expires_with_its_lease(store: Store, smtp_url: str, inbox: Inbox) -> None:
    outbox_id = await enqueued(store, letter())
    # What a sender that died right after claiming leaves behind.
    await store.execute(t.outbox.update().values(claimed_until=T0 + LEASE))
    transport = SmtpTransport(smtp_url)

    during = await deliver_due(store, transport, now=T0 + LEASE - timedelta(seconds=1))
    after = await deliver_due(store, transport, now=T0 + LEASE + timedelta(seconds=1))

    assert during == DeliveryReport()
    assert after == DeliveryReport(sent=(outbox_id,))
    assert [received.message["Subject"] for received in inbox.received] == [SUBJECT]


async def test_next_due_is_the_soonest_pending_message_or_a_lease_end(store: Store, smtp_url: str) -> None:
    await enqueued(store, letter(), now=T0 + timedelta(seconds=30))
    await enqueued(store, letter(), now=T0 + timedelta(seconds=60))

    assert await next_due(store, now=T0) == T0 + timedelta(seconds=30)

    # A message another sender holds counts as due when its lease ends (that sender may be dead).
    await store.execute(t.outbox.update().where(t.outbox.c.next_attempt_at == T0 + timedelta(seconds=30))
                        .values(claimed_until=T0 + timedelta(seconds=45)))
    assert await next_due(store, now=T0) == T0 + timedelta(seconds=45)

    await deliver_due(store, SmtpTransport(smtp_url), now=T0 + timedelta(minutes=5))
    assert await next_due(store, now=T0 + timedelta(minutes=5)) is None


def test_back_off_doubles_from_ten_seconds_up_to_an_hour() -> None:
    delays = [retry_delay(attempts).total_seconds() for attempts in (0, 1, 2, 3, 8, 9, 10, 1000)]

    assert delays == [10, 20, 40, 80, 2560, 3600, 3600, 3600]


async def test_two_senders_on_one_database_deliver_each_message_once(
    database_url: str, smtp_url: str, inbox: Inbox
) -> None:
    transport = SmtpTransport(smtp_url)
    # Two handles on one database stand for two processes of the service.
    async with Store(database_url) as first, Store(database_url) as second:
        message_ids = []
        for n in range(30):
            message = letter(f"delegate{n:02d}@example.org", subject=f"Билет № {n}")
            message_ids.append(message["Message-ID"])
            await enqueued(first, message)

        async def sender(store: Store) -> list[int]:
            sent: list[int] = []
            while report := await deliver_due(store, transport, batch=4):
                assert report.failed == ()
                sent.extend(report.sent)
                if not report.sent and not report.more:
                    break
            return sent

        by_first, by_second = await asyncio.gather(sender(first), sender(second))
        statuses = Counter(row["status"] for row in await first.fetch_all(sa.select(t.outbox.c.status)))

    assert set(by_first).isdisjoint(by_second)
    assert len(by_first) + len(by_second) == 30
    assert Counter(received.message["Message-ID"] for received in inbox.received) == Counter(
        dict.fromkeys(message_ids, 1))
    assert statuses == Counter({"sent": 30})


async def test_without_smtp_messages_become_eml_files(store: Store, tmp_path: Path) -> None:
    settings = settings_for(store.url, tmp_path / "data")
    transport = transport_for(settings)
    outbox_id = await enqueued(store, letter())

    report = await deliver_due(store, transport, now=T0)

    assert isinstance(transport, EmlFolderTransport)
    assert report == DeliveryReport(sent=(outbox_id,))
    files = list((tmp_path / "data" / "outbox").iterdir())
    assert [path.suffix for path in files] == [".eml"]  # and no temporary file left behind
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == SUBJECT
    assert display_name(parsed, "To") == "Иванова Мария Петровна"
    assert [part.get_filename() for part in parsed.iter_attachments()] == ["Программа сессии.ics"]


def test_smtp_url_parts(tmp_path: Path) -> None:
    settings = settings_for("sqlite:///events.db", tmp_path,
                            EVENTS_SMTP_URL="smtps://mailer%40events.example.org:s%3Acret@mail.example.org")

    transport = transport_for(settings)

    assert isinstance(transport, SmtpTransport)
    assert (transport.hostname, transport.port, transport.implicit_tls) == ("mail.example.org", 465, True)
    assert (transport.username, transport.password) == ("mailer@events.example.org", "s:cret")
    assert transport.local_hostname == "events.example.org"
    plain = SmtpTransport("smtp://mail.example.org:2525")
    assert (plain.port, plain.implicit_tls, plain.username, plain.password) == (2525, False, None, None)


async def test_sender_delivers_at_once_when_notified(store: Store, smtp_url: str, inbox: Inbox) -> None:
    # An hour between polls: within the test's timeout only notify() can make the second message leave.
    sender = OutboxSender(store, SmtpTransport(smtp_url), poll_interval=3600)
    first_arrived = inbox.watch()
    await enqueued(store, letter(subject="Первое письмо"), now=SENDER_CLOCK.now())
    sender.start()
    try:
        await asyncio.wait_for(first_arrived.wait(), timeout=30)
        second_arrived = inbox.watch()
        outbox_id = await enqueued(store, letter(subject="Второе письмо"), now=SENDER_CLOCK.now())
        sender.notify()
        await asyncio.wait_for(second_arrived.wait(), timeout=30)
    finally:
        await sender.stop()

    assert [received.message["Subject"] for received in inbox.received] == ["Первое письмо", "Второе письмо"]
    assert (await outbox_row(store, outbox_id))["status"] == "sent"


class _FailureNoticed(logging.Handler):
    """Keeps the errors the outbox logs (a failed delivery round) and sets `seen` at the first."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen = asyncio.Event()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        self.seen.set()


async def test_sender_survives_a_failed_round(sqlite_url: str, tmp_path: Path, smtp_url: str, inbox: Inbox) -> None:
    # The database file is not there yet, so rounds fail until it appears: a real outage.
    later = tmp_path / "later" / "events.db"
    failure = _FailureNoticed()
    outbox_log = logging.getLogger(OutboxSender.__module__)
    outbox_log.addHandler(failure)
    async with Store(f"sqlite:///{later}") as sender_store, Store(f"sqlite:///{later}") as store:
        sender = OutboxSender(sender_store, SmtpTransport(smtp_url), poll_interval=3600)
        sender.start()
        try:
            await asyncio.wait_for(failure.seen.wait(), timeout=30)
            later.parent.mkdir()
            shutil.copyfile(sqlite_url.removeprefix("sqlite:///"), later)
            arrived = inbox.watch()
            await enqueued(store, letter(), now=SENDER_CLOCK.now())
            sender.notify()
            await asyncio.wait_for(arrived.wait(), timeout=30)
        finally:
            await sender.stop()
            outbox_log.removeHandler(failure)

    assert failure.messages[0].startswith("outbox delivery round failed")
    assert [received.message["Subject"] for received in inbox.received] == [SUBJECT]


async def test_letters_of_one_round_share_one_connection(store: Store, smtp_url: str, inbox: Inbox) -> None:
    ids = [await enqueued(store, letter(f"delegate{n}@example.org", subject=f"Билет № {n}")) for n in range(5)]

    report = await deliver_due(store, SmtpTransport(smtp_url), now=T0)

    assert report == DeliveryReport(sent=tuple(ids))
    assert [received.rcpt_tos for received in inbox.received] == [[f"delegate{n}@example.org"] for n in range(5)]
    assert inbox.connections == 1
    # The next round opens a connection of its own: none is kept between rounds.
    await enqueued(store, letter("late@example.org"), now=T0 + timedelta(minutes=1))
    assert len((await deliver_due(store, SmtpTransport(smtp_url), now=T0 + timedelta(minutes=1))).sent) == 1
    assert inbox.connections == 2


class _DroppingInbox(Inbox):
    """A server that refuses one mailbox outright and, given `hang_up_at`, hangs up unanswered
    once, when a client starts that message (counted from 1) on a connection."""

    def __init__(self, hang_up_at: int | None = None) -> None:
        super().__init__()
        self.hang_up_at = hang_up_at
        self.mails_by_peer: Counter[tuple[str, int]] = Counter()
        self.hung_up = 0

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        self.mails_by_peer[session.peer] += 1
        if self.mails_by_peer[session.peer] == self.hang_up_at and not self.hung_up:
            self.hung_up += 1
            server.transport.close()
            return "421 4.4.2 closing"  # never reaches the client: the connection is gone
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address == "nobody@example.org":
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


async def test_connection_lost_mid_round_loses_no_letter_and_fails_no_other(store: Store) -> None:
    server = _DroppingInbox(hang_up_at=3)
    port = free_port()
    controller = start_smtp(server, port)
    try:
        ids = [await enqueued(store, letter(f"delegate{n}@example.org", subject=f"Билет № {n}")) for n in range(5)]

        report = await deliver_due(store, SmtpTransport(f"smtp://127.0.0.1:{port}"), now=T0)
    finally:
        controller.stop()

    # The third letter met the hang-up: it went again over a new connection, once, like the rest.
    assert server.hung_up == 1
    assert report == DeliveryReport(sent=tuple(ids))
    assert [received.message["Subject"] for received in server.received] == [f"Билет № {n}" for n in range(5)]
    assert server.connections == 2
    rows = [await outbox_row(store, outbox_id) for outbox_id in ids]
    assert [(row["status"], row["attempts"], row["last_error"]) for row in rows] == [("sent", 0, None)] * 5


async def test_a_refused_letter_fails_alone_and_the_round_goes_on(store: Store) -> None:
    server = _DroppingInbox()
    port = free_port()
    controller = start_smtp(server, port)
    try:
        first = await enqueued(store, letter("first@example.org"))
        refused = await enqueued(store, letter("nobody@example.org"))
        last = await enqueued(store, letter("last@example.org"))

        report = await deliver_due(store, SmtpTransport(f"smtp://127.0.0.1:{port}"), now=T0)
    finally:
        controller.stop()

    assert report == DeliveryReport(sent=(first, last), failed=(refused,))
    assert [received.rcpt_tos for received in server.received] == [["first@example.org"], ["last@example.org"]]
    assert server.connections == 1  # the refusal did not cost the connection
    row = await outbox_row(store, refused)
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("pending", 1, T0 + timedelta(seconds=10))
    assert row["last_error"].startswith("SMTPRecipientsRefused: ")
    assert [(await outbox_row(store, outbox_id))["status"] for outbox_id in (first, last)] == ["sent", "sent"]


async def test_server_down_fails_each_letter_of_the_round_with_its_own_error(store: Store) -> None:
    port = free_port()  # nothing listens here
    ids = [await enqueued(store, letter(f"delegate{n}@example.org")) for n in range(3)]

    report = await deliver_due(store, SmtpTransport(f"smtp://127.0.0.1:{port}"), now=T0)

    assert report == DeliveryReport(failed=tuple(ids))
    rows = [await outbox_row(store, outbox_id) for outbox_id in ids]
    assert [(row["status"], row["attempts"], row["claimed_until"]) for row in rows] == [("pending", 1, None)] * 3
    assert all(row["last_error"].startswith("SMTPConnectError: ") for row in rows)
    assert {row["next_attempt_at"] for row in rows} == {T0 + timedelta(seconds=10)}
