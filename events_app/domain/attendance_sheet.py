"""Attendance as a spreadsheet (.xlsx): a row per delegate, a column per session, Russian headers.

Written by `spreadsheet`, like every other list organisers download.
"""

from __future__ import annotations

from events_app.domain.attendance import Mark, Matrix
from events_app.domain.spreadsheet import Column, Sheet, to_xlsx

MARK_TEXT = {Mark.JOINED: "онлайн", Mark.CHECKED_IN: "был", Mark.ABSENT: "нет", Mark.NOT_EXPECTED: ""}


def attendance_xlsx(matrix: Matrix, *, title: str) -> bytes:
    """Cells say «онлайн» (joined through the personal link, «×N» when more than once), «был»
    (checked in at the door), «нет» (expected, not seen) or nothing (not expected)."""
    columns = [Column("ФИО", 34), Column("Организация", 30), Column("Посещено", 10)] + [
        Column(f"{column.starts_at:%d.%m %H:%M} {column.title}", 16, wrap=True) for column in matrix.columns]
    rows: list[list[object]] = []
    for row in matrix.rows:
        cells: list[object] = [row.delegate.name, row.delegate.organisation, row.attended]
        for mark, joins in zip(row.marks, row.joins, strict=True):
            cells.append(f"{MARK_TEXT[mark]} ×{joins}" if mark is Mark.JOINED and joins > 1 else MARK_TEXT[mark])
        rows.append(cells)
    totals: list[object] = ["Итого", "", ""]
    totals += [f"{total.attended} из {total.expected}" for total in matrix.totals]
    rows.append(totals)
    return to_xlsx([Sheet("Посещаемость", columns, rows, freeze="D2")], title=title)
