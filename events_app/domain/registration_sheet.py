"""An event's registrations as a spreadsheet for organisers: .xlsx and .csv, Russian headers.

Written by `spreadsheet`, like the programme: a CSV Excel with Russian regional settings opens
by double-click, and text a spreadsheet would run as a formula written inert.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from events_app.domain.spreadsheet import Column, Sheet, to_csv, to_xlsx

COLUMNS = tuple(Column(header, width, wrap=True, number_format=number_format) for header, width, number_format in (
    ("№", 7, None), ("Статус", 14, None), ("Фамилия", 18, None), ("Имя", 14, None), ("Отчество", 18, None),
    ("Организация", 36, None), ("ИНН", 13, None), ("Должность", 24, None), ("Регион", 26, None),
    ("Категория", 24, None), ("E-mail", 28, None), ("Телефон", 14, None), ("Дни", 22, None), ("Записи", 50, None),
    ("Зарегистрирован", 17, "DD.MM.YYYY HH:MM"), ("Причина отказа", 30, None)))
HEADERS = tuple(column.header for column in COLUMNS)
SHEET_TITLE = "Регистрации"
# A stored phone number (+7 and digits, checked at registration) is no formula: kept as it is.
PHONE = re.compile(r"\+\d{11}")


@dataclass(frozen=True)
class SheetRow:
    """One registration, every value already in the words the sheet shows."""

    id: int
    status: str
    surname: str
    given_name: str
    patronymic: str
    organisation: str
    inn: str
    position: str
    region: str
    category: str
    email: str
    phone: str
    days: str
    choices: str
    registered_at: datetime  # local time of the event, without a zone: what a spreadsheet shows
    decision_reason: str


def _cells(row: SheetRow) -> list[object]:
    return [row.id, row.status, row.surname, row.given_name, row.patronymic, row.organisation, row.inn, row.position,
            row.region, row.category, row.email, row.phone, row.days, row.choices, row.registered_at,
            row.decision_reason]


def registrations_csv(rows: Sequence[SheetRow]) -> bytes:
    return to_csv(COLUMNS, [_cells(row) for row in rows], as_is=PHONE)


def registrations_xlsx(rows: Sequence[SheetRow], *, title: str) -> bytes:
    return to_xlsx([Sheet(SHEET_TITLE, COLUMNS, [_cells(row) for row in rows], freeze="C2")], title=title)
