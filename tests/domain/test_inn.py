from __future__ import annotations

import pytest

from events_app.domain.inn import InvalidINN, is_valid_inn, validate_inn

LENGTH = "ИНН состоит из 10 цифр (организация) или 12 цифр (ИП)"
DIGITS = "ИНН может содержать только цифры"
CHECKSUM = "Неверная контрольная цифра ИНН"

# Each value below was checked by hand against the weights, e.g. 7707083893:
# 7*2+7*4+0*10+7*3+0*5+8*9+3*4+8*6+9*8 = 267; 267 % 11 = 3; 3 % 10 = 3 == last digit.
VALID = [
    "7707083893",  # ПАО Сбербанк
    "7736207543",  # ООО «Яндекс»: sum 190, 190 % 11 = 3
    "7704211201",  # sum 89, 89 % 11 = 1
    "5000000000",  # sum 10, 10 % 11 = 10, 10 % 10 = 0 (exercises the "mod 10" step)
    "500100732259",  # sums 148 -> 5 and 141 -> 9
]


@pytest.mark.parametrize("inn", VALID)
def test_valid_inn(inn: str) -> None:
    assert validate_inn(inn) == inn
    assert is_valid_inn(inn) is True


@pytest.mark.parametrize("raw", [" 7707083893", "7707083893 ", "\t500100732259\n", "  7736207543  "])
def test_surrounding_whitespace_is_stripped(raw: str) -> None:
    assert validate_inn(raw) == raw.strip()
    assert is_valid_inn(raw) is True


def _error(value: str) -> str:
    with pytest.raises(InvalidINN) as exc_info:
        validate_inn(value)
    assert is_valid_inn(value) is False
    return str(exc_info.value)


def test_invalid_inn_is_a_value_error() -> None:
    assert issubclass(InvalidINN, ValueError)
    with pytest.raises(ValueError):
        validate_inn("123")


@pytest.mark.parametrize(
    "value", ["", "   ", "123", "770708389", "77070838930", "5001007322590", "1234567890123"]
)
def test_wrong_length(value: str) -> None:
    assert _error(value) == LENGTH


@pytest.mark.parametrize(
    "value",
    [
        "77070838a3",
        "ABCDEFGHIJ",
        "7707 083893",
        "7707-083893",
        "-707083893",
        "+77070838930",
        "５００１００７３２２５９",  # full-width digits are not accepted
        "７７０７０８３８９３",
        "12ab",
    ],
)
def test_non_digits(value: str) -> None:
    assert _error(value) == DIGITS


def test_wrong_check_digit_10() -> None:
    assert _error("7707083894") == CHECKSUM
    assert _error("5000000001") == CHECKSUM


def test_wrong_first_check_digit_12() -> None:
    # Digit 11 is 6 instead of 5; digit 12 (6) is what the second formula gives
    # for 50010073226: 141 - 5*8 + 6*8 = 149, 149 % 11 = 6. Only digit 11 is wrong.
    assert _error("500100732266") == CHECKSUM


def test_wrong_second_check_digit_12() -> None:
    # Digit 11 is correct (5); digit 12 should be 9.
    assert _error("500100732258") == CHECKSUM


def test_wrong_both_check_digits_12() -> None:
    assert _error("500100732200") == CHECKSUM
