"""The one spreadsheet writer: CSV cells, formulas kept inert, several sheets, lines above a header."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time

from openpyxl import load_workbook

from events_app.domain.spreadsheet import Column, Sheet, csv_cell, to_csv, to_xlsx

COLUMNS = (Column("Дата", 11, number_format="DD.MM.YYYY"), Column("Название", 40, wrap=True), Column("Телефон"))


def test_csv_cells_use_russian_dates_and_keep_formulas_inert() -> None:
    assert csv_cell(date(2021, 4, 1)) == "01.04.2021"
    assert csv_cell(datetime(2021, 4, 1, 9, 5)) == "01.04.2021 09:05"
    assert csv_cell(time(9, 5)) == "09:05"
    assert csv_cell(None) == ""
    assert csv_cell(40) == "40"
    assert csv_cell("-1+1") == "'-1+1"
    assert csv_cell("+79001234567") == "'+79001234567"
    assert csv_cell("+79001234567", as_is=re.compile(r"\+\d{11}")) == "+79001234567"


def test_csv_has_a_byte_order_mark_and_semicolons() -> None:
    body = to_csv(COLUMNS, [[date(2021, 4, 1), "=1+1", "+79001234567"]], as_is=re.compile(r"\+\d{11}"))

    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Дата", "Название", "Телефон"], ["01.04.2021", "'=1+1", "+79001234567"]]


def test_xlsx_holds_every_sheet_with_lines_above_the_header() -> None:
    first = Sheet("Список", COLUMNS, [[date(2021, 4, 1), "=HYPERLINK(\"x\")", None]], above=("Заголовок", "Визит"))
    second = Sheet("Итоги", [Column("Место"), Column("Балл")], [[1, 7.5]], freeze=None)

    book = load_workbook(io.BytesIO(to_xlsx([first, second], title="Проба")))

    assert book.sheetnames == ["Список", "Итоги"]
    listing = book["Список"]
    assert [list(row) for row in listing.iter_rows(values_only=True)] == [
        ["Заголовок", None, None], ["Визит", None, None], ["Дата", "Название", "Телефон"],
        [datetime(2021, 4, 1), "=HYPERLINK(\"x\")", None]]
    assert (listing["B4"].data_type, listing["A4"].number_format) == ("s", "DD.MM.YYYY")
    assert (listing.freeze_panes, listing.print_title_rows, listing.auto_filter.ref) == ("A4", "$3:$3", "A3:C4")
    assert listing.column_dimensions["B"].width == 40
    assert book["Итоги"].freeze_panes is None
    assert book.properties.title == "Проба"
