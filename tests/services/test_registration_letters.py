"""The letter a registration causes: stored as a description, written just before it is sent."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import icalendar
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from events_app.data import tables as t
from events_app.data.database import Row, Store
from events_app.domain.tickets import ticket_url
from events_app.services.attendance import join_links
from events_app.services.mail.outbox import DeliveryReport, SmtpTransport, deliver_due
from events_app.services.programme import catalogue
from events_app.services.programme.catalogue import EventView, SessionView
from events_app.services.registration import letters
from events_app.services.registration.views import online_links, registration_view
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import NOW, load_event, register
from tests.smtp_server import Inbox, inbox, smtp_url

__all__ = ["inbox", "smtp_url"]  # fixtures, taken by name


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def test_a_registration_queues_a_description_of_its_letter(store: Store, settings: Settings) -> None:
    await load_event(store)

    result = await register(store, settings, 0)

    rows = await store.fetch_all(sa.select(t.outbox).where(t.outbox.c.registration_id == result.id))
    assert [(row["letter"], row["message"], row["recipient"], row["status"], row["created_at"]) for row in rows] == [
        ("registration:confirmed", "", "delegate0@example.ru", "pending", NOW)]
    assert rows[0]["subject"] == "Ваш билет: Практическая сессия по развитию промышленных кластеров России"


async def test_the_letter_written_at_sending_is_the_letter_built_at_registration(
        store: Store, settings: Settings, smtp_url: str, inbox: Inbox) -> None:
    await load_event(store)
    result = await register(store, settings, 0)
    view = await registration_view(store, result.id)
    built_then = letters.build_message(
        settings, view, "confirmed", now=NOW, calendar=await letters.event_calendar(store, settings, view.event.slug),
        online=await online_links(store, settings.base_url, view))

    report = await deliver_due(store, SmtpTransport(smtp_url), now=NOW, render=letters.writer(store, settings))

    assert len(report.sent) == 1
    [received] = inbox.received
    sent = received.message
    assert received.rcpt_tos == ["delegate0@example.ru"]
    assert (sent["To"], sent["Subject"], sent["Date"]) == (built_then["To"], built_then["Subject"], built_then["Date"])
    assert sent.get_body(("plain",)).get_content() == built_then.get_body(("plain",)).get_content()
    assert sent.get_body(("html",)).get_content() == built_then.get_body(("html",)).get_content()
    [qr] = [part for part in sent.walk() if part.get_content_type() == "image/png"]
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.get_content())).convert("L"))
    assert [code.text for code in decoded] == [ticket_url(settings.base_url, result.ticket_secret or "")]
    [calendar] = [part for part in sent.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert calendar.get_filename() == "syktyvkar-2021.ics"
    [calendar_then] = [part for part in built_then.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert calendar.get_payload(decode=True) == calendar_then.get_payload(decode=True)
    assert icalendar.Calendar.from_ical(calendar.get_payload(decode=True)).walk("VEVENT")
    row = await store.fetch_one(sa.select(t.outbox.c.status, t.outbox.c.sent_at))
    assert row is not None and (row["status"], row["sent_at"]) == ("sent", NOW)


async def test_a_waitlisted_delegate_is_told_so_without_a_ticket(
        store: Store, settings: Settings, smtp_url: str, inbox: Inbox) -> None:
    ids = (await load_event(store, session_capacity={"visit-mondi": 1})).sessions
    await register(store, settings, 0, sessions=[str(ids["visit-mondi"])])
    await register(store, settings, 1, sessions=[str(ids["visit-mondi"])])

    await deliver_due(store, SmtpTransport(smtp_url), now=NOW, render=letters.writer(store, settings))

    by_recipient = {item.rcpt_tos[0]: item.message for item in inbox.received}
    assert sorted(by_recipient) == ["delegate0@example.ru", "delegate1@example.ru"]
    second = by_recipient["delegate1@example.ru"]
    assert second["Subject"] == "Ваш билет: Практическая сессия по развитию промышленных кластеров России"
    assert "лист ожидания" in second.get_body(("plain",)).get_content()


async def test_a_letter_sent_again_after_a_crash_keeps_its_message_id(
        store: Store, settings: Settings, smtp_url: str, inbox: Inbox) -> None:
    await load_event(store)
    await register(store, settings, 0)
    writer = letters.writer(store, settings)
    await deliver_due(store, SmtpTransport(smtp_url), now=NOW, render=writer)
    # As if the process died after the SMTP server accepted it and before the row was marked sent.
    await store.execute(t.outbox.update().values(status="pending", sent_at=None))

    await deliver_due(store, SmtpTransport(smtp_url), now=NOW, render=writer)

    first, again = (item.message for item in inbox.received)
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].endswith("@events.example.org>")


async def test_a_sender_that_cannot_write_the_letter_keeps_it_for_later(
        store: Store, settings: Settings, smtp_url: str, inbox: Inbox) -> None:
    await load_event(store)
    await register(store, settings, 0)

    report = await deliver_due(store, SmtpTransport(smtp_url), now=NOW)

    assert len(report.failed) == 1 and inbox.received == []
    row = await store.fetch_one(sa.select(t.outbox.c.status, t.outbox.c.attempts, t.outbox.c.last_error))
    assert row is not None and (row["status"], row["attempts"]) == ("pending", 1)
    assert "no writer" in row["last_error"]
    assert await deliver_due(store, SmtpTransport(smtp_url), now=NOW, render=letters.writer(store, settings)) == \
        DeliveryReport()  # not yet due again: it waits for its back-off like any failed letter


async def test_the_letters_of_one_round_read_the_programme_once(
        store: Store, settings: Settings, smtp_url: str, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = (await load_event(store)).sessions
    for n in range(5):
        await register(store, settings, n, sessions=[str(ids["visit-mondi"])])
    reads: list[str] = []
    real_list_sessions, real_online_sessions = catalogue.list_sessions, join_links.online_sessions

    async def list_sessions(store: Store, event: EventView, **options: Any) -> list[SessionView]:
        reads.append(f"sessions of {event.slug}")
        return await real_list_sessions(store, event, **options)

    async def online_sessions(store: Store, event_id: int) -> list[Row]:
        reads.append("webinars")
        return await real_online_sessions(store, event_id)

    monkeypatch.setattr(catalogue, "list_sessions", list_sessions)
    monkeypatch.setattr(join_links, "online_sessions", online_sessions)

    report = await deliver_due(store, SmtpTransport(smtp_url), now=NOW, render=letters.writer(store, settings))

    assert len(report.sent) == 5
    assert reads == ["sessions of syktyvkar-2021", "webinars"]
    # Each letter still names the delegate's own site visit, with its own place.
    visit_title = await store.fetch_val(sa.select(t.sessions.c.title).where(t.sessions.c.id == ids["visit-mondi"]))
    for item in inbox.received:
        text = item.message.get_body(("plain",)).get_content()
        assert f"{visit_title} — место за вами" in text


async def test_a_programme_change_between_rounds_shows_in_the_next_letters(
        store: Store, settings: Settings, smtp_url: str, inbox: Inbox) -> None:
    ids = (await load_event(store)).sessions
    writer = letters.writer(store, settings)
    old_title = await store.fetch_val(sa.select(t.sessions.c.title).where(t.sessions.c.id == ids["visit-mondi"]))
    await register(store, settings, 0, sessions=[str(ids["visit-mondi"])])
    await deliver_due(store, SmtpTransport(smtp_url), now=NOW, render=writer)
    new_title = "Визит на АО «Монди СЛПК»: новый маршрут"
    await store.execute(t.sessions.update().where(t.sessions.c.id == ids["visit-mondi"]).values(title=new_title))
    await register(store, settings, 1, sessions=[str(ids["visit-mondi"])])

    await deliver_due(store, SmtpTransport(smtp_url), now=NOW, render=writer)

    first, second = (item.message for item in inbox.received)
    assert old_title in first.get_body(("plain",)).get_content()
    assert new_title not in first.get_body(("plain",)).get_content()
    text = second.get_body(("plain",)).get_content()
    assert f"{new_title} — место за вами" in text and old_title not in text
    # The attached calendar is the programme as it is now, too.
    [calendar] = [part for part in second.iter_attachments() if part.get_content_type() == "text/calendar"]
    summaries = [str(event["SUMMARY"]) for event in
                 icalendar.Calendar.from_ical(calendar.get_payload(decode=True)).walk("VEVENT")]
    assert new_title in summaries and old_title not in summaries
