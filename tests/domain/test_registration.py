from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from events_app.domain.errors import InvalidInput
from events_app.domain.registration import Category, clean_text, normalise_phone, validate_registration

DAYS = [date(2021, 4, 1), date(2021, 4, 2)]
SESSIONS = {10: date(2021, 4, 1), 11: date(2021, 4, 1), 20: date(2021, 4, 2)}
VALID: dict[str, Any] = {
    "surname": "Иванова", "given_name": "Анна", "patronymic": "Сергеевна", "email": "Anna.Ivanova@Example.RU",
    "phone": "8 (912) 345-67-89", "organisation_name": "ООО «Лузалес»", "organisation_inn": "7707083893",
    "position": "главный инженер", "region_code": "11", "category": "enterprise",
    "days": ["2021-04-01"], "sessions": ["10"], "consent": "on",
}


def _errors(**changes: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        validate_registration({**VALID, **changes}, event_days=DAYS, session_days=SESSIONS)
    return caught.value.fields


def test_valid_form_is_normalised() -> None:
    form = validate_registration(VALID, event_days=DAYS, session_days=SESSIONS)

    assert form.phone == "+79123456789"
    assert form.email == "Anna.Ivanova@example.ru"
    assert form.category is Category.ENTERPRISE
    assert (form.days, form.session_ids) == ((date(2021, 4, 1),), (10,))
    assert form.full_name == "Иванова Анна Сергеевна"


@pytest.mark.parametrize(("raw", "expected"), [
    ("+7 912 345 67 89", "+79123456789"), ("89123456789", "+79123456789"), ("9123456789", "+79123456789"),
    ("+7(8212)24-00-00", "+78212240000"), ("7 912 345-67-89", "+79123456789"),
])
def test_phone_numbers_are_written_as_plus_seven(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(("field", "value", "message"), [
    ("surname", "", "Enter your surname"),
    ("surname", "Иван0в", "Use letters only; a hyphen, an apostrophe or a space may join parts"),
    ("surname", "Я" * 101, "This is too long"),
    ("given_name", "   ", "Enter your given name"),
    ("email", "", "Enter your e-mail address"),
    ("email", "anna@", "Enter an e-mail address such as name@example.ru"),
    ("phone", "", "Enter your phone number"),
    ("phone", "+44 20 7946 0958", "Enter a Russian number starting with +7 or 8"),
    ("phone", "912-345", "Enter the number with its area code: ten digits after +7"),
    ("phone", "912 abc 45", "A phone number consists of digits, spaces, brackets and hyphens"),
    ("organisation_name", "", "Enter the name of your organisation"),
    ("organisation_inn", "770708389", "An INN has 10 digits (an organisation) or 12 digits (a sole trader)"),
    ("organisation_inn", "7707083894", "The INN's check digit is wrong: please check the number"),
    ("position", "", "Enter your position"),
    ("region_code", "", "Choose your region"),
    ("region_code", "99", "Choose a region from the list"),
    ("category", "", "Choose who you represent"),
    ("category", "tourist", "Choose a category from the list"),
    ("days", [], "Choose at least one day you will attend"),
    ("days", ["2021-04-05"], "Choose days from the list"),
    ("sessions", ["99"], "Choose sessions from the list"),
    ("sessions", ["20"], "A chosen session is on a day you do not attend"),
    ("consent", "", "Registration needs your consent to the processing of personal data"),
])
def test_each_wrong_field_gets_its_own_message(field: str, value: Any, message: str) -> None:
    assert _errors(**{field: value}) == {field: message}


def test_every_wrong_field_is_reported_at_once() -> None:
    assert set(_errors(surname="", email="x", consent=None)) == {"surname", "email", "consent"}


def test_patronymic_and_inn_are_optional() -> None:
    form = validate_registration({**VALID, "patronymic": "", "organisation_inn": ""}, event_days=DAYS,
                                 session_days=SESSIONS)

    assert (form.patronymic, form.organisation_inn) == (None, None)


def test_one_day_event_needs_no_day_choice() -> None:
    form = validate_registration({**VALID, "days": [], "sessions": []}, event_days=[date(2021, 4, 27)], session_days={})

    assert form.days == (date(2021, 4, 27),)


def test_hyphenated_and_apostrophe_names_are_accepted() -> None:
    form = validate_registration({**VALID, "surname": "Петрова-Водкина", "given_name": "Д’Артаньян"},
                                 event_days=DAYS, session_days=SESSIONS)

    assert (form.surname, form.given_name) == ("Петрова-Водкина", "Д’Артаньян")


def test_text_is_unicode_normalised_and_stripped_of_control_characters() -> None:
    decomposed = "Семе\u0308нов"  # е + combining diaeresis
    assert clean_text(f"  {decomposed}\x00\n  ") == "Семёнов"
