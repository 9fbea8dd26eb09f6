"""The programme as a spreadsheet that organisers print and mail: .xlsx and .csv, in Russian.

The CSV is what Excel with Russian regional settings opens by double-click without a wizard:
UTF-8 with a byte-order mark (otherwise Excel reads Cyrillic as cp1251) and `;` between
fields (the list separator of that locale; a comma would put each row in one cell).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from babel.dates import format_date
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

HEADERS = ("Дата", "День недели", "Начало", "Окончание", "Вид", "Название", "Площадка", "Адрес", "Спикеры",
           "Мест", "Запись", "Ссылка для подключения")
WIDTHS = (11, 12, 8, 10, 20, 60, 30, 40, 40, 6, 12, 30)
WRAPPED = {"Название", "Площадка", "Адрес", "Спикеры"}
SHEET_TITLE = "Программа"
SIGNUP_REQUIRED = "обязательна"
# A cell starting with one of these is a formula to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class SheetRow:
    day: date
    starts_at: time
    ends_at: time
    kind: str
    title: str
    venue: str
    address: str
    speakers: tuple[str, ...]
    places: int | None
    signup_required: bool
    online_url: str


def _cells(row: SheetRow) -> list[object]:
    return [row.day, format_date(row.day, "EEEE", locale="ru"), row.starts_at, row.ends_at, row.kind, row.title,
            row.venue, row.address, "; ".join(row.speakers), row.places,
            SIGNUP_REQUIRED if row.signup_required else "", row.online_url]


def _inert(text: str) -> str:
    """Text that a spreadsheet program shows as text, never runs as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def agenda_csv(rows: Sequence[SheetRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in _cells(row)])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return _inert(str(value))


def agenda_xlsx(rows: Sequence[SheetRow], *, title: str, modified: datetime | None = None) -> bytes:
    """One sheet, a row per session; laid out to print on landscape pages with the header repeated."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    workbook.properties.title = title
    workbook.properties.language = "ru-RU"
    if modified is not None:
        # Naive UTC: what openpyxl writes into the document properties.
        workbook.properties.created = workbook.properties.modified = modified.replace(tzinfo=None)

    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EEF4")
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for row in rows:
        sheet.append(_cells(row))
    wrapped = {index for index, header in enumerate(HEADERS, start=1) if header in WRAPPED}
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                # openpyxl stores a string that starts with "=" as a formula unless told otherwise.
                cell.data_type = "s"
            cell.alignment = Alignment(vertical="top", wrap_text=cell.column in wrapped)
        cells[0].number_format = "DD.MM.YYYY"
        cells[2].number_format = cells[3].number_format = "HH:MM"
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width

    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    header = sheet.oddHeader
    assert header is not None  # a new sheet comes with its (empty) header
    header.center.text = title.replace("&", "&&")[:200]  # "&" starts a header code

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
