"""An event's registrations as a spreadsheet for organisers: .xlsx and .csv, Russian headers.

The CSV follows the agenda's (`agenda_sheet`): UTF-8 with a byte-order mark and `;` between
fields, which Excel with Russian regional settings opens by double-click with Cyrillic intact and
each field in its own column. Text a spreadsheet would run as a formula is written inert.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from events_app.domain.agenda_sheet import FORMULA_STARTS

HEADERS = ("№", "Статус", "Фамилия", "Имя", "Отчество", "Организация", "ИНН", "Должность", "Регион", "Категория",
           "E-mail", "Телефон", "Дни", "Записи", "Зарегистрирован", "Причина отказа")
WIDTHS = (7, 14, 18, 14, 18, 36, 13, 24, 26, 24, 28, 14, 22, 50, 17, 30)
SHEET_TITLE = "Регистрации"


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


def _inert(text: str) -> str:
    # A stored phone number (+7 and digits, checked at registration) is no formula: keep it as is.
    if PHONE.fullmatch(text):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


PHONE = re.compile(r"\+\d{11}")


def registrations_csv(rows: Sequence[SheetRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in _cells(row)])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, int):
        return str(value)
    return _inert(str(value))


def registrations_xlsx(rows: Sequence[SheetRow], *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    workbook.properties.title = title
    workbook.properties.language = "ru-RU"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF4")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for row in rows:
        sheet.append(_cells(row))
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                # openpyxl stores a string that starts with "=" as a formula unless told otherwise.
                cell.data_type = "s"
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        cells[14].number_format = "DD.MM.YYYY HH:MM"
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
