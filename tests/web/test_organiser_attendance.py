"""Attendance in the workspace: the matrix page, its XLSX, and the dashboard's per-session figures."""

from __future__ import annotations

import asyncio
import io
from datetime import date
from pathlib import Path

import openpyxl
from starlette.testclient import TestClient

from events_app.data.database import Store
from tests.conftest import settings_for
from tests.factories import add_staff, sign_in
from tests.services.document_support import register
from tests.services.test_certificates import _attend
from tests.web.test_certificates_pages import _ids

BASE = "/organiser/events/proclusters-2022"


def _prepare(database_url: str, tmp_path: Path) -> None:
    async def run() -> None:
        settings = settings_for(database_url, tmp_path / "data")
        async with Store(database_url) as store:
            ids = await _ids(store)
            for n, (surname, webinars) in enumerate([("Шестова", 6), ("Пятова", 5)]):
                result = await register(store, settings, n, slug="proclusters-2022", surname=surname,
                                        days=("2022-09-01", "2022-10-27"))
                await _attend(store, ids, result.id, webinars=webinars, days=(date(2022, 10, 27),))

    asyncio.run(run())


def test_matrix_page_xlsx_and_dashboard(client: TestClient, database_url: str, tmp_path: Path) -> None:
    _prepare(database_url, tmp_path)
    add_staff(database_url, "org@example.ru", role="organiser", event="proclusters-2022")
    csrf = sign_in(client, "org@example.ru")

    dashboard = client.get(BASE)
    page = client.get(BASE + "/attendance")
    sheet_file = client.post(BASE + "/attendance/attendance.xlsx", data={"csrf_token": csrf})

    assert "Посещаемость по сессиям" in dashboard.text and f'href="{BASE}/attendance"' in dashboard.text
    assert "Шестова Анна Сергеевна" in page.text and "Пятова Анна Сергеевна" in page.text
    sheet = openpyxl.load_workbook(io.BytesIO(sheet_file.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("ФИО", "Организация", "Посещено")
    webinar_1 = rows[0].index(next(h for h in rows[0] if h and "Вебинар 1." in str(h)))
    by_name = {row[0]: row for row in rows[1:-1]}
    assert by_name["Пятова Анна Сергеевна"][webinar_1] == "онлайн"
    assert rows[-1][0] == "Итого" and rows[-1][webinar_1] == "2 из 2"


def test_door_staff_do_not_see_attendance(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "door@example.ru", role="door", event="proclusters-2022")
    sign_in(client, "door@example.ru")

    assert client.get(BASE + "/attendance").status_code == 403
    assert "Посещаемость по сессиям" not in client.get(BASE).text
