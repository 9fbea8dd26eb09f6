"""The completion rule at its boundaries, and the certificate PDF read back as a person would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from events_app.domain.certificates import (
    ERASED_NAME,
    CertificateText,
    CheckinRule,
    CompletionRule,
    certificate_pdf,
    check_rule,
    new_number,
    qualifies,
)
from events_app.domain.errors import InvalidInput
from tests.pdf_support import needs_pdftoppm, page_text, qr_texts, render_pages

DEFENCE_DAY = date(2022, 10, 27)
SIX_OF_EIGHT = CompletionRule(min_online=6, checkin=CheckinRule.DAY, checkin_day=DEFENCE_DAY)


@pytest.mark.parametrize(("joined", "days", "expected"), [
    (6, {DEFENCE_DAY}, True),
    (8, {DEFENCE_DAY, date(2022, 10, 28)}, True),
    (5, {DEFENCE_DAY}, False),  # one webinar short
    (6, {date(2022, 10, 28)}, False),  # checked in, but not on the defence day
    (6, set(), False),
    (0, {DEFENCE_DAY}, False),
])
def test_six_of_eight_and_the_defence_day(joined: int, days: set[date], expected: bool) -> None:
    assert qualifies(SIX_OF_EIGHT, online_joined=joined, checked_in_days=days) is expected


def test_any_day_and_online_only_rules() -> None:
    any_day = CompletionRule(min_online=0, checkin=CheckinRule.ANY)
    online_only = CompletionRule(min_online=8, checkin=CheckinRule.NONE)

    assert qualifies(any_day, online_joined=0, checked_in_days={date(2021, 4, 2)})
    assert not qualifies(any_day, online_joined=3, checked_in_days=set())
    assert qualifies(online_only, online_joined=8, checked_in_days=set())
    assert not qualifies(online_only, online_joined=7, checked_in_days={date(2021, 4, 2)})


def test_a_rule_that_cannot_be_met_or_admits_everyone_is_refused() -> None:
    days = [DEFENCE_DAY]
    with pytest.raises(InvalidInput) as too_many:
        check_rule(CompletionRule(min_online=9, checkin=CheckinRule.ANY), online_sessions=8, event_days=days)
    with pytest.raises(InvalidInput) as no_day:
        check_rule(CompletionRule(min_online=6, checkin=CheckinRule.DAY), online_sessions=8, event_days=days)
    with pytest.raises(InvalidInput) as everyone:
        check_rule(CompletionRule(min_online=0, checkin=CheckinRule.NONE), online_sessions=8, event_days=days)

    assert set(too_many.value.fields) == {"min_online"}
    assert set(no_day.value.fields) == {"checkin_day"}
    assert set(everyone.value.fields) == {"checkin"}
    assert check_rule(SIX_OF_EIGHT, online_sessions=8, event_days=days) == SIX_OF_EIGHT


def test_numbers_are_unique_and_carry_year_event_and_sequence() -> None:
    numbers = {new_number(year=2022, event_id=14, sequence=31) for _ in range(50)}

    assert len(numbers) == 50
    assert all(number.startswith("2022-014-00031-") and len(number) == 19 for number in numbers)


def _text(holder: str | None) -> CertificateText:
    return CertificateText(
        number="2022-014-00031-K7QF", holder=holder, event_title="Методическая программа «PROКЛАСТЕРЫ»",
        dates="1 сентября – 28 октября 2022", city="Москва", hours=72,
        organisers=["Министерство промышленности и торговли Российской Федерации"],
        signatory="Д. И. Королев, заместитель директора", issued_on="1 ноября 2022 г.",
        url="https://events.example.org/c/2022-014-00031-K7QF")


@needs_pdftoppm
def test_certificate_pdf_shows_the_name_and_its_qr_opens_the_verification_page(tmp_path: Path) -> None:
    pdf = certificate_pdf(_text("Римская-Корсакова Александра Константиновна"))

    [page] = render_pages(pdf, tmp_path)
    text = page_text(pdf)
    assert qr_texts(page) == ["https://events.example.org/c/2022-014-00031-K7QF"]
    for words in ("СЕРТИФИКАТ", "выдан", "Римская-Корсакова Александра Константиновна", "72 ак. ч.",
                  "Министерство промышленности", "Д. И. Королев", "1 ноября 2022 г.", "№ 2022-014-00031-K7QF"):
        assert words in text


def test_an_erased_holder_leaves_no_name_in_the_pdf() -> None:
    text = page_text(certificate_pdf(_text(None)))

    assert ERASED_NAME in text
    assert "Римская" not in text
