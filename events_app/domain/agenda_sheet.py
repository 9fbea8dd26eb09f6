"""The programme as a spreadsheet that organisers print and mail: .xlsx and .csv, in Russian.

The writing itself (text never a formula, a CSV that Excel with Russian settings opens by
double-click) is `spreadsheet`'s; this module says which columns the programme has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from babel.dates import format_date

from events_app.domain.spreadsheet import Column, Sheet, to_csv, to_xlsx

COLUMNS = (
    Column("Дата", 11, number_format="DD.MM.YYYY"), Column("День недели", 12),
    Column("Начало", 8, number_format="HH:MM"), Column("Окончание", 10, number_format="HH:MM"), Column("Вид", 20),
    Column("Название", 60, wrap=True), Column("Площадка", 30, wrap=True), Column("Адрес", 40, wrap=True),
    Column("Спикеры", 40, wrap=True), Column("Мест", 6), Column("Запись", 12), Column("Ссылка для подключения", 30),
)
HEADERS = tuple(column.header for column in COLUMNS)
SHEET_TITLE = "Программа"
SIGNUP_REQUIRED = "обязательна"


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


def agenda_csv(rows: Sequence[SheetRow]) -> bytes:
    return to_csv(COLUMNS, [_cells(row) for row in rows])


def agenda_xlsx(rows: Sequence[SheetRow], *, title: str, modified: datetime | None = None) -> bytes:
    """One sheet, a row per session; laid out to print on landscape pages with the header repeated."""
    sheet = Sheet(SHEET_TITLE, COLUMNS, [_cells(row) for row in rows], fit_to_width=True, page_header=title)
    return to_xlsx([sheet], title=title, modified=modified)
