"""Attendance as a spreadsheet (.xlsx): a row per delegate, a column per session, Russian headers."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from events_app.domain.agenda_sheet import FORMULA_STARTS
from events_app.domain.attendance import Mark, Matrix

MARK_TEXT = {Mark.JOINED: "онлайн", Mark.CHECKED_IN: "был", Mark.ABSENT: "нет", Mark.NOT_EXPECTED: ""}


def _inert(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def attendance_xlsx(matrix: Matrix, *, title: str) -> bytes:
    """Cells say «онлайн» (joined through the personal link, with the number of joins), «был»
    (checked in at the door), «нет» (expected, not seen) or nothing (not expected)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Посещаемость"
    workbook.properties.title = title
    headers = ["ФИО", "Организация", "Посещено"] + [
        f"{column.starts_at:%d.%m %H:%M} {column.title}" for column in matrix.columns]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in matrix.rows:
        cells: list[object] = [_inert(row.delegate.name), _inert(row.delegate.organisation), row.attended]
        for mark, joins in zip(row.marks, row.joins, strict=True):
            cells.append(f"{MARK_TEXT[mark]} ×{joins}" if mark is Mark.JOINED and joins > 1 else MARK_TEXT[mark])
        sheet.append(cells)
    sheet.append(["Итого", "", ""] + [f"{total.attended} из {total.expected}" for total in matrix.totals])
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["C"].width = 10
    for index in range(len(matrix.columns)):
        sheet.column_dimensions[get_column_letter(index + 4)].width = 16
    sheet.freeze_panes = "D2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
