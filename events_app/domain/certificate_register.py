"""The register of an event's issued certificates as a spreadsheet (.xlsx), Russian headers.

Written by `spreadsheet`, like every other list organisers download: a holder's name or an
organisation that starts like a formula stays text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from events_app.domain.spreadsheet import Column, Sheet, to_xlsx

MOMENT = "DD.MM.YYYY HH:MM"
COLUMNS = (Column("№ сертификата", 26), Column("ФИО", 36), Column("Организация", 36),
           Column("Выдан", 17, number_format=MOMENT), Column("Отозван", 17, number_format=MOMENT),
           Column("Онлайн-сессий", 14), Column("Дни на входе", 30))
HEADERS = tuple(column.header for column in COLUMNS)


@dataclass(frozen=True)
class RegisterRow:
    number: str
    holder: str
    organisation: str
    issued_at: datetime  # local time of the event, without a zone
    revoked_at: datetime | None
    online_joined: int
    checked_in_days: str


def register_xlsx(rows: Sequence[RegisterRow], *, title: str) -> bytes:
    cells = [[row.number, row.holder, row.organisation, row.issued_at, row.revoked_at, row.online_joined,
              row.checked_in_days] for row in rows]
    return to_xlsx([Sheet("Сертификаты", COLUMNS, cells)], title=title)
