"""Registration on both backends: statuses, places, waiting lists, moderation, consent."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import INTEGRITY_ERRORS, Store
from events_app.domain.errors import InvalidInput
from events_app.domain.registration import validate_registration
from events_app.services.registration import intake, places, signup
from events_app.services.registration.letters import writer as letter_writer
from events_app.services.registration.signup import RegistrationClosed
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import NOW, SLUG, delegate_form, door_device, load_event, register


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def _outbox_subjects(store: Store) -> list[str]:
    return [row["subject"] for row in await store.fetch_all(sa.select(t.outbox.c.subject).order_by(t.outbox.c.id))]


async def test_registration_is_confirmed_with_a_ticket_and_a_letter(store: Store, settings: Settings) -> None:
    ids = (await load_event(store)).sessions

    result = await register(store, settings, sessions=[str(ids["visit-mondi"])])

    assert result.status == "confirmed"
    assert result.ticket_secret is not None and len(result.ticket_secret) == 26
    assert [(c.session_id, c.status, c.position) for c in result.choices] == [(ids["visit-mondi"], "confirmed", None)]
    row = await store.fetch_one(sa.select(t.registrations))
    assert (row["consent_version"], row["consent_ip"], row["phone"]) == ("standard-2026-1", "203.0.113.7",
                                                                         "+79123456700")
    assert await _outbox_subjects(store) == ["Ваш билет: Практическая сессия по развитию промышленных кластеров России"]


async def test_invalid_submission_stores_nothing(store: Store, settings: Settings) -> None:
    await load_event(store)

    with pytest.raises(InvalidInput):
        await register(store, settings, email="not-an-address")

    for table in (t.registrations, t.registration_choices, t.tickets, t.outbox):
        assert await store.fetch_val(sa.select(sa.func.count()).select_from(table)) == 0, table.name


async def test_full_visit_puts_delegates_on_its_waiting_list_and_a_cancellation_promotes_the_first(
        store: Store, settings: Settings) -> None:
    ids = (await load_event(store, session_capacity={"visit-mondi": 2})).sessions
    visit = str(ids["visit-mondi"])
    first, second, third, fourth = [await register(store, settings, n, sessions=[visit]) for n in range(4)]

    assert [r.choices[0].status for r in (first, second, third, fourth)] == ["confirmed", "confirmed", "waitlisted",
                                                                             "waitlisted"]
    assert [r.choices[0].position for r in (third, fourth)] == [1, 2]

    await signup.cancel(store, settings, second.id, now=NOW)

    after_third = await signup.registration_result(store, third.id)
    after_fourth = await signup.registration_result(store, fourth.id)
    assert [(c.status, c.position) for c in after_third.choices] == [("confirmed", None)]
    assert [(c.status, c.position) for c in after_fourth.choices] == [("waitlisted", 1)]
    subjects = await _outbox_subjects(store)
    assert subjects[-2:] == ["Место за вами: Практическая сессия по развитию промышленных кластеров России",
                             "Ваша регистрация отменена: Практическая сессия по развитию промышленных кластеров России"]
    recipients = [row["recipient"] for row in await store.fetch_all(sa.select(t.outbox.c.recipient).order_by(t.outbox.c.id))]  # noqa: E501
    assert recipients[-2:] == ["delegate2@example.ru", "delegate1@example.ru"]


async def test_cancelled_ticket_secret_no_longer_works(store: Store, settings: Settings) -> None:
    await load_event(store)
    result = await register(store, settings)

    await signup.cancel(store, settings, result.id, now=NOW)

    revoked = await store.fetch_val(sa.select(t.tickets.c.revoked_at).where(t.tickets.c.secret == result.ticket_secret))
    assert revoked == NOW


async def test_full_event_waitlists_the_registration_and_admits_it_when_a_place_frees(
        store: Store, settings: Settings) -> None:
    await load_event(store, capacity=1)
    admitted = await register(store, settings, 0)
    waiting = await register(store, settings, 1)
    assert (waiting.status, waiting.event_position, waiting.ticket_secret) == ("waitlisted", 1, None)

    await signup.cancel(store, settings, admitted.id, now=NOW)

    after = await signup.registration_result(store, waiting.id)
    assert after.status == "confirmed"
    assert after.ticket_secret is not None


async def test_moderation_holds_registration_until_approved(store: Store, settings: Settings) -> None:
    await load_event(store, moderation=True)
    pending = await register(store, settings)
    assert (pending.status, pending.ticket_secret) == ("pending", None)

    approved = await signup.decide(store, settings, pending.id, approve=True, reason=None, now=NOW)

    assert approved.status == "confirmed"
    assert approved.ticket_secret is not None
    assert (await _outbox_subjects(store))[-1].startswith("Заявка одобрена: ")


async def test_rejection_needs_a_reason_and_releases_places(store: Store, settings: Settings) -> None:
    ids = (await load_event(store, moderation=True, session_capacity={"visit-mondi": 1})).sessions
    visit = str(ids["visit-mondi"])
    first = await register(store, settings, 0, sessions=[visit])
    second = await register(store, settings, 1, sessions=[visit])

    with pytest.raises(Exception, match="reason"):
        await signup.decide(store, settings, first.id, approve=False, reason="  ", now=NOW)
    rejected = await signup.decide(store, settings, first.id, approve=False, reason="Нет мест в автобусе", now=NOW)

    assert rejected.status == "rejected"
    row = await store.fetch_one(sa.select(t.registrations).where(t.registrations.c.id == first.id))
    assert row["decision_reason"] == "Нет мест в автобусе"
    promoted = await signup.registration_result(store, second.id)
    assert [(c.status, c.position) for c in promoted.choices] == [("confirmed", None)]


async def test_withdrawing_consent_erases_personal_data_keeps_statistics_and_frees_places(
        store: Store, settings: Settings) -> None:
    ids = (await load_event(store, session_capacity={"visit-mondi": 1})).sessions
    visit = str(ids["visit-mondi"])
    first = await register(store, settings, 0, sessions=[visit], organisation_inn="7707083893")
    second = await register(store, settings, 1, sessions=[visit])

    await signup.withdraw_consent(store, settings, first.id, now=NOW)

    row = dict(await store.fetch_one(sa.select(t.registrations).where(t.registrations.c.id == first.id)))
    personal = ("surname", "given_name", "patronymic", "email", "phone", "organisation_name", "organisation_inn",
                "position", "consent_ip", "calendar_token")
    assert {name: row[name] for name in personal} == dict.fromkeys(personal)
    assert (row["region_code"], row["category"], row["status"]) == ("11", "enterprise", "cancelled")
    assert row["erased_at"] == NOW
    promoted = await signup.registration_result(store, second.id)
    assert promoted.choices[0].status == "confirmed"
    letters_to_first = await store.fetch_val(sa.select(sa.func.count()).select_from(t.outbox).where(
        t.outbox.c.recipient == "delegate0@example.ru"))
    assert letters_to_first == 0


async def test_changing_choices_keeps_a_kept_place_and_frees_a_dropped_one(store: Store, settings: Settings) -> None:
    ids = (await load_event(store, session_capacity={"visit-mondi": 1})).sessions
    mondi, luzales = str(ids["visit-mondi"]), str(ids["visit-luzales"])
    first = await register(store, settings, 0, sessions=[mondi])
    second = await register(store, settings, 1, sessions=[mondi])

    changed = await signup.change_choices(store, settings, first.id,
                                                {"days": ["2021-04-01"], "sessions": [luzales]}, now=NOW)

    assert [(c.session_id, c.status) for c in changed.choices] == [(ids["visit-luzales"], "confirmed")]
    promoted = await signup.registration_result(store, second.id)
    assert [(c.session_id, c.status) for c in promoted.choices] == [(ids["visit-mondi"], "confirmed")]
    letters = await store.fetch_all(sa.select(t.outbox.c.recipient, t.outbox.c.subject, t.outbox.c.message)
                                    .order_by(t.outbox.c.id))
    receipt = letters[-1]
    assert (receipt["recipient"], receipt["subject"].split(":")[0]) == ("delegate0@example.ru", "Ваш выбор сохранён")


async def test_registration_after_the_event_is_refused(store: Store, settings: Settings) -> None:
    await load_event(store)

    with pytest.raises(RegistrationClosed, match="Registration is closed"):
        await register(store, settings, now=datetime(2021, 4, 3, tzinfo=UTC))


async def test_three_hundred_simultaneous_sign_ups_for_forty_places(store: Store, settings: Settings) -> None:
    ids = (await load_event(store, session_capacity={"visit-mondi": 40})).sessions
    visit = str(ids["visit-mondi"])

    results = await asyncio.gather(*(register(store, settings, n, sessions=[visit]) for n in range(300)),
                                   return_exceptions=True)

    assert [r for r in results if isinstance(r, BaseException)] == []
    choices = await store.fetch_all(sa.select(t.registration_choices).where(
        t.registration_choices.c.session_id == ids["visit-mondi"]).order_by(t.registration_choices.c.id))
    statuses = [row["status"] for row in choices]
    assert statuses == ["confirmed"] * 40 + ["waitlisted"] * 260
    by_id = {r.id: r for r in results if not isinstance(r, BaseException)}
    positions = [by_id[row["registration_id"]].choices[0].position for row in choices[40:]]
    assert positions == list(range(1, 261))


async def test_cancellation_racing_an_approval_leaves_one_consistent_outcome(store: Store, settings: Settings) -> None:
    await load_event(store, capacity=1, moderation=True)
    first = await register(store, settings, 0)
    await register(store, settings, 1)

    results = await asyncio.gather(signup.cancel(store, settings, first.id, now=NOW),
                                   signup.decide(store, settings, first.id, approve=True, reason=None, now=NOW),
                                   return_exceptions=True)

    row = await store.fetch_one(sa.select(t.registrations).where(t.registrations.c.id == first.id))
    live_tickets = await store.fetch_val(sa.select(sa.func.count()).select_from(t.tickets).where(
        t.tickets.c.registration_id == first.id, t.tickets.c.revoked_at.is_(None)))
    active = await store.fetch_val(sa.select(sa.func.count()).select_from(t.registrations).where(
        t.registrations.c.status.in_(["confirmed", "pending"])))
    assert row["status"] == "cancelled" and live_tickets == 0
    assert active == 1
    assert sum(isinstance(result, Exception) for result in results) <= 1


async def test_withdrawal_leaves_no_name_in_scan_log_or_letters_and_keeps_other_registrations_letters(
        store: Store, settings: Settings) -> None:
    from events_app.domain.checkin import Scan, ScanType
    from events_app.services.checkin import door
    from events_app.services.mail import outbox

    await load_event(store)
    first = await register(store, settings, 0)
    second = await register(store, settings, 0, given_name="Мария", organisation_name="ООО «Другое»")
    gate = (await door_device(store, settings)).device
    scanned = datetime(2021, 4, 1, 7, 0, tzinfo=UTC)
    await door.redeem(store, gate, Scan(first.ticket_secret, "entry-2021-04-01", ScanType.ENTRY, "scan-000001",
                                        scanned),
                         now=scanned)
    await outbox.deliver_due(store, outbox.transport_for(settings), now=NOW,
                             render=letter_writer(store, settings))
    assert len(list((settings.data_dir / "outbox").glob("*.eml"))) == 2

    await signup.withdraw_consent(store, settings, first.id, now=NOW)

    answers = [row["answer"] for row in await store.fetch_all(sa.select(t.scan_log.c.answer))]
    assert answers and all("Иванова" not in answer for answer in answers)
    letters = await store.fetch_all(sa.select(t.outbox.c.registration_id))
    assert [row["registration_id"] for row in letters] == [second.id]
    assert len(list((settings.data_dir / "outbox").glob("*.eml"))) == 0  # both were to the same address


async def test_moving_up_the_event_waiting_list_under_moderation_says_the_application_waits(
        store: Store, settings: Settings) -> None:
    await load_event(store, capacity=1, moderation=True)
    first = await register(store, settings, 0)
    waiting = await register(store, settings, 1)

    await signup.decide(store, settings, first.id, approve=False, reason="Нет мест", now=NOW)

    row = await store.fetch_one(sa.select(t.registrations.c.status).where(t.registrations.c.id == waiting.id))
    to_waiting = [r["subject"].split(":")[0] for r in await store.fetch_all(
        sa.select(t.outbox.c.subject).where(t.outbox.c.recipient == "delegate1@example.ru").order_by(t.outbox.c.id))]
    assert row["status"] == "pending"
    assert to_waiting == ["Вы в листе ожидания", "Заявка получена"]


async def test_cabinet_link_request_with_a_control_character_is_ignored(store: Store, settings: Settings) -> None:
    await load_event(store)
    await register(store, settings, 0)

    await signup.send_cabinet_links(store, settings, email="delegate0@example.ru\x00", now=NOW)
    await signup.send_cabinet_links(store, settings, email="nobody\x00@example.ru", now=NOW)

    subjects = await _outbox_subjects(store)
    assert [s.split(":")[0] for s in subjects] == ["Ваш билет", "Ваш личный кабинет"]


async def test_same_person_registering_again_gets_the_cabinet_link_and_nothing_new(
        store: Store, settings: Settings) -> None:
    ids = (await load_event(store)).sessions
    first = await register(store, settings, 0, sessions=[str(ids["visit-mondi"])])

    with pytest.raises(signup.AlreadyRegistered):
        await register(store, settings, 0, email="Delegate0@Example.RU", surname="ИВАНОВА", given_name=" анна ",
                       sessions=[str(ids["visit-mondi"])])

    rows = await store.fetch_all(sa.select(t.registrations.c.id))
    assert [row["id"] for row in rows] == [first.id]
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.tickets)) == 1
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.registration_choices)) == 1
    letters = await store.fetch_all(sa.select(t.outbox.c.subject, t.outbox.c.recipient).order_by(t.outbox.c.id))
    assert [(row["subject"].split(":")[0], row["recipient"]) for row in letters] == [
        ("Ваш билет", "delegate0@example.ru"), ("Ваш личный кабинет", "delegate0@example.ru")]


async def test_colleagues_sharing_an_assistants_address_may_each_register(store: Store, settings: Settings) -> None:
    await load_event(store)
    await register(store, settings, 0, email="assistant@example.ru", given_name="Анна")

    second = await register(store, settings, 1, email="assistant@example.ru", given_name="Мария")

    assert second.status == "confirmed"


async def test_a_cancelled_registration_does_not_stop_registering_again(store: Store, settings: Settings) -> None:
    await load_event(store)
    first = await register(store, settings, 0)
    await store.execute(t.registrations.update().where(t.registrations.c.id == first.id).values(status="cancelled"))

    again = await register(store, settings, 0)

    assert (again.status, again.id != first.id) == ("confirmed", True)


async def test_a_window_closed_after_the_rules_were_read_applies_to_the_next_registration(
        store: Store, settings: Settings) -> None:
    ids = await load_event(store)
    await register(store, settings, 0)  # the event's rules are now remembered

    await store.execute(t.events.update().where(t.events.c.id == ids.id)
                        .values(registration_closes_at=NOW - timedelta(minutes=1)))

    with pytest.raises(RegistrationClosed, match="Registration is closed"):
        await register(store, settings, 1)


async def test_two_presses_of_the_button_at_once_register_once(store: Store, settings: Settings) -> None:
    ids = (await load_event(store)).sessions
    visit = str(ids["visit-mondi"])

    # Submitted together, so the two land in one batch (`intake`): the second is the same person.
    results = await asyncio.gather(register(store, settings, 0, sessions=[visit]),
                                   register(store, settings, 0, sessions=[visit]),
                                   register(store, settings, 1, sessions=[visit]), return_exceptions=True)

    # Which of the two presses arrives first is the server's to see; one of them registers.
    assert sorted(type(result).__name__ for result in results[:2]) == ["AlreadyRegistered", "RegistrationResult"]
    assert isinstance(results[2], signup.RegistrationResult)
    rows = await store.fetch_all(sa.select(t.registrations.c.email).order_by(t.registrations.c.id))
    assert [row["email"] for row in rows] == ["delegate0@example.ru", "delegate1@example.ru"]
    letters = await store.fetch_all(sa.select(t.outbox.c.subject, t.outbox.c.recipient).order_by(t.outbox.c.id))
    assert sorted((row["subject"].split(":")[0], row["recipient"]) for row in letters) == [
        ("Ваш билет", "delegate0@example.ru"), ("Ваш билет", "delegate1@example.ru"),
        ("Ваш личный кабинет", "delegate0@example.ru")]


async def test_a_registration_that_fails_in_a_batch_fails_alone(store: Store, settings: Settings) -> None:
    ids = (await load_event(store, session_capacity={"visit-mondi": 1})).sessions
    visit = str(ids["visit-mondi"])
    rules = await signup._signup_rules(store, SLUG)
    # A sign-up for a session that is not in the database: the batch's insert fails on its foreign key.
    ghost = dataclasses.replace(rules.sessions[0], id=999_999)
    form = validate_registration(delegate_form(5, sessions=["999999"]), event_days=rules.event.days,
                                 session_days={ghost.id: ghost.day})
    bad = intake.Application(event=rules.event, sessions={ghost.id: ghost}, consent=rules.consent, form=form,
                             consent_ip=None, language="ru", now=NOW)

    results = await asyncio.gather(register(store, settings, 0, sessions=[visit]),
                                   intake.intake(store, settings).submit(bad),
                                   register(store, settings, 2, sessions=[visit]), return_exceptions=True)

    assert isinstance(results[1], INTEGRITY_ERRORS)
    answered = [result for result in (results[0], results[2]) if isinstance(result, signup.RegistrationResult)]
    assert sorted((result.status, result.choices[0].status) for result in answered) == [
        ("confirmed", "confirmed"), ("confirmed", "waitlisted")]
    emails = sorted(row["email"] for row in await store.fetch_all(sa.select(t.registrations.c.email)))
    assert emails == ["delegate0@example.ru", "delegate2@example.ru"]


async def test_the_registration_lock_lets_a_door_insert_check_its_event_key(store: Store, settings: Settings) -> None:
    """While a registration holds the event's lock, a row that refers to the event (the door's
    `scan_log` and `checkins` rows do) may still check that key; another registration still waits."""
    if store.is_sqlite:
        pytest.skip("row lock modes are PostgreSQL's; SQLite writers take turns anyway")
    event_id = (await load_event(store)).id
    raw = await asyncpg.connect(store.url.replace("postgresql://", "postgres://", 1))
    try:
        async with store.transaction():
            await places.lock_event(store, event_id)
            await raw.execute("SET lock_timeout = '2s'")
            async with raw.transaction():
                # What PostgreSQL's foreign-key check takes on the referenced row.
                assert await raw.fetchval("SELECT id FROM events WHERE id = $1 FOR KEY SHARE", event_id) == event_id
            with pytest.raises(asyncpg.LockNotAvailableError):
                async with raw.transaction():
                    await raw.execute("SET LOCAL lock_timeout = '200ms'")
                    await raw.fetchval("SELECT id FROM events WHERE id = $1 FOR NO KEY UPDATE", event_id)
    finally:
        await raw.close()
