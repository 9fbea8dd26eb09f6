"""The reminder loop that runs inside each server process (no separate worker to deploy).

Every `poll_seconds` it runs one round on the clock it was given; several processes may run it
on one PostgreSQL database, and the claims in `sending` keep each reminder to one of them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket

from events_app.clock import Clock
from events_app.data.database import Store
from events_app.services.mail.outbox import OutboxSender
from events_app.services.reminders.sending import run_due
from events_app.settings import Settings

logger = logging.getLogger(__name__)


def worker_name() -> str:
    """Who holds a claim, for someone reading the table: host, process, and a random part."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(3)}"


class ReminderScheduler:
    def __init__(self, store: Store, settings: Settings, clock: Clock, outbox: OutboxSender | None = None, *,
                 poll_seconds: float | None = None) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.outbox = outbox
        self.poll_seconds = poll_seconds if poll_seconds is not None else settings.reminder_poll_seconds
        self.worker = worker_name()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        assert self._task is None, "the reminder scheduler is already running"
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="reminder-scheduler")

    async def stop(self, *, grace: float = 10.0) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            # A claimed reminder is claimed again by whoever runs once its lease ends.
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def run_once(self) -> int:
        """One round now; the number of reminders queued."""
        total, planned = 0, False
        while True:
            report = await run_due(self.store, self.settings, worker=self.worker, now=self.clock.now(),
                                   planned=planned)
            planned = True
            total += len(report.sent)
            if not report.more:
                break
        if total and self.outbox is not None:
            self.outbox.notify()
        return total

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:
                logger.exception("reminder round failed; the next one in %s s", self.poll_seconds)
            try:
                await asyncio.wait_for(self._stopping.wait(), self.poll_seconds)
            except TimeoutError:
                pass
