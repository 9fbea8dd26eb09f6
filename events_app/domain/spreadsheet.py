"""The one spreadsheet writer: headers and rows to .csv and .xlsx, for every list organisers download.

The programme, the registrations, the jury's scores and a site visit's visitor list all go through
here, so they share two rules that are easy to get wrong once per file:

- Text is never a formula. In .xlsx a string cell is stored as text (openpyxl would otherwise
  store "=..." as a formula); in .csv, which has no cell types, a value that starts like a
  formula gets a leading apostrophe, which Excel shows as text.
- The .csv opens in Excel with Russian regional settings by double-click: UTF-8 with a
  byte-order mark (otherwise Excel reads Cyrillic as cp1251) and `;` between fields (the list
  separator of that locale; a comma would put each row in one cell).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

# A cell starting with one of these is a formula to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = "E8EEF4"

Cells = Sequence[object]


@dataclass(frozen=True)
class Column:
    """One column: its header, its width in characters, whether long text wraps, and the Excel
    number format of its dates and times (None: the value as it is)."""

    header: str
    width: float | None = None
    wrap: bool = False
    number_format: str | None = None


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook.

    `above` are lines printed before the header row (a list's heading for the enterprise's
    security office); `freeze` is the first cell that scrolls, counted from the header row
    ("A2": the header stays, "C2": the header and two columns stay); `fit_to_width` prints every
    column on one page's width; `page_header` is printed at the top of each page.
    """

    title: str
    columns: Sequence[Column]
    rows: Sequence[Cells]
    above: Sequence[str] = ()
    freeze: str | None = "A2"
    fit_to_width: bool = False
    page_header: str | None = None


def inert(text: str, *, as_is: re.Pattern[str] | None = None) -> str:
    """Text that a spreadsheet program shows as text, never runs as a formula; a value matching
    `as_is` (a checked phone number such as +79001234567) is known to be plain and kept."""
    if as_is is not None and as_is.fullmatch(text):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: object, *, as_is: re.Pattern[str] | None = None) -> str:
    """A value as the .csv shows it: Russian date order, 24-hour clock, inert text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, int | float):
        return str(value)
    return inert(str(value), as_is=as_is)


def to_csv(columns: Sequence[Column], rows: Sequence[Cells], *, as_is: re.Pattern[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.header for column in columns])
    for row in rows:
        writer.writerow([csv_cell(value, as_is=as_is) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: Sequence[Sheet], *, title: str, modified: datetime | None = None) -> bytes:
    """A workbook with these sheets, laid out to print on landscape A4 with the header repeated."""
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]  # a new workbook starts with one empty sheet
    workbook.properties.title = title
    workbook.properties.language = "ru-RU"
    if modified is not None:
        # Naive UTC: what openpyxl writes into the document properties.
        workbook.properties.created = workbook.properties.modified = modified.replace(tzinfo=None)
    for sheet in sheets:
        _fill(workbook.create_sheet(sheet.title), sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill(target: Worksheet, sheet: Sheet) -> None:
    for line in sheet.above:
        target.append([line])
    header_row = len(sheet.above) + 1
    target.append([column.header for column in sheet.columns])
    for cell in target[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for row in sheet.rows:
        target.append(list(row))
    for cells in target.iter_rows(min_row=header_row + 1):
        for cell, column in zip(cells, sheet.columns, strict=False):
            if isinstance(cell.value, str):
                # openpyxl stores a string that starts with "=" as a formula unless told otherwise.
                cell.data_type = "s"
            cell.alignment = Alignment(vertical="top", wrap_text=column.wrap)
            if column.number_format is not None:
                cell.number_format = column.number_format
    for index, column in enumerate(sheet.columns, start=1):
        if column.width is not None:
            target.column_dimensions[get_column_letter(index)].width = column.width

    if sheet.freeze is not None:
        letters, number = re.fullmatch(r"([A-Z]+)(\d+)", sheet.freeze).groups()  # type: ignore[union-attr]  # freeze is a cell name written in our own sheet declarations ("A2", "C2")
        target.freeze_panes = f"{letters}{int(number) + header_row - 1}"
    last = get_column_letter(max(len(sheet.columns), 1))
    target.auto_filter.ref = f"A{header_row}:{last}{max(target.max_row, header_row)}"
    target.print_title_rows = f"{header_row}:{header_row}"
    target.page_setup.orientation = "landscape"
    target.page_setup.paperSize = target.PAPERSIZE_A4
    if sheet.fit_to_width:
        target.page_setup.fitToWidth = 1
        target.page_setup.fitToHeight = 0
        target.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    page_header = target.oddHeader
    if sheet.page_header is not None and page_header is not None:
        page_header.center.text = sheet.page_header.replace("&", "&&")[:200]  # "&" starts a header code
