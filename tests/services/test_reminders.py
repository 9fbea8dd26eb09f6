"""Reminders on an injected clock, delivered to a real aiosmtpd server: each exactly once, at its time."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.reminders import ReminderSettings
from events_app.services.consultations import bookings, slots
from events_app.services.mail.outbox import SmtpTransport, deliver_due
from events_app.services.reminders import preferences
from events_app.services.reminders.sending import LEASE, claim, run_due
from events_app.settings import Settings
from tests.conftest import ROOT, settings_for
from tests.consultation_support import NOW, add_delegate, add_event, add_slot, person
from tests.smtp_server import Inbox, free_port, start_smtp

START = NOW + timedelta(days=2)  # the consultation: 1 April, 10:00 in Kirov
DAY_BEFORE = START - timedelta(hours=24)
HOUR_BEFORE = START - timedelta(hours=1)
BOOKED = "Вы записаны на консультацию"
TOMORROW = "Напоминание: консультация завтра"
HOUR = "Напоминание: до консультации осталось менее часа"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox, port = Inbox(), free_port()
    controller = start_smtp(inbox, port)
    yield inbox, f"smtp://127.0.0.1:{port}"
    controller.stop()


async def _round(store: Store, settings: Settings, smtp_url: str, now: datetime, *, worker: str = "one") -> int:
    """One scheduler round and the outbox emptied to the SMTP server; the number of reminders queued."""
    report = await run_due(store, settings, worker=worker, now=now)
    while (await deliver_due(store, SmtpTransport(smtp_url), now=now)).more:
        pass
    return len(report.sent)


def _kinds(inbox: Inbox) -> list[str]:
    found = []
    for item in inbox.received:
        subject = str(item.message["Subject"])
        found.append(next(prefix for prefix in (BOOKED, TOMORROW, HOUR, "Напоминание:", "Запись на консультацию")
                          if subject.startswith(prefix)))
    return found


async def _book(store: Store, settings: Settings, slot_id: int, n: int = 1,
                now: datetime = NOW) -> bookings.BookingView:
    return await bookings.book(store, settings, slot_id=slot_id, data=person(n), consent_ip=None, language="ru",
                               now=now)


async def test_consultation_is_reminded_a_day_and_an_hour_before_once_each(
        store: Store, tmp_path: Path, smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    settings = settings_for(store.url, tmp_path)
    await _book(store, settings, await add_slot(store))
    arrived = []

    for moment in (NOW, DAY_BEFORE - timedelta(seconds=1), DAY_BEFORE, DAY_BEFORE + timedelta(minutes=1),
                   HOUR_BEFORE - timedelta(seconds=1), HOUR_BEFORE, HOUR_BEFORE + timedelta(minutes=30)):
        await _round(store, settings, url, moment)
        arrived.append(len(inbox.received))

    assert arrived == [1, 1, 2, 2, 2, 3, 3]
    assert _kinds(inbox) == [BOOKED, TOMORROW, HOUR]
    hour = inbox.received[2].message
    assert hour["To"].addresses[0].addr_spec == "person1@example.ru"
    assert "До назначенного времени консультации специалиста осталось менее часа." in hour.get_content()
    assert "10:00" in str(hour["Subject"])


async def test_event_reminder_goes_at_ten_local_time_in_samara_and_in_moscow(
        store: Store, tmp_path: Path, smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    settings = settings_for(store.url, tmp_path)
    day = date(2026, 4, 2)
    samara = await add_event(store, slug="samara-2026", timezone="Europe/Samara", day=day)
    moscow = await add_event(store, slug="moscow-2026", timezone="Europe/Moscow", day=day)
    await add_delegate(store, samara, day, n=1)
    await add_delegate(store, moscow, day, n=2)
    ten_in_samara = datetime(2026, 4, 1, 6, 0, tzinfo=NOW.tzinfo)  # UTC+4
    ten_in_moscow = datetime(2026, 4, 1, 7, 0, tzinfo=NOW.tzinfo)  # UTC+3
    recipients = []

    for moment in (ten_in_samara - timedelta(seconds=1), ten_in_samara, ten_in_moscow - timedelta(seconds=1),
                   ten_in_moscow, ten_in_moscow + timedelta(hours=3)):
        await _round(store, settings, url, moment)
        recipients.append([item.rcpt_tos[0] for item in inbox.received])

    assert recipients == [[], ["delegate1@example.ru"], ["delegate1@example.ru"],
                          ["delegate1@example.ru", "delegate2@example.ru"],
                          ["delegate1@example.ru", "delegate2@example.ru"]]
    text = inbox.received[0].message.get_content()
    assert "https://events.example.org/t/" in text
    assert "2 апреля, четверг" in str(inbox.received[0].message["Subject"])


async def test_nothing_is_sent_for_a_cancelled_booking_or_registration(
        store: Store, tmp_path: Path, smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    settings = settings_for(store.url, tmp_path)
    booking = await _book(store, settings, await add_slot(store))
    day = date(2026, 4, 2)
    event_id = await add_event(store, slug="samara-2026", timezone="Europe/Samara", day=day)
    registration_id = await add_delegate(store, event_id, day, n=3)
    await _round(store, settings, url, NOW)  # the reminders are planned

    await bookings.cancel(store, settings, booking.secret, now=NOW + timedelta(minutes=5))
    await store.execute(t.registrations.update().where(t.registrations.c.id == registration_id)
                        .values(status="cancelled", cancelled_at=NOW))
    for moment in (DAY_BEFORE, HOUR_BEFORE, datetime(2026, 4, 1, 6, 0, tzinfo=NOW.tzinfo)):
        await _round(store, settings, url, moment)

    assert _kinds(inbox) == [BOOKED, "Запись на консультацию"]
    unsent = await store.fetch_all(sa.select(t.reminders.c.kind, t.reminders.c.cancelled_at)
                                   .where(t.reminders.c.sent_at.is_(None)))
    assert sorted(row["kind"] for row in unsent) == ["consultation_1h", "consultation_24h", "event_day"]
    assert all(row["cancelled_at"] is not None for row in unsent)


async def test_a_moved_consultation_is_reminded_for_its_new_time(
        store: Store, tmp_path: Path, smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    settings = settings_for(store.url, tmp_path)
    slot_id = await add_slot(store)
    await _book(store, settings, slot_id)
    await _round(store, settings, url, DAY_BEFORE)
    moved_to = START + timedelta(days=1)

    await slots.move(store, slot_id, starts_at=moved_to, now=DAY_BEFORE + timedelta(hours=1))
    counts = []
    for moment in (HOUR_BEFORE, moved_to - timedelta(hours=24), moved_to - timedelta(hours=1)):
        await _round(store, settings, url, moment)
        counts.append(len(inbox.received))

    assert counts == [2, 3, 4]
    assert _kinds(inbox) == [BOOKED, TOMORROW, TOMORROW, HOUR]
    assert "2 апреля" in str(inbox.received[2].message["Subject"])


async def test_organiser_time_and_kinds_switched_off_per_event(
        store: Store, tmp_path: Path, smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    settings = settings_for(store.url, tmp_path)
    day = date(2026, 4, 2)
    noon = await add_event(store, slug="noon-2026", timezone="Europe/Moscow", day=day)
    off = await add_event(store, slug="off-2026", timezone="Europe/Moscow", day=day)
    await add_delegate(store, noon, day, n=1)
    await add_delegate(store, off, day, n=2)
    await preferences.save(store, noon, ReminderSettings(day_before_at=time(12, 30)))
    await preferences.save(store, off, ReminderSettings(day_before=False, consultation_hour_before=False))
    slot_id = await add_slot(store, event_id=off)
    await _book(store, settings, slot_id, n=3)

    for moment in (datetime(2026, 4, 1, 7, 0, tzinfo=NOW.tzinfo), datetime(2026, 4, 1, 9, 30, tzinfo=NOW.tzinfo),
                   DAY_BEFORE, HOUR_BEFORE):
        await _round(store, settings, url, moment)

    assert Counter(item.rcpt_tos[0] for item in inbox.received) == {"delegate1@example.ru": 1, "person3@example.ru": 2}
    assert Counter(_kinds(inbox)) == {BOOKED: 1, TOMORROW: 1, "Напоминание:": 1}
    sent_at = await store.fetch_val(sa.select(t.reminders.c.sent_at).where(t.reminders.c.kind == "event_day"))
    assert sent_at == datetime(2026, 4, 1, 9, 30, tzinfo=NOW.tzinfo)


async def test_restart_in_the_middle_loses_nothing_and_repeats_nothing(
        store: Store, tmp_path: Path, smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    settings = settings_for(store.url, tmp_path)
    await _book(store, settings, await add_slot(store))
    await _book(store, settings, await add_slot(store, starts_at=START + timedelta(minutes=30)), n=2)
    await run_due(store, settings, worker="before", now=NOW)  # planned, then the service stops

    # Down over the due time; on the way back up a process claims the rows and dies at once.
    late = DAY_BEFORE + timedelta(hours=3)
    claimed = await claim(store, worker="crashed", now=late, batch=50)
    queued_while_leased = await _round(store, settings, url, late + timedelta(minutes=1), worker="restarted")
    queued_after_lease = await _round(store, settings, url, late + LEASE + timedelta(seconds=1), worker="restarted")
    queued_again = await _round(store, settings, url, late + LEASE + timedelta(minutes=5), worker="restarted")

    assert (len(claimed), queued_while_leased, queued_after_lease, queued_again) == (2, 0, 2, 0)
    assert Counter(_kinds(inbox)) == {BOOKED: 2, TOMORROW: 2}


async def test_two_schedulers_at_once_send_each_reminder_once(
        store: Store, tmp_path: Path, smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    settings = settings_for(store.url, tmp_path)
    for n in range(12):
        await _book(store, settings, await add_slot(store, starts_at=START + timedelta(minutes=n)), n=n)
    async with Store(store.url) as second:
        for moment in (NOW, DAY_BEFORE + timedelta(minutes=15), HOUR_BEFORE + timedelta(minutes=15)):
            await asyncio.gather(*(run_due(store if n % 2 else second, settings, worker=f"w{n % 2}", now=moment,
                                           batch=3) for n in range(6)))
            await _round(store, settings, url, moment)

    assert Counter(_kinds(inbox)) == {BOOKED: 12, TOMORROW: 12, HOUR: 12}
    assert len({item.message["Message-ID"] for item in inbox.received}) == 36


ROUND_SCRIPT = """
import asyncio, sys
from datetime import datetime
from events_app.data.database import Store
from events_app.services.reminders.sending import run_due
from tests.conftest import settings_for
from pathlib import Path

async def main():
    async with Store(sys.argv[1]) as store:
        settings = settings_for(sys.argv[1], Path(sys.argv[3]))
        total = 0
        for _ in range(5):
            total += len((await run_due(store, settings, worker=sys.argv[4], now=datetime.fromisoformat(sys.argv[2]),
                                        batch=2)).sent)
        print(total)

asyncio.run(main())
"""


def _two_processes(url: str, moment: datetime, data_dir: Path) -> list[int]:
    """Two OS processes, each running rounds at `moment` at the same time; what each queued."""
    processes = [subprocess.Popen([sys.executable, "-c", ROUND_SCRIPT, url, moment.isoformat(), str(data_dir),
                                   f"process-{n}"], cwd=ROOT, stdout=subprocess.PIPE, text=True) for n in range(2)]
    return [int(process.communicate(timeout=120)[0].strip()) for process in processes]


async def test_two_processes_send_each_reminder_once(store: Store, tmp_path: Path, smtp: tuple[Inbox, str]) -> None:
    inbox, url = smtp
    settings = settings_for(store.url, tmp_path)
    for n in range(8):
        await _book(store, settings, await add_slot(store, starts_at=START + timedelta(minutes=n)), n=n)
    await run_due(store, settings, worker="planner", now=NOW)
    moment = DAY_BEFORE + timedelta(minutes=10)

    queued = await asyncio.to_thread(_two_processes, store.url, moment, tmp_path)
    await _round(store, settings, url, moment)

    assert sum(queued) == 8
    assert Counter(_kinds(inbox)) == {BOOKED: 8, TOMORROW: 8}
    assert sorted(item.rcpt_tos[0] for item in inbox.received if str(item.message["Subject"]).startswith(TOMORROW)) \
        == sorted(f"person{n}@example.ru" for n in range(8))
