"""Certificates on both backends: the rule applied to real joins and check-ins, issuing with the
letter and its PDF, revoking, the register, and erasure when consent is withdrawn."""

from __future__ import annotations

import email
import email.policy
import io
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.certificates import ERASED_NAME, CheckinRule, CompletionRule
from events_app.domain.errors import DomainError, InvalidInput, NotFound
from events_app.services.attendance import join_links
from events_app.services.certificates import issuing
from events_app.services.registration import signup
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.pdf_support import page_text
from tests.services.document_support import load_event, register

SLUG = "proclusters-2022"
DEFENCE_DAY = date(2022, 10, 27)
ISSUED = datetime(2022, 11, 1, 9, 0, tzinfo=UTC)
RULE = CompletionRule(min_online=6, checkin=CheckinRule.DAY, checkin_day=DEFENCE_DAY, hours=72,
                      signatory="Д. И. Королев")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


async def _attend(store: Store, ids: dict[str, int], registration_id: int, *, webinars: int,
                  days: tuple[date, ...]) -> None:
    """Join the first `webinars` webinars through the delegate's links; check in on `days`."""
    sessions = [ids[f"webinar-{n}"] for n in range(1, 9)]
    tokens = await join_links.tokens_for(store, registration_id, sessions)
    for session_id in sessions[:webinars]:
        await join_links.follow(store, tokens[session_id], now=ISSUED)
    device = await store.fetch_val(sa.select(t.devices.c.id))
    if device is None:
        device = await store.insert(t.devices.insert().values(
            event_id=ids["event"], name="Вход", default_list="entry-2022-10-27", token_hash="x" * 64)
            .returning(t.devices.c.id))
    for day in days:
        await store.execute(t.checkins.insert().values(
            event_id=ids["event"], registration_id=registration_id, list_name=f"entry-{day.isoformat()}",
            type="entry", nonce=f"{registration_id}-{day}", device_id=device, scanned_at=ISSUED, recorded_at=ISSUED))


async def _three(store: Store, settings: Settings) -> tuple[dict[str, int], dict[str, int]]:
    ids = await load_event(store, SLUG)
    people = {}
    for n, (surname, webinars, days) in enumerate([("Шестова", 6, (DEFENCE_DAY,)), ("Пятова", 5, (DEFENCE_DAY,)),
                                                   ("Завтрова", 8, (date(2022, 10, 28),))]):
        result = await register(store, settings, n, slug=SLUG, surname=surname, days=("2022-10-27", "2022-10-28"))
        await _attend(store, ids, result.id, webinars=webinars, days=days)
        people[surname] = result.id
    return ids, people


async def test_preview_applies_six_of_eight_and_the_defence_day_exactly(store: Store, settings: Settings) -> None:
    ids, people = await _three(store, settings)
    await issuing.save_rule(store, event_id=ids["event"], rule=RULE, actor=None, now=ISSUED)

    found = await issuing.preview(store, ids["event"])

    assert found.online_sessions == 8
    assert {(c.name.split()[0], c.online_joined, c.qualifies) for c in found.candidates} == {
        ("Шестова", 6, True), ("Пятова", 5, False), ("Завтрова", 8, False)}
    assert found.qualifying == 1


async def test_issue_numbers_mails_the_pdf_once_and_skips_those_who_have_one(store: Store,
                                                                            settings: Settings) -> None:
    ids, people = await _three(store, settings)
    with pytest.raises(DomainError):
        await issuing.issue(store, settings, event_id=ids["event"], now=ISSUED)
    await issuing.save_rule(store, event_id=ids["event"], rule=RULE, actor=None, now=ISSUED)

    numbers = await issuing.issue(store, settings, event_id=ids["event"], now=ISSUED, actor_label="cli")
    again = await issuing.issue(store, settings, event_id=ids["event"], now=ISSUED)

    assert len(numbers) == 1 and numbers[0].startswith(f"2022-{ids['event']:03d}-00001-")
    assert again == []
    letter = email.message_from_string(await store.fetch_val(
        sa.select(t.outbox.c.message).where(t.outbox.c.registration_id == people["Шестова"])
        .order_by(t.outbox.c.id.desc()).limit(1)), policy=email.policy.default)
    assert str(letter["Subject"]).startswith("Ваш сертификат: Методическая программа")
    [attachment] = [part for part in letter.iter_attachments() if part.get_content_type() == "application/pdf"]
    text = page_text(attachment.get_content())
    assert "Шестова Анна Сергеевна" in text and "72 ак. ч." in text and numbers[0] in text
    assert f"https://events.example.org/c/{numbers[0]}" in letter.get_body(("plain",)).get_content()
    certificate = await issuing.find(store, numbers[0])
    assert (certificate.holder, certificate.valid, certificate.issued_at) == ("Шестова Анна Сергеевна", True, ISSUED)


async def test_revoked_certificate_is_found_as_revoked_and_listed_so(store: Store, settings: Settings) -> None:
    ids, _ = await _three(store, settings)
    await issuing.save_rule(store, event_id=ids["event"], rule=RULE, actor=None, now=ISSUED)
    [number] = await issuing.issue(store, settings, event_id=ids["event"], now=ISSUED)

    await issuing.revoke(store, event_id=ids["event"], number=number, now=ISSUED)

    certificate = await issuing.find(store, number)
    assert (certificate.valid, certificate.revoked_at) == (False, ISSUED)
    with pytest.raises(NotFound):
        await issuing.revoke(store, event_id=ids["event"] + 1, number=number, now=ISSUED)
    with pytest.raises(NotFound):
        await issuing.find(store, "2022-001-00001-XXXX")
    content = await issuing.register(store, ids["event"], actor=None, now=ISSUED)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("№ сертификата", "ФИО")
    assert rows[1][0] == number and rows[1][1] == "Шестова Анна Сергеевна" and rows[1][4] is not None
    assert rows[1][5] == 6


async def test_withdrawn_consent_erases_the_name_from_page_data_and_pdf(store: Store, settings: Settings) -> None:
    ids, people = await _three(store, settings)
    await issuing.save_rule(store, event_id=ids["event"], rule=RULE, actor=None, now=ISSUED)
    [number] = await issuing.issue(store, settings, event_id=ids["event"], now=ISSUED)

    await signup.withdraw_consent(store, settings, people["Шестова"], now=ISSUED)

    certificate = await issuing.find(store, number)
    text = page_text(await issuing.certificate_pdf(store, settings, number))
    assert certificate.holder is None
    assert "Шестова" not in text and ERASED_NAME in text
    assert await store.fetch_val(sa.select(sa.func.count()).select_from(t.outbox)
                                 .where(t.outbox.c.registration_id == people["Шестова"])) == 0


async def test_a_rule_that_cannot_be_met_is_refused(store: Store, settings: Settings) -> None:
    ids = await load_event(store, SLUG)

    with pytest.raises(InvalidInput) as refused:
        await issuing.save_rule(store, event_id=ids["event"], rule=CompletionRule(min_online=9), actor=None,
                                now=ISSUED)

    assert set(refused.value.fields) == {"min_online"}
    assert await issuing.get_rule(store, ids["event"]) is None
