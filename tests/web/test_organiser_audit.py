"""The audit log page: each entry's action in words of the reader's language, the code kept in its title."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

from starlette.testclient import TestClient

from events_app import i18n
from events_app.domain import audit
from events_app.services.defences import stage
from events_app.services.staff.audit import AuditEntry
from events_app.web.templating import audit_subject
from tests.factories import add_staff, signed_in
from tests.web.test_defences_pages import BASE as DEFENCES
from tests.web.test_defences_pages import _add_slot, _block_id
from tests.web.test_organiser_agenda import BASE as AGENDA
from tests.web.test_organiser_agenda import _form, _venue_id

CHECKIN = "/organiser/events/syktyvkar-2021/checkin"
# The event column names the event as people know it, not by its slug.
SYKTYVKAR = "Практическая сессия по развитию промышленных кластеров России"


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
        ["admin@example.ru", SYKTYVKAR, "Добавлено устройство для входа", "Вход 1", "device.create"],
        ["admin@example.ru", "—", "Вход в рабочее место", "admin@example.ru", "staff.sign_in"],
        ["командная строка", "—", "Создана учётная запись сотрудника", "admin@example.ru", "staff.create"],
    ]


def test_audit_log_in_english(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "admin@example.ru", role="admin")
    client.post(CHECKIN + "/devices", data={"name": "Door 1", "list": "entry-2021-04-01", "csrf_token": csrf})
    client.get("/lang/en")

    rows = _rows(client.get("/organiser/audit").text)

    assert rows == [
        ["admin@example.ru", "Practical Session on the Development of Industrial Clusters in Russia",
         "Door device added", "Door 1", "device.create"],
        ["admin@example.ru", "—", "Signed in", "admin@example.ru", "staff.sign_in"],
        ["command line", "—", "Staff account created", "admin@example.ru", "staff.create"],
    ]


def test_a_stage_step_names_the_block_and_the_button_pressed(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    block_id = _block_id(client)
    _add_slot(client, csrf, block_id, "Плиты МДФ")
    client.post(f"{DEFENCES}/{block_id}/stage/start", data={"csrf_token": csrf})

    rows = _rows(client.get("/organiser/audit").text)

    assert rows[0] == ["olga@example.ru", SYKTYVKAR, "Переключён экран сцены",
                       "Предварительная защита совместных кластерных проектов · Начать с первого проекта",
                       "defence.stage"]


def _publish_a_new_session(client: TestClient, database_url: str, csrf: str) -> None:
    client.post(AGENDA + "/sessions", data=_form(csrf, _venue_id(database_url, "luzales")))
    published = client.post(AGENDA + "/publish", data={"csrf_token": csrf, "confirm": "yes"}, follow_redirects=False)
    assert published.headers["location"] == AGENDA + "/versions/1"


def test_a_published_agenda_reads_as_the_events_title_and_its_version(client: TestClient,
                                                                       database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    _publish_a_new_session(client, database_url, csrf)

    rows = _rows(client.get("/organiser/audit").text)

    assert rows[:2] == [
        ["olga@example.ru", SYKTYVKAR, "Программа опубликована", f"{SYKTYVKAR}, версия 1", "agenda.publish"],
        ["olga@example.ru", SYKTYVKAR, "Черновик программы сохранён", "Круглый стол", "agenda.draft_save"],
    ]


def test_a_published_agenda_in_english(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    _publish_a_new_session(client, database_url, csrf)
    client.get("/lang/en")

    rows = _rows(client.get("/organiser/audit").text)

    assert rows[0] == ["olga@example.ru", "Practical Session on the Development of Industrial Clusters in Russia",
                       "Agenda published",
                       "Practical Session on the Development of Industrial Clusters in Russia, version 1",
                       "agenda.publish"]


def test_organisations_experts_and_exports_are_named_not_coded(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser")
    settings = "/organiser/events/syktyvkar-2021/settings"
    client.post(settings + "/organisations/link", data={"existing": "luzales", "existing_role": "partner",
                                                        "csrf_token": csrf})
    block_id = _block_id(client)
    expert_id = add_staff(database_url, "expert@example.ru", role="expert", event="syktyvkar-2021")
    client.post(f"{DEFENCES}/{block_id}/experts", data={"csrf_token": csrf, "staff_id": str(expert_id)})
    client.post("/organiser/events/syktyvkar-2021/registrations/export.csv", data={"csrf_token": csrf})

    rows = _rows(client.get("/organiser/audit").text)

    named = {code: what for *_, what, code in rows}
    assert (named["registrations.export"], named["defence.expert_assign"], named["event.organisation_add"]) == (
        "CSV · строк: 0", "Предварительная защита совместных кластерных проектов · expert",
        "ООО «Лузалес» · как партнёр")


def test_every_stage_step_has_a_name() -> None:
    assert set(audit.STAGE_STEPS) == set(stage.ACTIONS)


def _entry(action: str, subject: str, **details: Any) -> AuditEntry:
    return AuditEntry(id=1, at=datetime(2026, 12, 7, 9, 0, tzinfo=UTC), actor="system", event_id=None,
                      event_slug=None, event_title=None, event_title_en=None, action=action, subject=subject,
                      details=details, ip=None)


def test_subjects_kept_as_codes_are_worded_for_the_reader() -> None:
    entries = [
        _entry("visitor_data.purge", "2026-11-30", deleted=4),
        _entry("defence.reveal_experts", "Защиты проектов", reveal=False),
        _entry("organisation.create", "kirov-fund", role="partner"),  # written before `listed_as`
        _entry("staff.grant", "olga@example.ru", role="door"),
    ]

    with i18n.language("ru"):
        russian = [audit_subject(entry) for entry in entries]
    with i18n.language("en"):
        english = [audit_subject(entry) for entry in entries]

    assert russian == ["мероприятия, закончившиеся до 30.11.2026", "Защиты проектов · имена скрыты",
                       "kirov-fund · как партнёр", "olga@example.ru · Контролёр на входе"]
    assert english == ["events that ended before 30.11.2026", "Защиты проектов · names hidden",
                       "kirov-fund · as a partner", "olga@example.ru · Door staff"]


def test_a_settings_change_names_what_changed_not_the_event_again() -> None:
    entries = [
        _entry("event.registration_settings", SYKTYVKAR, moderation=True, capacity=120),
        _entry("event.registration_settings", SYKTYVKAR, moderation=False, capacity=None,
               consent_version="2026-12", consent_text="412 characters"),
        _entry("event.update", SYKTYVKAR, title="Новое название", timezone="Asia/Yekaterinburg", ends_on="2026-12-26"),
    ]

    with i18n.language("ru"):
        russian = [audit_subject(entry) for entry in entries]
    with i18n.language("en"):
        english = [audit_subject(entry) for entry in entries]

    assert russian == [
        "изменено: число мест 120, подтверждение организатором включено",
        "изменено: число мест без ограничения, подтверждение организатором выключено, текст согласия",
        "изменено: название, часовой пояс, последний день",
    ]
    assert english == [
        "changed: number of places 120, approval by an organiser on",
        "changed: number of places unlimited, approval by an organiser off, the consent text",
        "changed: title, time zone, last day",
    ]
