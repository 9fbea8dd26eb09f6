"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping every message it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    # The client's address and port: messages with the same peer came over one connection.
    peer: tuple[str, int]


class Inbox:
    """An aiosmtpd handler that keeps what arrives; runs in the server's own thread."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.logins: list[tuple[str, str]] = []
        self._arrived: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None

    def watch(self) -> asyncio.Event:
        """An event of the calling loop, set when the next message arrives."""
        event = asyncio.Event()
        self._arrived = (asyncio.get_running_loop(), event)
        return event

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, tuple(session.peer)))
        if self._arrived is not None:
            loop, event = self._arrived
            loop.call_soon_threadsafe(event.set)
        return "250 Message accepted for delivery"

    @property
    def connections(self) -> int:
        """How many connections the received messages came over."""
        return len({item.peer for item in self.received})

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_smtp(inbox: Inbox, port: int) -> Controller:
    # Plain AUTH is allowed here only because the test server is on the loopback interface.
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            authenticator=inbox.authenticate, auth_require_tls=False)
    controller.start()
    return controller


# Fixtures for a test module that takes them (`from tests.smtp_server import inbox, smtp_url`):
# a real server on a free port for each test, and what it received.
@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def smtp_url(inbox: Inbox) -> Iterator[str]:
    port = free_port()
    controller = start_smtp(inbox, port)
    yield f"smtp://127.0.0.1:{port}"
    controller.stop()
