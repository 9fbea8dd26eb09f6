"""The registrations pages of the workspace: list, filters in the address, bulk decisions, moves, exports."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.data import tables as t
from events_app.data.database import Store
from tests.conftest import DEMO_NOW, settings_for
from tests.factories import add_staff, delegate_form, register, sign_in, signed_in

BASE = "/organiser/events/syktyvkar-2021/registrations"


def _prepare(database_url: str, tmp_path: Path, people: list[dict[str, Any]], *, moderation: bool = False,
             visit_capacity: int | None = None) -> dict[str, int]:
    """Registrations made through the service; gives their ids by organisation, and the Mondi visit's id."""

    async def run() -> dict[str, int]:
        settings = settings_for(database_url, tmp_path / "data")
        async with Store(database_url) as store:
            event_id = await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == "syktyvkar-2021"))
            visit = await store.fetch_val(sa.select(t.sessions.c.id).where(t.sessions.c.event_id == event_id,
                                                                          t.sessions.c.key == "visit-mondi"))
            await store.execute(t.events.update().where(t.events.c.id == event_id).values(moderation=moderation))
            if visit_capacity is not None:
                await store.execute(t.sessions.update().where(t.sessions.c.id == visit).values(capacity=visit_capacity))
            ids = {"visit": visit}
            for n, changes in enumerate(people):
                changes = {key: [str(visit)] if value == "VISIT" else value for key, value in changes.items()}
                result = await register(store, settings, n, **changes)
                ids[delegate_form(n, **changes)["organisation_name"]] = result.id
            return ids

    return asyncio.run(run())


def _query(database_url: str, query: Any) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        async with Store(database_url) as store:
            return [dict(row) for row in await store.fetch_all(query)]

    return asyncio.run(run())



def _rows(html: str) -> list[str]:
    return re.findall(r'<td data-label="[^"]+"><a href="[^"]+/(?:\d+)">([^<]+)</a>', html)


def test_list_filters_and_search_come_from_the_address(client: TestClient, database_url: str, tmp_path: Path) -> None:
    _prepare(database_url, tmp_path, [
        {"surname": "Петров", "region_code": "13"}, {"surname": "Сидорова", "category": "media"},
        {"surname": "Кузнецов", "organisation_name": "АО «Монди СЛПК»"}])
    signed_in(client, database_url, "org@example.ru", role="organiser")

    everyone = client.get(BASE)
    by_region = client.get(BASE, params={"region": "13"})
    by_category = client.get(BASE, params={"category": "media"})
    by_text = client.get(BASE, params={"q": "монди"})

    assert _rows(everyone.text) == ["Петров Анна", "Сидорова Анна", "Кузнецов Анна"]
    assert "Найдено: 3" in everyone.text
    assert _rows(by_region.text) == ["Петров Анна"]
    assert '<option value="13" selected>Республика Мордовия</option>' in by_region.text
    assert _rows(by_category.text) == ["Сидорова Анна"]
    assert _rows(by_text.text) == ["Кузнецов Анна"]
    assert 'value="монди"' in by_text.text
    assert everyone.headers["cache-control"] == "no-store"


def test_bulk_approve_redirects_with_a_summary(client: TestClient, database_url: str, tmp_path: Path) -> None:
    ids = _prepare(database_url, tmp_path, [{}, {}, {}], moderation=True)
    token = signed_in(client, database_url, "org@example.ru", role="organiser")
    chosen = [ids["ООО «Участник 0»"], ids["ООО «Участник 1»"]]

    response = client.post(f"{BASE}/decide", data={"csrf_token": token, "ids": [str(i) for i in chosen],
                                                   "decision": "approve", "status": "pending"},
                           follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == f"{BASE}?status=pending&done=approved&count=2"
    after = client.get(response.headers["location"])
    assert "Одобрено: 2. Каждому участнику отправлен билет." in after.text
    assert _rows(after.text) == ["Иванова Анна"]
    statuses = _query(database_url, sa.select(t.registrations.c.id, t.registrations.c.status))
    assert sorted(row["status"] for row in statuses) == ["confirmed", "confirmed", "pending"]
    actions = _query(database_url, sa.select(t.audit_log.c.action, t.audit_log.c.actor)
                     .where(t.audit_log.c.action.like("registration.%")))
    assert actions == [{"action": "registration.approve", "actor": "org@example.ru"}] * 2


def test_bulk_with_a_decided_registration_is_refused_whole(client: TestClient, database_url: str,
                                                           tmp_path: Path) -> None:
    ids = _prepare(database_url, tmp_path, [{}, {}], moderation=True)
    token = signed_in(client, database_url, "org@example.ru", role="organiser")
    first, second = ids["ООО «Участник 0»"], ids["ООО «Участник 1»"]
    client.post(f"{BASE}/decide", data={"csrf_token": token, "ids": [str(second)], "decision": "reject",
                                        "reason": "Нет мест"})

    response = client.post(f"{BASE}/decide", data={"csrf_token": token, "ids": [str(first), str(second)],
                                                   "decision": "approve"})

    assert response.status_code == 409
    assert "Ничего не изменено" in response.text
    assert f'<a href="{BASE}/{second}">№{second}</a> Иванова Анна: Отклонена' in response.text
    statuses = {row["id"]: row["status"] for row in _query(database_url, sa.select(t.registrations))}
    assert statuses == {first: "pending", second: "rejected"}


def test_bulk_reject_without_a_reason_shows_the_field_error(client: TestClient, database_url: str,
                                                           tmp_path: Path) -> None:
    ids = _prepare(database_url, tmp_path, [{}], moderation=True)
    token = signed_in(client, database_url, "org@example.ru", role="organiser")

    response = client.post(f"{BASE}/decide", data={"csrf_token": token, "ids": [str(ids["ООО «Участник 0»"])],
                                                   "decision": "reject", "reason": " "})

    assert response.status_code == 422
    assert re.search(r'<p class="error" id="e-reason">Укажите причину отказа', response.text)
    assert f'value="{ids["ООО «Участник 0»"]}" id="pick-{ids["ООО «Участник 0»"]}" checked' in response.text
    assert _query(database_url, sa.select(t.registrations.c.status)) == [{"status": "pending"}]


def test_detail_page_moves_a_delegate_to_the_waiting_list_and_back(client: TestClient, database_url: str,
                                                                   tmp_path: Path) -> None:
    ids = _prepare(database_url, tmp_path, [{"sessions": "VISIT"}, {"sessions": "VISIT"}], visit_capacity=1)
    token = signed_in(client, database_url, "org@example.ru", role="organiser")
    first, second, visit = ids["ООО «Участник 0»"], ids["ООО «Участник 1»"], ids["visit"]

    page = client.get(f"{BASE}/{first}")
    refused = client.post(f"{BASE}/{second}/move", data={"csrf_token": token, "session_id": str(visit),
                                                         "to": "confirmed"})
    moved = client.post(f"{BASE}/{first}/move", data={"csrf_token": token, "session_id": str(visit), "to": "waitlist"},
                        follow_redirects=False)

    assert "Перевести в лист ожидания" in page.text and "delegate0@example.ru" in page.text
    assert refused.status_code == 409
    assert "Мест нет: все заняты. Сначала переведите кого-нибудь в лист ожидания." in refused.text
    assert moved.status_code == 303 and moved.headers["location"] == f"{BASE}/{first}?moved=waitlist"
    choices = {row["registration_id"]: row["status"] for row in _query(database_url, sa.select(t.registration_choices))}
    assert choices == {first: "waitlisted", second: "confirmed"}
    after = client.get(moved.headers["location"])
    assert "Участник переведён в лист ожидания." in after.text
    assert "лист ожидания №1" in after.text and "Дать место" in after.text


def test_export_csv_keeps_the_filters_and_is_audited(client: TestClient, database_url: str, tmp_path: Path) -> None:
    _prepare(database_url, tmp_path, [{"region_code": "13"}, {"region_code": "11"}])
    token = signed_in(client, database_url, "org@example.ru", role="organiser")

    response = client.post(f"{BASE}/export.csv", data={"csrf_token": token, "region": "13"})

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="syktyvkar-2021-registrations-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [row[5] for row in rows] == ["Организация", "ООО «Участник 0»"]
    entries = _query(database_url, sa.select(t.audit_log.c.action, t.audit_log.c.details, t.audit_log.c.actor)
                     .where(t.audit_log.c.action == "registrations.export"))
    assert [(entry["actor"], json.loads(entry["details"])) for entry in entries] == [
        ("org@example.ru", {"format": "csv", "filters": {"region": "13"}, "rows": 1})]


def test_export_xlsx_downloads_a_workbook(client: TestClient, database_url: str, tmp_path: Path) -> None:
    _prepare(database_url, tmp_path, [{}, {}])
    token = signed_in(client, database_url, "org@example.ru", role="organiser")

    response = client.post(f"{BASE}/export.xlsx", data={"csrf_token": token})

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[5].value for row in sheet.iter_rows()] == ["Организация", "ООО «Участник 0»", "ООО «Участник 1»"]


def test_export_without_the_csrf_token_is_refused_and_not_audited(client: TestClient, database_url: str,
                                                                 tmp_path: Path) -> None:
    _prepare(database_url, tmp_path, [{}])
    token = signed_in(client, database_url, "org@example.ru", role="organiser")

    response = client.post(f"{BASE}/export.csv", data={"region": "13"})
    unknown = client.post(f"{BASE}/export.pdf", data={"csrf_token": token})

    assert response.status_code == 403 and "Организация" not in response.text
    assert unknown.status_code == 404
    assert _query(database_url, sa.select(t.audit_log.c.id).where(t.audit_log.c.action == "registrations.export")) == []


def test_door_staff_and_strangers_do_not_see_registrations(client: TestClient, database_url: str) -> None:
    add_staff(database_url, "door@example.ru", role="door", event="syktyvkar-2021")

    signed_out = client.get(BASE, follow_redirects=False)
    sign_in(client, "door@example.ru")
    door = client.get(BASE)

    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/organiser/login?next=")
    assert door.status_code == 403 and "Найдено" not in door.text


def test_list_shows_each_email_and_flags_possible_duplicates(client: TestClient, database_url: str,
                                                             tmp_path: Path) -> None:
    ids = _prepare(database_url, tmp_path, [
        {"surname": "Петров", "phone": "+7 912 000-11-22"},
        {"surname": "Сидорова", "phone": "8 912 000-11-22", "organisation_name": "АО «Монди СЛПК»"},
        {"surname": "Кузнецов", "given_name": "Олег", "organisation_name": "Лузалес"},
        {"surname": "Кузнецов", "given_name": "Олег", "organisation_name": "ООО «Лузалес»",
         "email": "oleg@example.ru"}])
    signed_in(client, database_url, "org@example.ru", role="organiser")

    page = client.get(BASE).text

    emails = [local + "@" + domain
              for local, domain in re.findall(r'<span class="meta reg-email email">([^<@]+)@<wbr>([^<]+)</span>', page)]
    assert emails == ["delegate0@example.ru", "delegate1@example.ru", "delegate2@example.ru", "oleg@example.ru"]
    flags = re.findall(r'<span class="duplicate-flag">⚠ Возможно, повтор: (.*?)</span>', page)
    numbers = [re.findall(r"№(\d+)", flag) for flag in flags]
    petrov, sidorova = ids["ООО «Участник 0»"], ids["АО «Монди СЛПК»"]
    kuznetsov, kuznetsov_again = ids["Лузалес"], ids["ООО «Лузалес»"]
    assert numbers == [[str(sidorova)], [str(petrov)], [str(kuznetsov_again)], [str(kuznetsov)]]


def test_a_place_awaiting_approval_reads_awaiting_confirmation_for_delegate_and_organiser(
        client: TestClient, database_url: str, tmp_path: Path) -> None:
    from events_app.domain.links import sign_cabinet_link

    ids = _prepare(database_url, tmp_path, [{"surname": "Петров", "sessions": "VISIT"}], moderation=True)
    secret = settings_for(database_url, tmp_path / "data").secret_key
    token = sign_cabinet_link(secret, registration_id=ids["ООО «Участник 0»"], link_version=0, now=DEMO_NOW)

    cabinet = client.get(f"/cabinet/{token}").text
    signed_in(client, database_url, "org@example.ru", role="organiser")
    listed = client.get(BASE).text
    detail = client.get(f"{BASE}/{ids['ООО «Участник 0»']}").text

    assert re.findall(r'<span class="badge pending">([^<]+)</span>', cabinet) == ["Ожидает подтверждения"]
    assert "Место за вами" not in cabinet
    assert re.findall(r'<span class="choice choice-confirmed">[^<]* — ([^<]+)</span>',
                      listed) == ["ожидает подтверждения"]
    assert "ожидает подтверждения" in detail and "место подтверждено" not in detail
