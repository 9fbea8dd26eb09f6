from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

from openpyxl import load_workbook

from events_app.domain.agenda_sheet import HEADERS, SheetRow, agenda_csv, agenda_xlsx

VISIT = SheetRow(day=date(2021, 4, 1), starts_at=time(10, 0), ends_at=time(12, 0), kind="Посещение предприятия",
                 title="Посещение АО «Монди СЛПК»", venue="АО «Монди СЛПК»", address="г. Сыктывкар, пр. Бумажников, 2",
                 speakers=("Анна Олькова", "Светлана Груздева"), places=40, signup_required=True, online_url="")
HOSTILE = SheetRow(day=date(2021, 4, 2), starts_at=time(9, 0), ends_at=time(9, 30), kind="Перерыв",
                   title="=HYPERLINK(\"https://evil.example\")", venue="", address="", speakers=(), places=None,
                   signup_required=False, online_url="https://webinar.example.org/1")


def test_csv_is_utf8_with_a_bom_and_semicolons_for_russian_excel() -> None:
    body = agenda_csv([VISIT])

    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        list(HEADERS),
        ["01.04.2021", "четверг", "10:00", "12:00", "Посещение предприятия", "Посещение АО «Монди СЛПК»",
         "АО «Монди СЛПК»", "г. Сыктывкар, пр. Бумажников, 2", "Анна Олькова; Светлана Груздева", "40", "обязательна",
         ""],
    ]
    assert HEADERS[:6] == ("Дата", "День недели", "Начало", "Окончание", "Вид", "Название")


def test_csv_cell_that_looks_like_a_formula_is_kept_as_text() -> None:
    rows = list(csv.reader(io.StringIO(agenda_csv([HOSTILE]).decode("utf-8-sig")), delimiter=";"))

    assert rows[1][5] == "'=HYPERLINK(\"https://evil.example\")"


def test_xlsx_has_russian_headers_real_dates_and_times() -> None:
    body = agenda_xlsx([VISIT, HOSTILE], title="Практическая сессия, Сыктывкар", modified=datetime(2026, 3, 1, 9, 30))

    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == list(HEADERS)
    assert values[1][:4] == [datetime(2021, 4, 1), "четверг", time(10, 0), time(12, 0)]
    assert values[1][5:] == ["Посещение АО «Монди СЛПК»", "АО «Монди СЛПК»", "г. Сыктывкар, пр. Бумажников, 2",
                             "Анна Олькова; Светлана Груздева", 40, "обязательна", None]
    assert (sheet.title, sheet["A2"].number_format, sheet["C2"].number_format) == ("Программа", "DD.MM.YYYY", "HH:MM")
    assert (sheet.freeze_panes, sheet.print_title_rows, sheet.page_setup.orientation) == ("A2", "$1:$1", "landscape")


def test_xlsx_stores_a_formula_like_title_as_text() -> None:
    sheet = load_workbook(io.BytesIO(agenda_xlsx([HOSTILE], title="x"))).active
    assert sheet is not None

    assert (sheet["F2"].value, sheet["F2"].data_type) == ("=HYPERLINK(\"https://evil.example\")", "s")
