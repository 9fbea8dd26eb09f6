"""Who counts as the same delegate registering twice, and who is only flagged for a look."""

from __future__ import annotations

from events_app.domain.duplicates import Registrant, possible_duplicates, same_delegate


def test_same_address_in_other_letter_case_and_same_name_is_the_same_delegate() -> None:
    assert same_delegate(email="Anna.Ivanova@Example.ru", surname="Иванова", given_name="Алёна",
                         other_email="anna.ivanova@example.ru", other_surname="ИВАНОВА", other_given_name="Алена")


def test_same_address_with_another_given_name_is_another_person() -> None:
    assert not same_delegate(email="office@example.ru", surname="Иванов", given_name="Пётр",
                             other_email="office@example.ru", other_surname="Иванов", other_given_name="Сергей")


def test_same_phone_or_same_name_and_organisation_are_flagged_both_ways() -> None:
    people = [
        Registrant(1, "Петров", "Иван", "+7 912 000-11-22", "ООО «Лузалес»"),
        Registrant(2, "Петров", "Иван", None, "Лузалес"),
        Registrant(3, "Сидорова", "Мария", "8 (912) 000-11-22", "АО «Монди СЛПК»"),
        Registrant(4, "Кузнецов", "Олег", "+7 900 123-45-67", "ООО «Лузалес»"),
    ]

    assert possible_duplicates(people) == {1: (2, 3), 2: (1,), 3: (1,)}
