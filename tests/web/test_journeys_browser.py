"""The four journeys of issue 15, each walked end to end in Chromium as its person would walk it.

A delegate on a 360 × 740 phone finds the event, registers for a site visit, opens the ticket and the
cabinet, changes the choice and cancels; an organiser on a desktop moves a visit in the agenda
builder, publishes, seats the buses and approves a pending registration; door staff pair a phone,
find a delegate by name and admit them; an expert signs in and scores from the first screen on.
Every step checks what the person reads, and the letters that reach a real SMTP server.

One service process serves the whole module, with the Syktyvkar demo moved to today, as in
`test_scanner_browser.py`. A screenshot of each step goes to $EVENTS_SHOTS (default /tmp/ux-shots).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from events_app import i18n
from events_app.data.database import Store
from events_app.domain.staff import Role
from events_app.services.defences import blocks
from events_app.services.programme import catalogue
from tests.factories import NOW, PASSWORD, delegate_json, device_by_cli, staff
from tests.web.browser_support import launch, picture, start_playwright
from tests.web.test_agenda_builder_browser import Server, organiser_service
from tests.web.test_scanner_browser import _write_camera

EVENT = "syktyvkar-2021"
EVENT_TITLE = "Практическая сессия по развитию промышленных кластеров России"
MONDI = "Посещение АО «Монди СЛПК»: представление деревообрабатывающего кластера Республики Коми"
LUZALES = "Посещение ООО «Лузалес»: презентация совместного кластерного проекта «Освоение производства плит МДФ»"
ALGRAF = "Посещение ООО «Алграф»: промышленный технопарк"
ORGANISER = "olga@example.ru"
EXPERT = "expert@example.ru"
WAIT_MS = 20_000
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}
DESKTOP = {"viewport": {"width": 1400, "height": 1000}, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}
SHOTS = Path(os.environ.get("EVENTS_SHOTS", "/tmp/ux-shots"))
T = TypeVar("T")


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _post_json(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _eventually(check: Callable[[], T], seconds: float = 40) -> T:
    """Poll `check` until it gives something true; bounded, so a failure fails instead of hanging."""
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.25)
    return result


async def _prepare_jury(database_url: str) -> None:
    """The organiser's set-up before the day: two projects in the defence block, the usual criteria
    and an expert on its jury."""
    async with Store(database_url) as store:
        event = await catalogue.get_event(store, EVENT)
        chair = await staff(store, "chair@example.ru", Role.ORGANISER, event_id=event.id, name="Председатель",
                            password=None)
        (block, _count), = await blocks.list_blocks(store, event)
        for title, organisation in (("Освоение производства плит МДФ", "ООО «Лузалес»"),
                                    ("Литий-ионные аккумуляторы", "Елабужский аккумуляторный завод")):
            await blocks.add_slot(store, event, block.id, {
                "project_title": title, "organisations": organisation, "regions": "", "presenters": "Петров Пётр",
                "talk_minutes": "15", "question_minutes": "5"}, actor=chair, ip=None, now=NOW)
        with i18n.language("ru"):
            await blocks.add_usual_criteria(store, event, block.id, translate=i18n.gettext, actor=chair, ip=None,
                                              now=NOW)
        expert = await staff(store, EXPERT, Role.EXPERT, event_id=event.id, name="Анна Экспертова")
        await blocks.assign_expert(store, event, block.id, expert.id, actor=chair, ip=None, now=NOW)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with organiser_service(tmp_path_factory.mktemp("journeys-server"),
                           prepare=lambda database_url: asyncio.run(_prepare_jury(database_url))) as running:
        yield running


@pytest.fixture(scope="module", autouse=True)
def patient_expect() -> Iterator[None]:
    """The machine may be busy with other work: wait up to WAIT_MS for what a person should see,
    not Playwright's 5 s, and give the default back to the modules after this one."""
    expect.set_options(timeout=WAIT_MS)
    yield
    expect.set_options(timeout=None)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    yield from start_playwright()


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = launch(playwright)
    yield launched
    launched.close()


@pytest.fixture
def phone(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(base_url=server.base_url, **PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(base_url=server.base_url, **DESKTOP)
    yield context.new_page()
    context.close()


def _shot(page: Page, name: str) -> None:
    picture(page, SHOTS / f"journey-{name}.png")


def _width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _letters(server: Server, address: str) -> list[tuple[str, str]]:
    """(subject, plain text) of every letter that reached `address`, in order."""
    return [(str(received.message["Subject"]), received.message.get_body(("plain",)).get_content())
            for received in server.inbox.received if received.rcpt_tos == [address]]


def _letter(server: Server, address: str, subject_starts: str) -> str:
    """The one letter to `address` whose subject starts so, once it has arrived."""
    def arrived() -> list[str]:
        return [text for subject, text in _letters(server, address) if subject.startswith(subject_starts)]

    [text] = _eventually(arrived)
    return text


def _session_id(server: Server, title: str) -> int:
    sessions = _get_json(f"{server.base_url}/api/v1/events/{EVENT}/sessions")["sessions"]
    return int(next(s["id"] for s in sessions if s["title"] == title))


# 1. The delegate, on a phone


def test_delegate_finds_registers_opens_ticket_changes_and_cancels(server: Server, phone: Page) -> None:
    email = "maria.k@example.ru"
    phone.goto("/")
    _shot(phone, "delegate-01-events")
    phone.get_by_role("link", name=EVENT_TITLE).click()
    expect(phone.locator("h1")).to_have_text(EVENT_TITLE)
    _shot(phone, "delegate-02-event")

    phone.locator("p.actions").get_by_role("link", name="Программа").click()
    expect(phone.get_by_role("link", name=MONDI)).to_be_visible()
    _shot(phone, "delegate-03-agenda")
    assert _width(phone) == 360

    phone.get_by_role("link", name=MONDI).click()
    expect(phone.locator("h1")).to_have_text(MONDI)
    expect(phone.locator("dl.visit-facts")).to_contain_text("Отправление09:30, возвращение около 12:00")
    _shot(phone, "delegate-04-visit")

    # «Записаться» on the visit's page opens the form with the visit and its day ticked.
    phone.locator("p.actions").get_by_role("link", name="Записаться").click()
    expect(phone.locator("h1")).to_have_text("Регистрация")
    expect(phone.get_by_label(MONDI)).to_be_checked()
    expect(phone.locator(f"#f-day-{server.today}")).to_be_checked()
    _fill_in_about_maria(phone, email)
    _shot(phone, "delegate-05-form")
    phone.get_by_role("button", name="Зарегистрироваться").click()

    expect(phone.locator("h1")).to_have_text("Личный кабинет участника")
    expect(phone.locator("p.notice[role=status]")).to_contain_text(email)
    expect(phone.locator(".status")).to_have_text("Регистрация подтверждена")
    _shot(phone, "delegate-06-cabinet-new")

    phone.get_by_role("link", name="Открыть билет").click()
    expect(phone.locator("h1")).to_have_text("Кузнецова Мария")
    qr = phone.locator("img.qr").bounding_box()
    assert qr is not None
    assert qr["y"] + qr["height"] <= 740  # on the first screen
    expect(phone.locator(".ticket")).to_contain_text(MONDI)
    _shot(phone, "delegate-07-ticket")
    assert _width(phone) == 360

    confirmation = _letter(server, email, f"Ваш билет: {EVENT_TITLE}")
    assert f"{MONDI} — место за вами" in confirmation

    # From the ticket she asks for her cabinet's link, and opens the cabinet from that letter.
    phone.get_by_role("button", name="Прислать ссылку на личный кабинет").click()
    expect(phone.locator("p.notice[role=status]")).to_contain_text("Ссылка на личный кабинет отправлена на")
    link_letter = _letter(server, email, f"Ваш личный кабинет: {EVENT_TITLE}")
    cabinet_link = re.search(r"^Личный кабинет \(изменить выбор, отменить участие, отозвать согласие\): (\S+)",
                             link_letter, re.MULTILINE)
    assert cabinet_link is not None, link_letter
    phone.goto(cabinet_link.group(1))
    expect(phone.locator("h1")).to_have_text("Личный кабинет участника")
    expect(phone.locator(".my-visits")).to_contain_text(MONDI)
    _shot(phone, "delegate-08-cabinet")

    # Swap the Mondi visit for the Algraf one.
    change = phone.locator("form", has=phone.get_by_role("button", name="Сохранить"))
    change.get_by_label(MONDI).uncheck()
    change.get_by_label(ALGRAF).check()
    change.get_by_role("button", name="Сохранить").click()
    expect(phone.locator("p.notice[role=status]")).to_have_text("Изменения сохранены.")
    choices = phone.locator("ul.plain").first
    expect(choices).to_contain_text(ALGRAF)
    expect(choices).not_to_contain_text(MONDI)
    _shot(phone, "delegate-09-changed")
    assert _width(phone) == 360
    changed = _letter(server, email, f"Ваш выбор сохранён: {EVENT_TITLE}")
    assert f"{ALGRAF} — место за вами" in changed
    assert MONDI not in changed

    # Registering again, the address in other letters, gets the cabinet link's answer and letter.
    phone.goto(f"/events/{EVENT}/register")
    _fill_in_about_maria(phone, email.upper())
    phone.locator(f"#f-day-{server.today}").check()
    phone.get_by_role("button", name="Зарегистрироваться").click()
    expect(phone.locator("h1")).to_have_text("Ссылка на личный кабинет")
    expect(phone.locator("p.notice[role=status]")).to_have_text(
        f"Если с этим адресом была регистрация, письмо со ссылкой уже отправлено на {email.upper()}. "
        "Загляните и в папку «Спам».")
    _shot(phone, "delegate-10-registered-again")
    _eventually(lambda: len([subject for subject, _text in _letters(server, email)
                             if subject == f"Ваш личный кабинет: {EVENT_TITLE}"]) == 2)
    phone.goto(cabinet_link.group(1))

    # Cancelling asks once more; «No» keeps the registration, «Yes» cancels it and a receipt follows.
    phone.get_by_role("button", name="Отменить регистрацию").click()
    expect(phone.locator("h1")).to_have_text("Отменить регистрацию?")
    _shot(phone, "delegate-11-cancel-confirm")
    # The two answers look alike but for their colour: a button and a link drawn as one.
    weights = phone.evaluate("""() => [...document.querySelectorAll('main .button')]
        .map(element => [element.textContent.trim(), getComputedStyle(element).fontWeight])""")
    assert weights == [["Да, отменить регистрацию", "600"], ["Нет, оставить регистрацию", "600"]]
    phone.get_by_role("link", name="Нет, оставить регистрацию").click()
    expect(phone.locator(".status")).to_have_text("Регистрация подтверждена")
    phone.get_by_role("button", name="Отменить регистрацию").click()
    phone.get_by_role("button", name="Да, отменить регистрацию").click()
    expect(phone.locator("h1")).to_have_text("Ваша регистрация отменена")
    _shot(phone, "delegate-12-cancelled")
    cancelled = _letter(server, email, f"Ваша регистрация отменена: {EVENT_TITLE}")
    assert cabinet_link.group(1) not in cancelled

    phone.goto(cabinet_link.group(1))
    expect(phone.locator(".status")).to_have_text("Регистрация отменена")
    expect(phone.get_by_role("button", name="Сохранить")).to_have_count(0)
    assert [subject for subject, _text in _letters(server, email)] == [
        f"Ваш билет: {EVENT_TITLE}", f"Ваш личный кабинет: {EVENT_TITLE}", f"Ваш выбор сохранён: {EVENT_TITLE}",
        f"Ваш личный кабинет: {EVENT_TITLE}", f"Ваша регистрация отменена: {EVENT_TITLE}"]


def _fill_in_about_maria(phone: Page, email: str) -> None:
    phone.fill("#f-surname", "Кузнецова")
    phone.fill("#f-given_name", "Мария")
    phone.fill("#f-email", email)
    phone.fill("#f-phone", "+7 912 555-44-33")
    phone.fill("#f-organisation_name", "ООО «Северный лес»")
    phone.fill("#f-position", "главный инженер")
    phone.select_option("#f-region_code", "11")
    phone.select_option("#f-category", "enterprise")
    phone.locator("#f-consent").check()


# 2. The organiser, on a desktop


def _sign_in(page: Page, email: str) -> None:
    page.goto("/organiser/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/organiser")


def _register_by_api(server: Server, n: int, surname: str, *sessions: int, given_name: str = "Иван") -> dict[str, Any]:
    return dict(_post_json(f"{server.base_url}/api/v1/events/{EVENT}/registrations", delegate_json(
        n, surname=surname, given_name=given_name, days=[server.today.isoformat()], sessions=list(sessions))))


def test_organiser_moves_a_visit_publishes_seats_buses_and_approves(server: Server, desktop: Page) -> None:
    luzales = _session_id(server, LUZALES)
    riders = [_register_by_api(server, n, surname, luzales) for n, surname in ((101, "Смирнов"), (102, "Попов"))]
    assert [rider["status"] for rider in riders] == ["confirmed", "confirmed"]
    page = desktop
    _sign_in(page, ORGANISER)
    _shot(page, "organiser-01-home")

    # Move the Luzales visit an hour earlier in the builder, with the keyboard.
    page.goto(f"/organiser/events/{EVENT}/agenda?day={server.today}")
    block = page.locator(".block").filter(has=page.get_by_role("link", name=LUZALES, exact=True))
    expect(block.locator(".block-time")).to_have_text("13:30–15:00", timeout=WAIT_MS)
    for expected in ("13:15–14:45", "13:00–14:30", "12:45–14:15", "12:30–14:00"):
        block.focus()
        page.keyboard.press("Alt+ArrowUp")
        expect(block.locator(".block-time")).to_have_text(expected, timeout=WAIT_MS)
    _shot(page, "organiser-02-moved")

    page.get_by_role("button", name="Опубликовать").click()
    page.wait_for_load_state()
    _shot(page, "organiser-03-publish")
    # The move puts too little time between the Mondi and Luzales visits: publishing names it and asks.
    expect(page.locator("h1")).to_have_text("Опубликовать с открытыми конфликтами?", timeout=WAIT_MS)
    expect(page.locator(".confirm-items .conflict")).to_contain_text(
        f"Между «{MONDI}» и «{LUZALES}» только 30 мин")
    page.get_by_role("button", name="Всё равно опубликовать").click()
    expect(page.locator("h1")).to_have_text("Версия 1", timeout=WAIT_MS)
    expect(page.locator(".changelog")).to_contain_text(LUZALES)
    _shot(page, "organiser-04-published")

    # The buses moved with the visit, by the same hour: on the public page and on the organiser's.
    page.goto(f"/events/{EVENT}/sessions/{luzales}")
    expect(page.locator("dl.visit-facts")).to_contain_text("Отправление12:00, возвращение около 14:00")
    _shot(page, "organiser-05-public-visit")
    page.goto(f"/organiser/events/{EVENT}/visits/{luzales}")
    expect(page.locator("dl.visit-facts")).to_contain_text("Отправление12:00, возвращение около 14:00")
    expect(page.locator("#departs_at")).to_have_value(f"{server.today}T12:00")
    expect(page.locator("#returns_at")).to_have_value(f"{server.today}T14:00")

    page.get_by_role("button", name="Рассадить по автобусам").click()
    expect(page.locator(".seating-report")).to_have_text(
        "Рассажено сейчас: 2. Остались без места: 0. Писем поставлено в очередь: 2.")
    _shot(page, "organiser-06-seated")
    expect(page.locator("section.bus").first).to_contain_text("Смирнов")
    buses = {101: "Автобус 1 (К 123 ОР 11), куратор Наталья Попова",
             102: "Автобус 2 (К 456 ОР 11), куратор Игорь Канев"}
    for n, bus in buses.items():
        # Each rider hears of the move with the new departure, then of the seat with its bus.
        change = _letter(server, f"delegate{n}@example.ru", "Изменения в программе")
        assert f"Автобус на «{LUZALES}»: отправление в 12:00 от места сбора: Проходная АО «Монди СЛПК», " \
               "возвращение около 14:00" in change
        seat = _letter(server, f"delegate{n}@example.ru", "Ваш автобус")
        assert "Вам назначено место в автобусе на посещение предприятия." in seat
        assert "Отправление: 12:00, возвращение около 14:00" in seat
        assert f"Ваш автобус: {bus}" in seat  # riders of two organisations: the emptier bus each

    # Moderation on; the next delegate waits for approval, and the organiser approves them.
    _set_moderation(page, on=True)
    _shot(page, "organiser-07-moderation")
    try:
        pending = _register_by_api(server, 103, "Ждущая", luzales)
        assert pending["status"] == "pending"
        page.goto(f"/organiser/events/{EVENT}/registrations")
        row = page.locator("tr", has_text="Ждущая Иван")
        expect(row.locator(".status")).to_have_text("Ждёт одобрения")
        expect(row).to_contain_text(f"{LUZALES} — ожидает подтверждения")
        _shot(page, "organiser-08-pending")
        row.locator("input[name=ids]").check()
        page.get_by_role("button", name="Одобрить выбранные").click()
        expect(page.locator("p.notice[role=status]")).to_have_text("Одобрено: 1. Каждому участнику отправлен билет.")
        expect(page.locator("tr", has_text="Ждущая Иван").locator(".status")).to_have_text("Подтверждена")
        _shot(page, "organiser-09-approved")
        approved = _letter(server, "delegate103@example.ru", "Заявка одобрена")
        assert f"{LUZALES} — место за вами" in approved
    finally:
        # Moderation off again, even when a step above failed: the other walks register delegates
        # who get their tickets at once.
        _set_moderation(page, on=False)


def _set_moderation(page: Page, *, on: bool) -> None:
    page.goto(f"/organiser/events/{EVENT}/settings/registration")
    page.get_by_label("Организатор подтверждает каждую регистрацию до отправки билета").set_checked(on)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("p.notice[role=status]")).to_have_text("Сохранено.")
    expect(page.get_by_label("Организатор подтверждает каждую регистрацию до отправки билета")).to_be_checked(
        checked=on)


# 3. Door staff, on a phone


def test_door_pairs_a_phone_finds_a_delegate_by_name_and_admits_them(
        server: Server, playwright: Playwright, tmp_path: Path) -> None:
    assert _register_by_api(server, 201, "Сидорова", given_name="Ирина")["status"] == "confirmed"
    device = device_by_cli(server.env, list_name=f"entry-{server.today}", name="Главный вход")
    camera = tmp_path / "camera.y4m"
    _write_camera(camera, None)  # a camera that sees no code: the delegate has left their phone at the hotel
    door = launch(playwright, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={camera}")
    try:
        page = door.new_context(**PHONE).new_page()
        page.goto(device.pairing_url)
        _shot(page, "door-01-pair")
        page.get_by_role("button", name="Подключить этот телефон").click()
        page.wait_for_url("**/scan")
        expect(page.locator("#device-name")).to_have_text("Главный вход", timeout=WAIT_MS)
        expect(page.locator("#connection")).to_have_text("онлайн", timeout=WAIT_MS)
        _shot(page, "door-02-scanner")
        assert _width(page) == 360

        page.get_by_label("Фамилия, организация или код с билета").fill("Сидоро")
        found = page.locator("#results button")
        expect(found).to_have_count(1, timeout=WAIT_MS)
        expect(found.locator("strong")).to_have_text("Сидорова Ирина")
        expect(found).to_contain_text("ООО «Участник 201»")
        _shot(page, "door-03-found")
        found.click()

        answer = page.locator("#answer")
        expect(answer).to_have_class(re.compile(r"\bok\b"), timeout=WAIT_MS)
        expect(page.locator("#answer-title")).to_have_text("Проходите")
        expect(page.locator("#answer-name")).to_have_text("Сидорова Ирина")
        _shot(page, "door-04-admitted")
        answer.click()
        expect(answer).to_be_hidden()

        # Found again, she is marked as already in; checking her again warns instead of admitting twice.
        page.get_by_label("Фамилия, организация или код с билета").fill("Сидоро")
        expect(found).to_contain_text("уже прошёл(а) в", timeout=WAIT_MS)
        found.click()
        expect(answer).to_have_class(re.compile(r"\bwarn\b"), timeout=WAIT_MS)
        expect(page.locator("#answer-title")).to_have_text("Повторный проход")
        expect(page.locator("#answer-first")).to_contain_text("Главный вход")
        _shot(page, "door-05-again")
    finally:
        door.close()


# 4. The expert, on a phone


def test_expert_opens_the_jury_from_the_first_screen_scores_and_goes_on(server: Server, phone: Page) -> None:
    _sign_in(phone, EXPERT)
    _shot(phone, "expert-01-home")
    assert _width(phone) == 360
    phone.get_by_role("link", name=EVENT_TITLE).click()
    _shot(phone, "expert-02-event")
    phone.get_by_role("link", name="Перейти к защитам проектов").click()
    expect(phone.locator("h1")).to_be_visible()
    _shot(phone, "expert-03-jury")
    assert _width(phone) == 360

    # The jury page names the next project to score; four criteria, remarks, submit.
    projects = phone.locator("ol.jury-slots > li")
    expect(projects).to_have_count(2)
    expect(projects.nth(0).locator(".badge")).to_have_text("Не оценено")
    expect(phone.locator(".jury-next")).to_have_text("Следующий проект: Освоение производства плит МДФ")
    phone.locator(".jury-next").get_by_role("link").click()
    expect(phone.locator("h1")).to_have_text("Освоение производства плит МДФ")
    _score(phone, (8, 7, 9, 6), "Уточнить экономический эффект")
    expect(phone.locator("#f-remarks")).to_have_value("Уточнить экономический эффект")
    expect(phone.get_by_role("button", name="Сохранить исправление")).to_be_visible()
    # Her sheet is in, so she sees the jury's summary: hers alone so far.
    expect(phone.locator("#jury-summary")).to_contain_text("Оценили экспертов: 1 из 1")
    expect(phone.locator("#jury-summary tr").first).to_have_text(re.compile(r"^Актуальность.*8,00$"))
    _shot(phone, "expert-04-scored")
    assert _width(phone) == 360

    # Next: straight from the saved sheet to the project she has not scored.
    expect(phone.locator("#next-project")).to_have_text("Следующий проект: Литий-ионные аккумуляторы")
    phone.locator("#next-project").get_by_role("link").click()
    expect(phone.locator("h1")).to_have_text("Литий-ионные аккумуляторы")
    _score(phone, (6, 6, 7, 5), "")
    expect(phone.locator("#next-project")).to_have_text(re.compile(r"^Вы оценили все проекты этого блока\."))
    _shot(phone, "expert-05-all-scored")
    phone.locator("#next-project").get_by_role("link", name="К странице жюри").click()
    expect(projects.locator(".badge")).to_have_text(["Оценено", "Оценено"])
    assert _width(phone) == 360


def _score(page: Page, values: tuple[int, ...], remarks: str) -> None:
    fields = page.locator("input[name^=criterion-]")
    expect(fields).to_have_count(len(values))
    expect(page.locator("label[for^=f-criterion-]").first).to_contain_text("Актуальность")
    for index, value in enumerate(values):
        fields.nth(index).fill(str(value))
    page.fill("#f-remarks", remarks)
    page.get_by_role("button", name="Отправить оценки").click()
    expect(page.locator("#sheet-saved")).to_have_text("Ваши оценки сохранены.")
