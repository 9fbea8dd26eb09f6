"""The booking form's rules and the cancellation deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events_app.domain.consultations import may_book, may_cancel, validate_booking
from events_app.domain.errors import InvalidInput
from tests.consultation_support import person

START = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)


def test_validate_booking_accepts_the_registration_api_names() -> None:
    form = validate_booking(person(1))
    assert (form.surname, form.given_name, form.organisation_name, form.organisation_inn, form.phone) == (
        "Петрова", "Мария", "ООО «Швейная фабрика 1»", "7707083893", "+79120000000")
    assert form.full_name == "Петрова Мария Ивановна"


def test_validate_booking_accepts_the_registration_form_names() -> None:
    form = validate_booking({"surname": "Олькова", "given_name": "Анна", "email": "anna@Example.RU",
                             "phone": "8 (912) 111-22-33", "organisation_name": "ИП Олькова", "consent": "on"})
    assert (form.given_name, form.email, form.phone, form.organisation_inn) == (
        "Анна", "anna@example.ru", "+79121112233", None)


@pytest.mark.parametrize(("changes", "field"), [
    ({"surname": ""}, "surname"),
    ({"given": "М4рия"}, "given_name"),
    ({"email": "not-an-address"}, "email"),
    ({"phone": "12345"}, "phone"),
    ({"organisation": "  "}, "organisation_name"),
    ({"inn": "7707083890"}, "organisation_inn"),
    ({"consent": False}, "consent"),
])
def test_validate_booking_names_each_wrong_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_booking(person(1, **changes))
    assert list(raised.value.fields) == [field]


def test_booking_closes_when_the_slot_starts_or_is_cancelled() -> None:
    assert may_book(starts_at=START, cancelled=False, now=START - timedelta(seconds=1))
    assert not may_book(starts_at=START, cancelled=False, now=START)
    assert not may_book(starts_at=START, cancelled=True, now=START - timedelta(days=1))


def test_cancellation_is_open_until_two_hours_before() -> None:
    assert may_cancel(starts_at=START, now=START - timedelta(hours=2, seconds=1))
    assert not may_cancel(starts_at=START, now=START - timedelta(hours=2))


def test_a_long_cyrillic_reminder_subject_folds_and_reads_back_whole() -> None:
    import email
    import email.policy

    from events_app.domain.mail import POLICY, compose

    subject = ("Напоминание: до консультации осталось менее часа, 1 апреля, среда, 10:00 — "
               "«Реестр промышленных кластеров Минпромторга России»")
    text = compose(sender="noreply@example.org", recipient="Петрова Мария <maria@example.org>", subject=subject,
                   text="…").as_string(policy=POLICY)

    header = text.split("\r\n\r\n", 1)[0].split("\r\n")
    assert all(len(line) <= 78 for line in header)
    assert email.message_from_string(text, policy=email.policy.default)["Subject"] == subject
