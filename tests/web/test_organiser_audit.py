"""The audit log page: each entry's action in words of the reader's language, the code kept in its title."""

from __future__ import annotations

import re
from html import unescape

from starlette.testclient import TestClient

from tests.factories import signed_in

CHECKIN = "/organiser/events/syktyvkar-2021/checkin"


def _rows(html: str) -> list[list[str]]:
    """The table's rows as the cells' visible text, and the action code from its title."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        code = re.search(r'class="audit-action" title="([^"]+)"', row)
        rows.append([*cells[1:], code.group(1) if code else ""])
    return rows


def test_audit_log_describes_each_action_in_russian_and_keeps_its_code(client: TestClient,
                                                                        database_url: str) -> None:
    csrf = signed_in(client, database_url, "admin@example.ru", role="admin")
    client.post(CHECKIN + "/devices", data={"name": "Вход 1", "list": "entry-2021-04-01", "csrf_token": csrf})

    rows = _rows(client.get("/organiser/audit").text)

    assert rows == [
        ["admin@example.ru", "syktyvkar-2021", "Добавлено устройство для входа", "Вход 1", "device.create"],
        ["admin@example.ru", "—", "Вход в рабочее место", "admin@example.ru", "staff.sign_in"],
        ["командная строка", "—", "Создана учётная запись сотрудника", "admin@example.ru", "staff.create"],
    ]


def test_audit_log_in_english(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "admin@example.ru", role="admin")
    client.post(CHECKIN + "/devices", data={"name": "Door 1", "list": "entry-2021-04-01", "csrf_token": csrf})
    client.get("/lang/en")

    rows = _rows(client.get("/organiser/audit").text)

    assert rows == [
        ["admin@example.ru", "syktyvkar-2021", "Door device added", "Door 1", "device.create"],
        ["admin@example.ru", "—", "Signed in", "admin@example.ru", "staff.sign_in"],
        ["command line", "—", "Staff account created", "admin@example.ru", "staff.create"],
    ]
