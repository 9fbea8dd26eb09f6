"""Sealing passport fields, checking the form, and the key setting."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest

from events_app.domain.errors import InvalidInput
from events_app.domain.visitor_data import (
    UnreadableVisitorData,
    VisitorFields,
    open_sealed,
    seal,
    validate_visitor_fields,
)
from events_app.settings import SettingsError, load_settings

KEY = bytes(range(32))
FIELDS = VisitorFields("8710", "123456", date(1980, 5, 17), "Российская Федерация")
TODAY = date(2026, 11, 27)


def test_sealed_fields_open_with_the_same_key_and_registration() -> None:
    sealed = seal(FIELDS, key=KEY, registration_id=7)

    assert open_sealed(sealed, key=KEY, registration_id=7) == FIELDS
    assert "123456" not in sealed and "8710" not in sealed and sealed.startswith("v1.")


def test_sealing_twice_gives_different_text() -> None:
    assert seal(FIELDS, key=KEY, registration_id=7) != seal(FIELDS, key=KEY, registration_id=7)


@pytest.mark.parametrize("case", ["other_key", "other_registration", "tampered", "garbage"])
def test_sealed_fields_do_not_open_otherwise(case: str) -> None:
    sealed = seal(FIELDS, key=KEY, registration_id=7)
    key, registration_id = KEY, 7
    if case == "other_key":
        key = bytes(32)
    elif case == "other_registration":
        registration_id = 8
    elif case == "tampered":
        sealed = sealed[:-2] + ("AA" if not sealed.endswith("AA") else "BB")
    else:
        sealed = "not sealed at all"

    with pytest.raises(UnreadableVisitorData):
        open_sealed(sealed, key=key, registration_id=registration_id)


def test_valid_form_gives_clean_fields() -> None:
    fields = validate_visitor_fields({"passport_series": "87 10", "passport_number": " 123456 ",
                                      "birth_date": "1980-05-17", "citizenship": "", "visitor_consent": "on"},
                                     today=TODAY)

    assert fields == FIELDS


@pytest.mark.parametrize("field, value", [
    ("passport_series", ""), ("passport_series", "1"), ("passport_number", "12"), ("passport_number", "12-34-56"),
    ("birth_date", "17.05.1980"), ("birth_date", "2020-01-01"), ("birth_date", "1900-01-01"),
    ("visitor_consent", ""), ("citizenship", "х" * 81),
])
def test_each_wrong_field_is_named(field: str, value: str) -> None:
    data = {"passport_series": "8710", "passport_number": "123456", "birth_date": "1980-05-17",
            "citizenship": "Российская Федерация", "visitor_consent": "on", field: value}

    with pytest.raises(InvalidInput) as error:
        validate_visitor_fields(data, today=TODAY)

    assert list(error.value.fields) == [field]


def _settings(tmp_path: Path, **extra: str):
    return load_settings({"EVENTS_DATA_DIR": str(tmp_path), "EVENTS_SECRET_KEY": "s" * 40, **extra})


def test_visitor_data_key_is_read_from_the_setting(tmp_path: Path) -> None:
    text = base64.urlsafe_b64encode(KEY).decode().rstrip("=")

    assert _settings(tmp_path, EVENTS_VISITOR_DATA_KEY=text).visitor_data_key == KEY


def test_visitor_data_key_defaults_to_one_derived_from_the_secret_key(tmp_path: Path) -> None:
    first, again = _settings(tmp_path), _settings(tmp_path)
    other = load_settings({"EVENTS_DATA_DIR": str(tmp_path), "EVENTS_SECRET_KEY": "t" * 40})

    assert len(first.visitor_data_key) == 32
    assert first.visitor_data_key == again.visitor_data_key != other.visitor_data_key
    assert first.visitor_data_days == 7


@pytest.mark.parametrize("name, value, message", [
    ("EVENTS_VISITOR_DATA_KEY", "short", "EVENTS_VISITOR_DATA_KEY: must be 32 bytes in URL-safe base64"),
    ("EVENTS_VISITOR_DATA_KEY", "!!!!" * 11, "EVENTS_VISITOR_DATA_KEY: must be 32 bytes in URL-safe base64"),
    ("EVENTS_VISITOR_DATA_DAYS", "soon", "EVENTS_VISITOR_DATA_DAYS: must be a whole number of days from 0 to 365"),
    ("EVENTS_VISITOR_DATA_DAYS", "400", "EVENTS_VISITOR_DATA_DAYS: must be a whole number of days from 0 to 365"),
])
def test_malformed_visitor_data_settings_stop_start_up(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as error:
        _settings(tmp_path, **{name: value})

    assert str(error.value).startswith(message)
