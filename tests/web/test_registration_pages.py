"""The delegate's path in the browser's terms: form, letter, cabinet, ticket, QR code."""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from starlette.testclient import TestClient

from events_app.app import create_app
from events_app.clock import FixedClock
from events_app.data import tables as t
from events_app.data.database import Store
from tests.conftest import settings_for
from tests.factories import NOW, delegate_form, load_event_into
from tests.smtp_server import Inbox, free_port, start_smtp
from tests.web.test_api import _validate

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, str]]:
    box, port = Inbox(), free_port()
    controller = start_smtp(box, port)
    yield box, f"smtp://127.0.0.1:{port}"
    controller.stop()


@pytest.fixture
def app_client(database_url: str, tmp_path: Path, inbox: tuple[Inbox, str]) -> Iterator[TestClient]:
    load_event_into(database_url)
    settings = settings_for(database_url, tmp_path / "data", EVENTS_SMTP_URL=inbox[1])
    with TestClient(create_app(settings, clock=FixedClock(NOW)), base_url="https://events.example.org") as client:
        yield client


def _count(database_url: str, table: sa.Table) -> int:
    async def run() -> int:
        async with Store(database_url) as store:
            return int(await store.fetch_val(sa.select(sa.func.count()).select_from(table)))
    return asyncio.run(run())


def _form(client: TestClient, **changes: Any) -> dict[str, Any]:
    page = client.get("/events/syktyvkar-2021/register").text
    visit = re.search(r'name="sessions" value="(\d+)"', page)
    assert visit is not None
    days = re.findall(r'name="days" value="([0-9-]+)"', page)
    anna = {"patronymic": "Сергеевна", "email": "anna@example.ru", "phone": "8 912 345 67 89",
            "organisation_name": "ООО «Лузалес»", "days": [days[0]], "sessions": [visit.group(1)]}
    return delegate_form(**{**anna, **changes})


def _wait_for_letters(box: Inbox, count: int) -> None:
    # Delivery happens on the app's own loop; waiting is bounded and asserts nothing about speed.
    deadline = time.monotonic() + 20
    while len(box.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_form_has_a_label_for_every_field(app_client: TestClient) -> None:
    page = app_client.get("/events/syktyvkar-2021/register").text

    inputs = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', page)
    labels = set(re.findall(r'<label for="([^"]+)"', page))
    assert inputs and set(inputs) <= labels
    assert len(re.findall(r'<option value="[^"]+"', page)) == 89 + 9


def test_invalid_form_comes_back_with_values_kept_and_russian_messages(app_client: TestClient,
                                                                       database_url: str) -> None:
    response = app_client.post("/events/syktyvkar-2021/register",
                               data=_form(app_client, email="anna@", phone="12", organisation_inn="7707083894"))

    assert response.status_code == 422
    page = response.text
    assert 'value="Иванова"' in page and 'value="anna@"' in page
    assert "Введите адрес электронной почты, например name@example.ru" in page
    assert "Неверная контрольная цифра ИНН: проверьте номер" in page
    assert re.search(r'<option value="11" selected>Республика Коми</option>', page)
    assert _count(database_url, t.registrations) == 0


def test_html_in_a_name_is_refused_and_shown_escaped(app_client: TestClient) -> None:
    page = app_client.post("/events/syktyvkar-2021/register",
                           data=_form(app_client, surname="<script>alert(1)</script>")).text

    assert "<script>alert(1)</script>" not in page
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in page


def test_honeypot_submission_is_refused_and_nothing_stored(app_client: TestClient, database_url: str) -> None:
    response = app_client.post("/events/syktyvkar-2021/register", data={**_form(app_client), "website": "http://spam"})

    assert response.status_code == 400
    assert _count(database_url, t.registrations) == 0


def test_body_over_one_megabyte_is_refused_with_413(app_client: TestClient, database_url: str) -> None:
    response = app_client.post("/events/syktyvkar-2021/register", data=_form(app_client, position="x" * 1_100_000))

    assert response.status_code == 413
    assert _count(database_url, t.registrations) == 0


def test_whole_path_register_letter_cabinet_ticket_qr(app_client: TestClient, inbox: tuple[Inbox, str]) -> None:
    box, _ = inbox
    response = app_client.post("/events/syktyvkar-2021/register", data=_form(app_client), follow_redirects=False)
    assert response.status_code == 303
    _wait_for_letters(box, 1)

    letter = box.received[0].message
    assert box.received[0].rcpt_tos == ["anna@example.ru"]
    assert letter["Subject"] == "Ваш билет: Практическая сессия по развитию промышленных кластеров России"
    text = letter.get_body(("plain",)).get_content()
    cabinet_link = re.search(r"https://events\.example\.org/cabinet/\S+", text).group(0)
    ticket_link = re.search(r"https://events\.example\.org/t/[A-Z0-9]{26}", text).group(0)
    attachments = {part.get_filename(): part.get_content_type() for part in letter.iter_attachments()}
    assert attachments["syktyvkar-2021.ics"] == "text/calendar"

    cabinet = app_client.get(cabinet_link.replace("https://events.example.org", ""))
    assert "Иванова Анна Сергеевна" in cabinet.text
    assert "Регистрация подтверждена" in cabinet.text

    ticket_path = ticket_link.replace("https://events.example.org", "")
    ticket = app_client.get(ticket_path)
    assert "Иванова Анна Сергеевна" in ticket.text and "ООО «Лузалес»" in ticket.text
    shown = re.search(r'<img class="qr" src="https://events\.example\.org(/t/[A-Z0-9]{26}/qr\.svg)"',
                      ticket.text).group(1)
    assert shown == f"{ticket_path}/qr.svg"
    assert app_client.get(shown).headers["content-type"] == "image/svg+xml"
    png = app_client.get(f"{ticket_path}/qr.png")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)).convert("L"))
    assert [code.text for code in decoded] == [ticket_link]
    inline = [part for part in letter.walk() if part.get("Content-ID")]
    mailed = zxingcpp.read_barcodes(Image.open(io.BytesIO(inline[0].get_content())).convert("L"))
    assert [code.text for code in mailed] == [ticket_link]


def test_cancelled_registration_ticket_and_cabinet_stop_working(app_client: TestClient) -> None:
    cabinet = app_client.post("/events/syktyvkar-2021/register", data=_form(app_client)).url.path
    ticket_path = re.search(r'href="https://events\.example\.org(/t/[A-Z0-9]{26})"',
                            app_client.get(cabinet).text).group(1)

    withdrawn = app_client.post(f"{cabinet}/withdraw", data={"confirm": "on"})

    assert "Ваши персональные данные удалены" in withdrawn.text
    assert app_client.get(ticket_path).status_code == 404
    again = app_client.get(cabinet)
    assert again.status_code == 403
    assert "Эта ссылка больше не работает" in again.text


def test_link_request_never_reveals_whether_an_address_is_registered(app_client: TestClient,
                                                                     inbox: tuple[Inbox, str]) -> None:
    box, _ = inbox
    app_client.post("/events/syktyvkar-2021/register", data=_form(app_client))
    _wait_for_letters(box, 1)

    known = app_client.post("/cabinet", data={"email": "anna@example.ru"}).text
    unknown = app_client.post("/cabinet", data={"email": "nobody@example.ru"}).text
    _wait_for_letters(box, 2)

    assert known.replace("anna@example.ru", "X") == unknown.replace("nobody@example.ru", "X")
    assert [r.rcpt_tos for r in box.received] == [["anna@example.ru"], ["anna@example.ru"]]
    # One letter with the cabinet across events (issue 17), which links each registration's own cabinet.
    assert box.received[1].message["Subject"] == "Ваши регистрации и записи"
    assert "https://events.example.org/cabinet/all/" in box.received[1].message.get_body(("plain",)).get_content()


def test_altered_cabinet_link_is_refused(app_client: TestClient) -> None:
    cabinet = app_client.post("/events/syktyvkar-2021/register", data=_form(app_client)).url.path
    registration_id, version, expires, signature = cabinet.rsplit("/", 1)[1].split(".")

    forged = app_client.get(f"/cabinet/{int(registration_id) + 1}.{version}.{expires}.{signature}")

    assert forged.status_code == 403
    assert "Ссылка недействительна" in forged.text


def test_api_registration_answers_201_with_ticket_and_choices(app_client: TestClient) -> None:
    form = _form(app_client)
    body = {**form, "consent": True, "sessions": [int(form["sessions"][0])]}

    response = app_client.post("/api/v1/events/syktyvkar-2021/registrations", json=body)

    assert response.status_code == 201
    data = response.json()
    _validate(app_client, body, "RegistrationRequest")
    _validate(app_client, data, "Registration")
    assert data["status"] == "confirmed"
    assert re.fullmatch(r"https://events\.example\.org/t/[A-Z0-9]{26}", data["ticket_url"])
    assert data["calendar_url"].startswith("https://events.example.org/calendar/")
    assert data["choices"] == [{"session_id": int(form["sessions"][0]), "status": "confirmed", "position": None}]


def test_api_registration_errors_are_per_field_in_russian(app_client: TestClient, database_url: str) -> None:
    response = app_client.post("/api/v1/events/syktyvkar-2021/registrations",
                               json={"surname": "Иванова", "consent": False})

    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields["given_name"] == "Введите имя"
    assert fields["consent"] == "Для регистрации нужно ваше согласие на обработку персональных данных"
    assert _count(database_url, t.registrations) == 0


@pytest.mark.parametrize("sessions", [[1e999], [True], [1.5], ["1; drop"]])
def test_api_refuses_sessions_that_are_not_whole_numbers(app_client: TestClient, sessions: list[object]) -> None:
    body = {**_form(app_client), "consent": True, "sessions": sessions}

    response = app_client.post("/api/v1/events/syktyvkar-2021/registrations",
                               content=json.dumps(body).replace("Infinity", "1e999"),
                               headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"sessions": "Выберите пункты программы из списка"}


def test_api_refuses_a_body_that_is_not_json(app_client: TestClient) -> None:
    response = app_client.post("/api/v1/events/syktyvkar-2021/registrations", content=b"{not json",
                               headers={"content-type": "application/json"})

    assert response.status_code == 422
    assert response.json()["error"]["message"] == "Тело запроса — не JSON"


def test_approval_api_needs_the_organiser_token(app_client: TestClient) -> None:
    response = app_client.post("/api/v1/registrations/1/approve")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_personal_calendar_has_own_days_and_sign_ups_and_can_be_renewed(app_client: TestClient) -> None:
    import vobject

    form = _form(app_client)
    cabinet = app_client.post("/events/syktyvkar-2021/register", data=form).url.path
    page = app_client.get(cabinet).text
    feed_path = re.search(r'href="https://events\.example\.org(/calendar/[^"]+\.ics)"', page).group(1)

    feed = app_client.get(feed_path)
    calendar = vobject.readOne(feed.text)
    titles = [event.summary.value for event in calendar.vevent_list]
    all_sessions = app_client.get("/api/v1/events/syktyvkar-2021/sessions").json()["sessions"]
    first_day = form["days"][0]
    expected = [s["title"] for s in all_sessions
                if (s["starts_at"][:10] == first_day and not s["signup_required"]) or str(s["id"]) in form["sessions"]]
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert sorted(titles) == sorted(expected)

    renewed = app_client.post(f"{cabinet}/calendar")
    new_path = re.search(r'href="https://events\.example\.org(/calendar/[^"]+\.ics)"', renewed.text).group(1)

    assert new_path != feed_path
    assert app_client.get(feed_path).status_code == 404
    assert app_client.get(new_path).status_code == 200


def test_registering_twice_answers_like_the_cabinet_link_request_and_mails_the_link(
        app_client: TestClient, inbox: tuple[Inbox, str], database_url: str) -> None:
    box, _ = inbox
    app_client.post("/events/syktyvkar-2021/register", data=_form(app_client), follow_redirects=False)

    again = app_client.post("/events/syktyvkar-2021/register",
                            data=_form(app_client, email="ANNA@example.ru", surname="иванова"), follow_redirects=False)
    api = app_client.post("/api/v1/events/syktyvkar-2021/registrations", json={
        "surname": "Иванова", "given_name": "Анна", "email": "Anna@Example.ru", "phone": "+79123456789",
        "organisation_name": "ООО «Лузалес»", "position": "инженер", "region_code": "11", "category": "enterprise",
        "days": [_form(app_client)["days"][0]], "consent": True})
    _wait_for_letters(box, 3)

    assert again.status_code == 200
    assert ("Если с этим адресом была регистрация, письмо со ссылкой уже отправлено на ANNA@example.ru"
            in again.text)
    assert "уже зарегистрирован" not in again.text
    assert re.search(r'<a class="button" href="[^"]*/">К списку мероприятий</a>', again.text)
    assert api.status_code == 202, api.text
    assert api.json()["status"] == "link_sent"
    assert _count(database_url, t.registrations) == 1
    subjects = [(r.rcpt_tos, r.message["Subject"].split(":")[0]) for r in box.received]
    assert subjects == [(["anna@example.ru"], "Ваш билет"), (["anna@example.ru"], "Ваш личный кабинет"),
                        (["anna@example.ru"], "Ваш личный кабинет")]


def test_cancelling_asks_once_more_then_cancels_and_sends_a_short_letter(
        app_client: TestClient, inbox: tuple[Inbox, str]) -> None:
    box, _ = inbox
    cabinet = app_client.post("/events/syktyvkar-2021/register", data=_form(app_client)).url.path
    assert 'action="https://events.example.org' + cabinet + '/cancel"' in app_client.get(cabinet).text

    asked = app_client.post(f"{cabinet}/cancel")
    still = app_client.get(cabinet)
    done = app_client.post(f"{cabinet}/cancel", data={"confirm": "yes"})
    _wait_for_letters(box, 2)

    assert "<h1>Отменить регистрацию?</h1>" in asked.text
    assert "Да, отменить регистрацию" in asked.text and "Нет, оставить регистрацию" in asked.text
    assert "Регистрация подтверждена" in still.text
    assert "Регистрация отменена" in done.text or "Ваша регистрация отменена" in done.text
    letter = box.received[1].message
    assert letter["Subject"] == ("Ваша регистрация отменена: "
                                 "Практическая сессия по развитию промышленных кластеров России")
    assert "Билет больше не действует" in letter.get_body(("plain",)).get_content()


def _sessions(client: TestClient) -> list[dict[str, Any]]:
    return list(client.get("/api/v1/events/syktyvkar-2021/sessions").json()["sessions"])


def test_site_visit_page_offers_sign_up_with_the_visit_and_its_day_ticked(app_client: TestClient) -> None:
    visit = next(s for s in _sessions(app_client) if s["kind"] == "site_visit" and s["starts_at"][:10] == "2021-04-01")
    page = app_client.get(f"/events/syktyvkar-2021/sessions/{visit['id']}").text

    link = re.search(r'<a class="button" href="https://events\.example\.org(/events/syktyvkar-2021/register\?session=\d+)">'
                     r"Записаться</a>", page)
    assert link is not None
    form = app_client.get(link.group(1)).text
    ticked_sessions = re.findall(r'name="sessions" value="(\d+)" checked', form)
    ticked_days = re.findall(r'name="days" value="([0-9-]+)" checked', form)
    assert ticked_sessions == [str(visit["id"])]
    assert ticked_days == ["2021-04-01"]
    assert f"В форме ниже уже отмечены «{visit['title']}» и нужный день." in form

    registered = app_client.post("/events/syktyvkar-2021/register", data=delegate_form(
        email="olga@example.ru", days=ticked_days, sessions=ticked_sessions))
    assert registered.status_code == 200
    assert "Регистрация подтверждена" in registered.text
    assert re.search(rf"{re.escape(visit['title'])}\s*</strong>.*?Место за вами", registered.text, re.S)


def test_sign_up_link_for_a_session_without_sign_up_opens_a_plain_form(app_client: TestClient) -> None:
    plain = next(s for s in _sessions(app_client) if not s["signup_required"])
    page = app_client.get(f"/events/syktyvkar-2021/sessions/{plain['id']}").text
    form = app_client.get(f"/events/syktyvkar-2021/register?session={plain['id']}").text

    assert "Записаться" not in page and "register?session=" not in page
    assert re.findall(r'name="(?:sessions|days)" value="[^"]+" checked', form) == []
    assert "уже отмечены" not in form


def test_session_page_says_why_sign_up_is_closed_instead_of_offering_it(database_url: str, tmp_path: Path) -> None:
    load_event_into(database_url)
    after_the_event = FixedClock(datetime(2021, 4, 5, 9, 0, tzinfo=UTC))
    with TestClient(create_app(settings_for(database_url, tmp_path / "data"), clock=after_the_event)) as client:
        visit = next(s for s in _sessions(client) if s["kind"] == "site_visit")
        page = client.get(f"/events/syktyvkar-2021/sessions/{visit['id']}").text

    assert "Регистрация закрыта: записаться сейчас нельзя." in page
    assert "register?session=" not in page and ">Записаться<" not in page


def test_ticket_page_mails_the_cabinet_link_to_the_delegate_only(app_client: TestClient,
                                                                 inbox: tuple[Inbox, str]) -> None:
    box, _ = inbox
    cabinet = app_client.post("/events/syktyvkar-2021/register", data=_form(app_client)).url.path
    ticket_path = re.search(r'href="https://events\.example\.org(/t/[A-Z0-9]{26})"',
                            app_client.get(cabinet).text).group(1)
    _wait_for_letters(box, 1)
    ticket = app_client.get(ticket_path).text
    assert "/cabinet/" not in ticket  # whoever scans the QR code does not get the cabinet
    assert "можем прислать её ещё раз на a•••@example.ru" in ticket

    action = re.search(r'<form method="post" action="https://events\.example\.org(/t/[A-Z0-9]{26}/cabinet-link)">\s*'
                       r'<button type="submit" class="button secondary">Прислать ссылку на личный кабинет</button>',
                       ticket).group(1)
    sent = app_client.post(action)
    _wait_for_letters(box, 2)

    assert str(sent.url) == f"https://events.example.org{ticket_path}?link=sent"
    assert "Ссылка на личный кабинет отправлена на a•••@example.ru." in sent.text
    letter = box.received[1]
    assert letter.rcpt_tos == ["anna@example.ru"]
    link = re.search(r"https://events\.example\.org(/cabinet/\S+)", letter.message.get_body(("plain",)).get_content())
    assert "Иванова Анна Сергеевна" in app_client.get(link.group(1)).text

    for _ in range(2):
        app_client.post(action)
    refused = app_client.post(action)
    assert refused.status_code == 429
    assert "Ссылку уже отправляли несколько раз" in refused.text
