"""Validation of the Russian taxpayer identification number (ИНН)."""

from __future__ import annotations

__all__ = ["InvalidINN", "validate_inn", "is_valid_inn"]

MSG_LENGTH = "ИНН состоит из 10 цифр (организация) или 12 цифр (ИП)"
MSG_DIGITS = "ИНН может содержать только цифры"
MSG_CHECKSUM = "Неверная контрольная цифра ИНН"

_ASCII_DIGITS = frozenset("0123456789")

_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12_FIRST = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12_SECOND = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


class InvalidINN(ValueError):
    pass


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def validate_inn(value: str) -> str:
    """Return the INN with surrounding whitespace removed, or raise ``InvalidINN``.

    Characters are checked before length, so ``"12ab"`` reports non-digits rather
    than a wrong length. Only ASCII digits are accepted.
    """
    inn = value.strip()
    if not _ASCII_DIGITS.issuperset(inn):
        raise InvalidINN(MSG_DIGITS)
    if len(inn) == 10:
        valid = _check_digit(inn[:9], _WEIGHTS_10) == int(inn[9])
    elif len(inn) == 12:
        valid = (
            _check_digit(inn[:10], _WEIGHTS_12_FIRST) == int(inn[10])
            and _check_digit(inn[:11], _WEIGHTS_12_SECOND) == int(inn[11])
        )
    else:
        raise InvalidINN(MSG_LENGTH)
    if not valid:
        raise InvalidINN(MSG_CHECKSUM)
    return inn


def is_valid_inn(value: str) -> bool:
    try:
        validate_inn(value)
    except InvalidINN:
        return False
    return True
