"""The register of an event's issued certificates as a spreadsheet (.xlsx), Russian headers."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font

from events_app.domain.agenda_sheet import FORMULA_STARTS

HEADERS = ("№ сертификата", "ФИО", "Организация", "Выдан", "Отозван", "Онлайн-сессий", "Дни на входе")
WIDTHS = (26, 36, 36, 17, 17, 14, 30)


@dataclass(frozen=True)
class RegisterRow:
    number: str
    holder: str
    organisation: str
    issued_at: datetime  # local time of the event, without a zone
    revoked_at: datetime | None
    online_joined: int
    checked_in_days: str


def _inert(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def register_xlsx(rows: Sequence[RegisterRow], *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Сертификаты"
    workbook.properties.title = title
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.number, _inert(row.holder), _inert(row.organisation), row.issued_at, row.revoked_at,
                      row.online_joined, row.checked_in_days])
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for column in ("D", "E"):
        for cell in sheet[column][1:]:
            cell.number_format = "DD.MM.YYYY HH:MM"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
