"""The outbox: e-mails stored with the change that caused them, delivered in the background.

A message is written to the `outbox` table inside the caller's transaction, so it exists if and
only if the change committed. `deliver_due` sends what is due: it claims rows in a short
transaction (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several processes never claim the same
row; SQLite writers are one at a time anyway), sends each outside any transaction, and only then
marks it sent. A claim is a lease (`claimed_until`): if the process dies mid-round, its messages
become due again when the lease runs out. Delivery is therefore at least once: a crash between
the SMTP server's "accepted" and the database update sends that message again, never loses it.
The messages of one round share one SMTP connection (`SmtpRound`), opened when the first is sent
and closed when the round ends; each still has its own time limit (`SEND_TIMEOUT`) and its own
outcome: one refused message, or a connection lost under it, marks only that message's row.

A letter may also be stored as a description (`enqueue_described`: its kind and the registration
it is about) and written by a `Render` function just before it is sent. The description commits
with the change, so nothing is lost; the costly part (a QR image, a calendar, MIME) runs outside
the transaction and outside the request. A described letter keeps one Message-ID however often
it is written, so a letter sent twice after a crash is still recognisably the same letter.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import logging
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import HeaderParser
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.mail import POLICY, mailbox
from events_app.settings import Settings

logger = logging.getLogger(__name__)

SMTP_TIMEOUT = 10.0
# The hard limit for one message, whatever the server does; aiosmtplib's timeout is per command.
SEND_TIMEOUT = 60.0
# Longer than any send may take (see deliver_due), short enough that a crashed process's
# messages are retried within minutes.
LEASE = timedelta(minutes=3)
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(hours=1)
POLL_INTERVAL = 5.0
# See OutboxSender._settle.
QUIET = 0.2
LONGEST_SETTLE = 2.0

_outbox = t.outbox

# Writes a described letter from the database (the outbox row gives `letter`, `registration_id`
# and `created_at`, the moment of the change); None when there is nothing left to send.
Render = Callable[[Row], Awaitable[EmailMessage | None]]


async def enqueue(store: Store, message: EmailMessage, *, now: datetime, registration_id: int | None = None) -> int:
    """Store `message` for delivery; call it inside the `store.transaction()` of the change.

    Returns the outbox id. The message must have exactly one recipient in `To`.
    """
    # Outside a transaction the message would commit on its own, even if the change it
    # announces then fails; that is the bug this function exists to prevent.
    assert store._in_transaction(), "enqueue() belongs inside the transaction of the change it announces"
    recipients: Sequence[Address] = message["To"].addresses if message["To"] is not None else ()
    if len(recipients) != 1:
        raise ValueError(f"a message goes to exactly one recipient, this one has {len(recipients)}")
    text = message.as_string(policy=POLICY)
    if not text.isascii():
        raise ValueError("the message is not 7-bit clean; build it with events_app.domain.mail.compose")
    return await store.insert(
        _outbox.insert()
        .values(
            recipient=recipients[0].addr_spec,
            subject=str(message["Subject"] or ""),
            message=text,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            registration_id=registration_id,
        )
        .returning(_outbox.c.id)
    )


async def enqueue_described(store: Store, *, letter: str, recipient: str, subject: str, now: datetime,
                            registration_id: int) -> int:
    """Store a letter by its kind, to be written just before sending; call it inside the
    `store.transaction()` of the change, like `enqueue`. Returns the outbox id."""
    assert store._in_transaction(), "enqueue_described() belongs inside the transaction of the change it announces"
    return await store.insert(_outbox.insert().values(described_letter(
        letter=letter, recipient=recipient, subject=subject, now=now, registration_id=registration_id))
        .returning(_outbox.c.id))


def described_letter(*, letter: str, recipient: str, subject: str, now: datetime,
                     registration_id: int) -> dict[str, object]:
    """The outbox row of a described letter (for callers that insert many rows at once)."""
    return {"recipient": recipient, "subject": subject, "message": "", "letter": letter, "status": "pending",
            "attempts": 0, "next_attempt_at": now, "registration_id": registration_id, "created_at": now}


def stable_message_id(outbox_id: int, created_at: datetime, domain: str) -> str:
    """The Message-ID of a described letter: the same every time the letter is written."""
    return f"<outbox.{outbox_id}.{created_at:%Y%m%d%H%M%S}@{domain}>"


async def written_text(row: Row, render: Render | None) -> str | None:
    """The text to send for an outbox row: stored, or written now for a described letter."""
    if not row["letter"]:
        return str(row["message"])
    if render is None:
        raise LookupError(f"no writer for the described letter {row['letter']!r} in this process")
    message = await render(row)
    if message is None:
        return None
    del message["Message-ID"]
    message["Message-ID"] = stable_message_id(row["id"], row["created_at"], envelope_domain(message))
    return message.as_string(policy=POLICY)


def envelope_domain(message: EmailMessage) -> str:
    senders: Sequence[Address] = message["From"].addresses if message["From"] is not None else ()
    return senders[0].domain if senders else "localhost"


# Delivers one message or raises; returning means the message is accepted.
Send = Callable[[str, str], Awaitable[None]]


class Transport(Protocol):
    def round(self) -> AbstractAsyncContextManager[Send]:
        """One delivery round: the `Send` it gives delivers the round's messages one at a time;
        what the round holds (an SMTP connection) is let go when it ends."""


class SmtpTransport:
    """`smtp://[user:password@]host[:port]` (STARTTLS when offered) or `smtps://…` (implicit TLS).

    A round opens one connection, when its first message is sent, and sends the rest over it: a
    connection costs a TCP (and perhaps TLS) handshake, EHLO and a login, more than a message does.
    """

    def __init__(self, url: str, *, local_hostname: str = "localhost", timeout: float = SMTP_TIMEOUT) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"not an smtp:// or smtps:// URL: {url!r}")
        self.hostname = parts.hostname
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        # Given explicitly: aiosmtplib would otherwise resolve this host's name, blocking the loop.
        self.local_hostname = local_hostname
        self.timeout = timeout

    def client(self) -> aiosmtplib.SMTP:
        """A client for one connection, not yet connected (`connect()` greets and logs in)."""
        return aiosmtplib.SMTP(
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            local_hostname=self.local_hostname,
            timeout=self.timeout,
            use_tls=self.implicit_tls,
            start_tls=False if self.implicit_tls else None,
        )

    @contextlib.asynccontextmanager
    async def round(self) -> AsyncIterator[Send]:
        connection = SmtpRound(self)
        try:
            yield connection.send
        except BaseException:
            # A round cut short (the sender stopping, the database failing) hangs up at once:
            # a QUIT could wait for the server while the process is shutting down.
            connection.hang_up()
            raise
        await connection.close()



class SmtpRound:
    """The connection of one delivery round, opened for its first message and kept for the rest.

    A message the server refuses (an unknown mailbox, a full one) fails alone: the connection stays
    for the next. A connection found gone when a message is sent over it (the server closed it
    between messages, or while this message was on its way) is opened again once, for that message;
    it was not this message's fault. Anything else that leaves the connection unusable (a timeout,
    the per-message limit in `deliver_due` cancelling the send) closes it, and the next message
    opens a new one, so a server that is down fails each message with the same error as before.
    """

    def __init__(self, transport: SmtpTransport) -> None:
        self._transport = transport
        self._client: aiosmtplib.SMTP | None = None

    async def send(self, recipient: str, message_text: str) -> None:
        sender = envelope_sender(message_text)
        client = self._client
        if client is not None and client.is_connected:
            try:
                await client.sendmail(sender, [recipient], message_text)
                return
            except BaseException as error:
                if not self._lost_between_messages(client, error):
                    if not client.is_connected or not isinstance(error, aiosmtplib.SMTPException):
                        self.hang_up()
                    raise
                logger.info("SMTP connection lost before message to %s was accepted (%r); connecting again",
                            recipient, error)
        self.hang_up()
        client = self._transport.client()
        try:
            await client.connect()
            await client.sendmail(sender, [recipient], message_text)
        except BaseException:
            client.close()
            raise
        self._client = client

    @staticmethod
    def _lost_between_messages(client: aiosmtplib.SMTP, error: BaseException) -> bool:
        """The connection went away under a message (server closed it, or answered 421 and closed):
        worth one new connection. A timeout is not: a server that hangs would cost the wait twice."""
        if client.is_connected or isinstance(error, aiosmtplib.SMTPTimeoutError):
            return False
        return isinstance(error, aiosmtplib.SMTPException | ConnectionError)

    def hang_up(self) -> None:
        """Close the connection without a word to the server."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def close(self) -> None:
        """QUIT, politely and briefly: every message of the round is settled by now."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                async with asyncio.timeout(self._transport.timeout):
                    await client.quit()
        except Exception as error:
            logger.info("SMTP QUIT at the end of a round failed: %r", error)
        finally:
            client.close()


class EmlFolderTransport:
    """Writes each message as a `.eml` file: the fallback when no SMTP server is configured."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextlib.asynccontextmanager
    async def round(self) -> AsyncIterator[Send]:
        yield self.send

    async def send(self, recipient: str, message_text: str) -> None:
        await asyncio.to_thread(self._write, message_text.encode("utf-8"))

    def _write(self, data: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}.eml"
        # Written under a hidden name and renamed, so a reader never sees half a message.
        temporary = self.folder / f".{name}.tmp"
        try:
            with temporary.open("xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            return temporary.replace(self.folder / name)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url, local_hostname=settings.base_host)
    return EmlFolderTransport(settings.data_dir / "outbox")


def envelope_sender(message_text: str) -> str:
    """The address in `From`, which bounces go back to."""
    headers = HeaderParser(policy=POLICY).parsestr(message_text, headersonly=True)
    senders: Sequence[Address] = headers["From"].addresses if headers["From"] is not None else ()
    if len(senders) != 1:
        raise ValueError("the message needs exactly one From address")
    return str(senders[0].addr_spec)


@dataclass(frozen=True)
class DeliveryReport:
    sent: tuple[int, ...] = ()
    failed: tuple[int, ...] = ()
    # Claimed but handed back untried because the lease would not cover another send.
    released: tuple[int, ...] = ()
    # A full batch was claimed, so more messages may be due right away.
    more: bool = False


def retry_delay(attempts: int) -> timedelta:
    """The wait after a failure, given how many attempts had failed before this one."""
    return min(FIRST_RETRY * 2 ** min(attempts, 20), LONGEST_RETRY)


async def deliver_due(
    store: Store, transport: Transport, *, now: datetime | None = None, batch: int = 20, render: Render | None = None
) -> DeliveryReport:
    """Send up to `batch` due messages once each; failures are retried later with back-off.

    `now` fixes the clock for the whole round (tests); by default the real time is used.
    `render` writes described letters (`enqueue_described`); without it they fail and wait.
    """
    clock: Callable[[], datetime] = (lambda: now) if now is not None else (lambda: datetime.now(UTC))
    started = clock()
    lease_until = started + LEASE
    loop = asyncio.get_running_loop()
    # A send starts only if it is sure to end before the lease does; otherwise another process
    # could claim the same message and both would send it. Counted from before the claim, which
    # may wait for a lock.
    last_start = loop.time() + LEASE.total_seconds() - SEND_TIMEOUT - 5
    rows = await _claim(store, at=started, lease_until=lease_until, batch=batch)
    sent: list[int] = []
    failed: list[int] = []
    if not rows:
        return DeliveryReport()
    # One connection for the round, opened for its first message (see SmtpRound).
    async with transport.round() as send:
        for index, row in enumerate(rows):
            if loop.time() > last_start:
                released = tuple(other["id"] for other in rows[index:])
                await store.execute(
                    _outbox.update()
                    .where(_outbox.c.id.in_(released), _outbox.c.claimed_until == lease_until)
                    .values(claimed_until=None)
                )
                return DeliveryReport(sent=tuple(sent), failed=tuple(failed), released=released, more=True)
            try:
                text = await written_text(row, render)
                if text is None:
                    # The registration it was about is gone (erased): nothing to tell anyone.
                    await store.execute(_outbox.update().where(_outbox.c.id == row["id"]).values(
                        status="sent", claimed_until=None, last_error="not sent: nothing to say"))
                    continue
                async with asyncio.timeout(SEND_TIMEOUT):
                    await send(row["recipient"], text)
            except Exception as error:
                logger.warning("outbox message %s to %s not delivered (attempt %s): %r",
                               row["id"], row["recipient"], row["attempts"] + 1, error)
                await _record_failure(store, row, error, at=clock())
                failed.append(row["id"])
            else:
                await store.execute(
                    _outbox.update()
                    .where(_outbox.c.id == row["id"])
                    .values(status="sent", sent_at=clock(), claimed_until=None)
                )
                sent.append(row["id"])
    return DeliveryReport(sent=tuple(sent), failed=tuple(failed), more=len(rows) == batch)


def _due(at: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        _outbox.c.status == "pending",
        _outbox.c.next_attempt_at <= at,
        sa.or_(_outbox.c.claimed_until.is_(None), _outbox.c.claimed_until < at),
    )


async def _claim(store: Store, *, at: datetime, lease_until: datetime, batch: int) -> Sequence[Row]:
    # A plain read first: most rounds find nothing, and on SQLite a claim takes the write lock.
    if await store.fetch_val(sa.select(_outbox.c.id).where(_due(at)).limit(1)) is None:
        return []
    async with store.transaction():
        rows = await store.fetch_all(
            sa.select(_outbox.c.id, _outbox.c.recipient, _outbox.c.message, _outbox.c.attempts, _outbox.c.letter,
                      _outbox.c.registration_id, _outbox.c.created_at)
            .where(_due(at))
            .order_by(_outbox.c.next_attempt_at, _outbox.c.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        if rows:
            await store.execute(
                _outbox.update()
                .where(_outbox.c.id.in_([row["id"] for row in rows]))
                .values(claimed_until=lease_until)
            )
    return rows


async def _record_failure(store: Store, row: Row, error: Exception, *, at: datetime) -> None:
    reason = f"{type(error).__name__}: {error}"[:2000]
    await store.execute(
        _outbox.update()
        # Another sender may have sent it after our lease ran out; "sent" must stay sent.
        .where(_outbox.c.id == row["id"], _outbox.c.status == "pending")
        .values(
            attempts=_outbox.c.attempts + 1,
            last_error=reason,
            next_attempt_at=at + retry_delay(row["attempts"]),
            claimed_until=None,
        )
    )


async def next_due(store: Store, *, now: datetime) -> datetime | None:
    """When the next pending message becomes due (a live claim of another sender counts as due
    when its lease ends), or None when nothing is pending."""
    due_at = sa.case((_outbox.c.claimed_until > now, _outbox.c.claimed_until), else_=_outbox.c.next_attempt_at)
    due: datetime | None = await store.fetch_val(sa.select(sa.func.min(due_at)).where(_outbox.c.status == "pending"))
    return due


class OutboxSender:
    """Runs `deliver_due` in the background: at once after `notify()`, else when something falls
    due, and at least every `poll_interval` seconds (messages from other processes, changed clocks).
    """

    def __init__(self, store: Store, transport: Transport, *, poll_interval: float = POLL_INTERVAL,
                 batch: int = 20, render: Render | None = None) -> None:
        self.store = store
        self.transport = transport
        self.render = render
        self.poll_interval = poll_interval
        self.batch = batch
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        assert self._task is None, "the outbox sender is already running"
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    def notify(self) -> None:
        """A message was committed: deliver now rather than at the next poll."""
        self._wake.set()

    async def stop(self, *, grace: float = 10.0) -> None:
        """Let the current round finish (up to `grace` seconds), then end the loop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            # Messages of the interrupted round keep their lease and are retried when it ends.
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while not self._stopping:
            # Cleared before the round, so a notify() during the round triggers another one.
            self._wake.clear()
            delay = self.poll_interval
            try:
                report = await deliver_due(self.store, self.transport, batch=self.batch, render=self.render)
                if report.more:
                    if self._wake.is_set():
                        await self._settle()
                    continue
                delay = await self._until_next_due()
            except Exception:
                logger.exception("outbox delivery round failed; next round on notify() or within %s s",
                                 self.poll_interval)
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                continue
            await self._settle()

    async def _settle(self) -> None:
        """Wait while changes keep arriving (a registration rush notifies many times a second),
        until they pause for `QUIET` seconds or `LONGEST_SETTLE` has passed. Writing a letter costs
        more CPU than the registration it announces; written between bursts it does not slow the
        requests, and the letters still go out within seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LONGEST_SETTLE
        while not self._stopping and (left := deadline - loop.time()) > 0:
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), min(QUIET, left))
            except TimeoutError:
                return

    async def _until_next_due(self) -> float:
        now = datetime.now(UTC)
        due = await next_due(self.store, now=now)
        if due is None:
            return self.poll_interval
        # A small floor: a row another process holds locked right now must not make this spin.
        return min(max((due - now).total_seconds(), 0.1), self.poll_interval)


async def forget_registration(store: Store, registration_id: int) -> None:
    """Delete every letter about this registration, queued or sent: they hold the person's data.

    Letters about the same person's other registrations stay: they are still wanted.
    """
    await store.execute(_outbox.delete().where(_outbox.c.registration_id == registration_id))


def forget_files(settings: Settings, address: str) -> None:
    """Delete the .eml copies written for this address by the no-SMTP fallback."""
    folder = settings.data_dir / "outbox"
    if not folder.is_dir():
        return
    probe = EmailMessage(policy=POLICY)
    probe["To"] = mailbox("", address)
    wanted = probe["To"].addresses[0].addr_spec
    for path in folder.glob("*.eml"):
        with path.open("rb") as handle:
            parsed = email.message_from_binary_file(handle, policy=email.policy.default)
        recipients = parsed["To"].addresses if parsed["To"] is not None else ()
        if any(item.addr_spec == wanted for item in recipients):
            path.unlink(missing_ok=True)
