"""Publishing and booking consultation slots on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
import email
import email.policy
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.consultations import SlotUnavailable, TooLateToCancel
from events_app.services.consultations import bookings, slots
from events_app.services.consultations.bookings import SlotTakenError
from events_app.services.consultations.demo import read_series
from tests.conftest import ROOT, settings_for
from tests.consultation_support import NOW, add_slot, person


async def test_book_takes_the_slot_and_queues_a_confirmation_with_the_calendar(store: Store, tmp_path: Path) -> None:
    settings = settings_for(store.url, tmp_path)
    slot_id = await add_slot(store)

    booking = await bookings.book(store, settings, slot_id=slot_id, data=person(1), consent_ip="198.51.100.1",
                                  language="ru", now=NOW)

    assert (booking.status, booking.full_name, booking.slot.status) == ("booked", "Петрова Мария Ивановна", "booked")
    letters = await store.fetch_all(sa.select(t.outbox.c.recipient, t.outbox.c.message))
    assert [row["recipient"] for row in letters] == ["person1@example.ru"]
    assert "consultation.ics" in letters[0]["message"]
    listed = await slots.list_slots(store, now=NOW)
    assert [(slot.id, slot.status) for slot in listed] == [(slot_id, "booked")]


@pytest.mark.parametrize(("language", "subject", "when"), [
    ("ru", "Вы записаны на консультацию: Субсидии для участников кластеров, 1 апреля, среда, 14:00 (МСК+4)",
     "Когда: 1 апреля, среда, 14:00–14:30 (МСК+4)"),
    ("en", "Consultation booked: Субсидии для участников кластеров, Wednesday, 1 April, 14:00 (UTC+7)",
     "When: Wednesday, 1 April, 14:00–14:30 (UTC+7)"),
])
async def test_the_booking_letter_names_the_slots_zone(store: Store, tmp_path: Path, language: str, subject: str,
                                                       when: str) -> None:
    settings = settings_for(store.url, tmp_path)
    slot_id = await add_slot(store, timezone="Asia/Novosibirsk")

    await bookings.book(store, settings, slot_id=slot_id, data=person(1), consent_ip="198.51.100.1",
                        language=language, now=NOW)

    raw = await store.fetch_val(sa.select(t.outbox.c.message))
    letter = email.message_from_string(raw, policy=email.policy.default)
    body = letter.get_body(("plain",))
    assert body is not None
    assert (letter["Subject"], [line for line in body.get_content().splitlines() if line.startswith(when[:5])]) == (
        subject, [when])


async def test_twenty_at_once_leave_exactly_one_booking(store: Store, tmp_path: Path) -> None:
    settings = settings_for(store.url, tmp_path)
    slot_id = await add_slot(store)
    other_id = await add_slot(store, starts_at=NOW + timedelta(days=3))
    # A second connection pool on the same database: a second process, as far as the database knows.
    async with Store(store.url) as second:
        async def press(n: int) -> str:
            try:
                await bookings.book(store if n % 2 else second, settings, slot_id=slot_id, data=person(n),
                                    consent_ip=None, language="ru", now=NOW)
            except SlotTakenError as error:
                assert [slot.id for slot in error.taken.offered] == [other_id]
                return "taken"
            return "booked"

        answers = await asyncio.gather(*(press(n) for n in range(20)))

    assert sorted(answers) == ["booked"] + ["taken"] * 19
    active = await store.fetch_val(sa.select(sa.func.count()).select_from(t.consultation_bookings)
                                   .where(t.consultation_bookings.c.status == "booked"))
    assert active == 1
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.outbox)) == 1


async def test_cancel_frees_the_slot_at_once_and_sends_a_cancelled_calendar(store: Store, tmp_path: Path) -> None:
    settings = settings_for(store.url, tmp_path)
    slot_id = await add_slot(store)
    first = await bookings.book(store, settings, slot_id=slot_id, data=person(1), consent_ip=None, language="ru",
                                now=NOW)

    cancelled = await bookings.cancel(store, settings, first.secret, now=NOW + timedelta(hours=1))
    second = await bookings.book(store, settings, slot_id=slot_id, data=person(2), consent_ip=None, language="en",
                                 now=NOW + timedelta(hours=2))

    assert (cancelled.status, second.status, second.email) == ("cancelled", "booked", "person2@example.ru")
    assert b"STATUS:CANCELLED" in bookings.booking_calendar(settings, cancelled)
    assert b"STATUS:CONFIRMED" in bookings.booking_calendar(settings, second)
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.outbox)) == 3


async def test_cancel_is_refused_within_two_hours_of_the_start(store: Store, tmp_path: Path) -> None:
    settings = settings_for(store.url, tmp_path)
    slot_id = await add_slot(store, starts_at=NOW + timedelta(hours=5))
    booking = await bookings.book(store, settings, slot_id=slot_id, data=person(1), consent_ip=None, language="ru",
                                  now=NOW)

    with pytest.raises(TooLateToCancel):
        await bookings.cancel(store, settings, booking.secret, now=NOW + timedelta(hours=3, minutes=1))
    assert (await bookings.get_booking(store, booking.id)).status == "booked"


async def test_a_started_or_cancelled_slot_cannot_be_booked(store: Store, tmp_path: Path) -> None:
    settings = settings_for(store.url, tmp_path)
    started = await add_slot(store, starts_at=NOW - timedelta(minutes=1))
    cancelled = await add_slot(store)
    await slots.cancel_slot(store, cancelled, now=NOW)

    for slot_id in (started, cancelled):
        with pytest.raises(SlotUnavailable):
            await bookings.book(store, settings, slot_id=slot_id, data=person(1), consent_ip=None, language="ru",
                                now=NOW)
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.consultation_bookings)) == 0


async def test_list_slots_filters_by_topic_specialist_and_local_day(store: Store) -> None:
    # 23:30 in Samara on 1 April is 19:30 UTC: the slot belongs to the 1st there, whatever UTC says.
    late = await add_slot(store, starts_at=NOW.replace(day=1, month=4, hour=19, minute=30), timezone="Europe/Samara",
                          topic="Реестр кластеров", specialist="Олькова Анна")
    await add_slot(store, starts_at=NOW.replace(day=2, month=4, hour=7))

    by_day = await slots.list_slots(store, now=NOW, filters=slots.SlotFilter(day=NOW.date().replace(day=1, month=4)))
    by_topic = await slots.list_slots(store, now=NOW, filters=slots.SlotFilter(topic="Реестр кластеров"))
    by_person = await slots.list_slots(store, now=NOW, filters=slots.SlotFilter(specialist="Олькова Анна"))

    assert [slot.id for slot in by_day] == [late]
    assert [slot.id for slot in by_topic] == [late]
    assert [slot.id for slot in by_person] == [late]
    assert by_day[0].starts_at.isoformat() == "2026-04-01T23:30:00+04:00"


def test_demo_slots_lie_after_the_day_the_demo_is_loaded() -> None:
    forms = read_series(ROOT / "schedules" / "consultations" / "kirov-moy-biznes.toml", today=NOW.date())
    assert len(forms) > 20
    assert min(form.starts_at for form in forms) > NOW
    assert {form.timezone for form in forms} == {"Europe/Kirov"}
