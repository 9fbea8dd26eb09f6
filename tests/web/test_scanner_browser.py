"""The door scanner in a real browser: pair a phone, scan tickets with its camera, lose the network.

The service runs as a subprocess, as in production. Debian's Chromium (`apt-get install chromium`)
plays a generated video file as the phone's camera; Playwright drives it. Chromium reads the file
again whenever the page opens the camera, so replacing the file and reloading the page puts another
ticket in front of the lens.
"""

from __future__ import annotations

import asyncio
import json
import os
import posixpath
import re
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import qrcode
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from events_app import i18n
from events_app.clock import SystemClock
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.services.visits import details, transport
from events_app.settings import load_settings
from tests.conftest import ROOT, SCHEDULES
from tests.factories import PrintedDevice, cli, delegate_json, device_by_cli, event_today, staff
from tests.smtp_server import free_port
from tests.web.browser_support import launch, service_env, serving, start_playwright

EVENT = "syktyvkar-2021"
WAIT_MS = 20_000
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}


@dataclass(frozen=True)
class Server:
    base_url: str
    env: dict[str, str]
    today: date


def _get(url: str, token: str | None = None) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return int(response.status)


def _post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("scanner-server")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = service_env(data_dir, base_url)
    today = event_today()  # the server runs on the real clock: the event is moved to its today
    cli(env, "migrate")
    cli(env, "import", str(SCHEDULES / f"{EVENT}.toml"), "--shift-to", today.isoformat())
    with serving(env, port):
        yield Server(base_url, env, today)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    yield from start_playwright()


def _launch(playwright: Playwright, camera: Path, showing: str | None) -> Browser:
    """A browser whose fake camera plays the file `camera`, first showing the QR code of `showing`
    (a white page when None); `_write_camera` on the same file shows another code later."""
    _write_camera(camera, showing)
    return launch(playwright, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={camera}")


def _register(server: Server, surname: str, given_name: str, email: str) -> str:
    visits = _get(f"{server.base_url}/api/v1/events/{EVENT}/sessions?day={server.today}&kind=site_visit")
    answer = _post(f"{server.base_url}/api/v1/events/{EVENT}/registrations", delegate_json(
        surname=surname, given_name=given_name, email=email, organisation_name="ООО «Лузалес»",
        days=[server.today.isoformat()], sessions=[visits["sessions"][0]["id"]]))
    assert answer["status"] == "confirmed"
    return str(answer["ticket_url"])


def _device(server: Server, name: str) -> PrintedDevice:
    return device_by_cli(server.env, list_name=f"entry-{server.today}", name=name)


def _write_camera(path: Path, text: str | None) -> None:
    """A Y4M video of a white page, with the QR code of `text` in the middle when given."""
    width, height = 640, 480
    picture = Image.new("RGB", (width, height), "white")
    if text:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data(text)
        code.make(fit=True)
        symbol = code.make_image().convert("RGB").resize((360, 360), Image.Resampling.NEAREST)
        picture.paste(symbol, ((width - 360) // 2, (height - 360) // 2))
    luma, blue, red = picture.convert("YCbCr").split()
    # Pillow gives full-range values; Chromium reads studio range (16–235 for luma, 16–240 for chroma).
    luma = luma.point(lambda value: 16 + value * 219 // 255)
    chroma = [plane.resize((width // 2, height // 2)).point(lambda value: 16 + value * 224 // 255)
              for plane in (blue, red)]
    frame = b"FRAME\n" + luma.tobytes() + chroma[0].tobytes() + chroma[1].tobytes()
    staged = path.with_suffix(".new")
    staged.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 2)
    os.replace(staged, path)  # whole, never half-written, when the browser opens it


def _pair(context: BrowserContext, pairing_url: str) -> Page:
    page = context.new_page()
    page.goto(pairing_url)
    page.get_by_role("button", name="Подключить этот телефон").click()
    page.wait_for_url("**/scan")
    return page


def _checked_in(server: Server, token: str) -> int:
    lists = _get(f"{server.base_url}/api/v1/checkin/lists", token)["lists"]
    return int(next(item["checked_in"] for item in lists if item["name"] == f"entry-{server.today}"))


def _eventually(check: Any, seconds: float = 30) -> Any:
    """Poll `check` until it returns something true; bounded, so a failure fails instead of hanging."""
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.25)
    return result


def test_scanner_admits_warns_then_decides_offline_and_uploads_when_back(
        server: Server, playwright: Playwright, tmp_path: Path) -> None:
    anna = _register(server, "Иванова", "Анна", "anna@example.ru")
    petr = _register(server, "Петров", "Пётр", "petr@example.ru")
    device = _device(server, "Вход 1")
    camera = tmp_path / "camera.y4m"
    browser = _launch(playwright, camera, anna)
    try:
        context = browser.new_context(**PHONE)
        page = _pair(context, device.pairing_url)
        answer = page.locator("#answer")

        expect(answer).to_be_visible(timeout=WAIT_MS)
        expect(answer).to_have_class(re.compile(r"\bok\b"))
        expect(page.locator("#answer-name")).to_have_text("Иванова Анна")
        assert _checked_in(server, device.token) == 1

        # The same code read again (the page opened anew): the server says she is already in.
        page.reload()
        expect(answer).to_be_visible(timeout=WAIT_MS)
        expect(answer).to_have_class(re.compile(r"\bwarn\b"))
        expect(page.locator("#answer-name")).to_have_text("Иванова Анна")
        expect(page.locator("#answer-first")).to_contain_text("Вход 1")
        assert _checked_in(server, device.token) == 1

        # Ready for the network to go: the page shell is kept and so is today's list.
        list_key = f"events.offline.entry-{server.today}"
        _eventually(lambda: page.evaluate(
            "key => navigator.serviceWorker.controller !== null && localStorage.getItem(key) !== null", list_key))

        context.set_offline(True)
        _write_camera(camera, petr)
        page.reload()  # served by the service worker; the camera opens on the new video

        expect(answer).to_have_class(re.compile(r"\bok\b"), timeout=WAIT_MS)
        expect(page.locator("#answer-name")).to_have_text("Петров Пётр")
        expect(page.locator("#answer-offline")).to_be_visible()
        expect(page.locator("#connection")).to_have_text("офлайн · в очереди 1")
        assert _checked_in(server, device.token) == 1

        context.set_offline(False)

        assert _eventually(lambda: _checked_in(server, device.token) == 2)
        expect(page.locator("#connection")).to_have_text("онлайн", timeout=WAIT_MS)
        expect(page.locator("#history li").first).to_contain_text("без сети, отправлено")
    finally:
        browser.close()


def test_scanner_page_fits_a_360px_phone(server: Server, playwright: Playwright, tmp_path: Path) -> None:
    device = _device(server, "Вход 2")
    browser = _launch(playwright, tmp_path / "camera.y4m", None)
    try:
        page = _pair(browser.new_context(**PHONE), device.pairing_url)
        expect(page.locator("#list option").first).to_have_attribute("value", f"entry-{server.today}", timeout=WAIT_MS)
        expect(page.locator("#connection")).to_have_text("онлайн")
        page.screenshot(path=str(tmp_path / "scanner-360.png"), full_page=True)

        too_small = page.evaluate("""() => [...document.querySelectorAll('button, select, input')]
            .filter(element => element.offsetParent !== null)
            .map(element => [element.id || element.textContent.trim(), element.getBoundingClientRect().height])
            .filter(([, height]) => height < 44)""")
        overflow = page.evaluate("() => document.documentElement.scrollWidth")

        assert too_small == []
        assert overflow == 360
    finally:
        browser.close()


def test_phone_without_a_device_link_is_told_how_to_connect(
        server: Server, playwright: Playwright, tmp_path: Path) -> None:
    browser = _launch(playwright, tmp_path / "camera.y4m", None)
    try:
        page = browser.new_context(**PHONE).new_page()
        page.goto(f"{server.base_url}/scan")

        expect(page.locator("#not-connected")).to_be_visible()
        expect(page.locator("#not-connected-title")).to_have_text("Этот телефон не подключён")
        expect(page.locator("#scanner")).to_be_hidden()
    finally:
        browser.close()


def test_disconnected_phone_stops_scanning_and_says_so(server: Server, playwright: Playwright, tmp_path: Path) -> None:
    device = _device(server, "Вход 3")
    browser = _launch(playwright, tmp_path / "camera.y4m", None)
    try:
        page = _pair(browser.new_context(**PHONE), device.pairing_url)
        expect(page.locator("#connection")).to_have_text("онлайн", timeout=WAIT_MS)

        cli(server.env, "revoke-device", str(device.id))
        page.reload()

        expect(page.locator("#not-connected-title")).to_have_text("Этот телефон отключён от мероприятия",
                                                                 timeout=WAIT_MS)
        expect(page.locator("#scanner")).to_be_hidden()
        assert page.evaluate("() => localStorage.getItem('events.device_token')") is None
    finally:
        browser.close()


def _module_imports(path: str, seen: set[str]) -> set[str]:
    """Every static module a scanner module imports, followed through the imports."""
    if path in seen:
        return seen
    seen.add(path)
    source = (ROOT / path.lstrip("/")).read_text(encoding="utf-8")
    for relative in re.findall(r'^(?:import|export)\s[^;]*?\sfrom\s+["\'](\.{1,2}/[^"\']+)["\']', source, re.MULTILINE):
        _module_imports(posixpath.normpath(posixpath.join(posixpath.dirname(path), relative)), seen)
    return seen


def test_service_worker_keeps_every_file_the_scanner_needs(server: Server) -> None:
    source = (ROOT / "static" / "scanner" / "sw.js").read_text(encoding="utf-8")
    shell = set(re.findall(r'^\s+"(/[^"]*)",$', source, re.MULTILINE))
    manifest = _get(f"{server.base_url}/manifest.webmanifest")
    needed = (_module_imports("/static/scanner/scan.js", set()) | {icon["src"] for icon in manifest["icons"]}
              | {"/scan", "/manifest.webmanifest", "/static/scanner/scan.css"})

    missing = needed - shell
    unserved = [path for path in sorted(shell) if _status(f"{server.base_url}{path}") != 200]

    assert missing == set()
    assert unserved == []
    assert (manifest["start_url"], manifest["display"]) == ("/scan", "standalone")


def _register_on(server: Server, day: date, surname: str, given_name: str, email: str) -> str:
    answer = _post(f"{server.base_url}/api/v1/events/{EVENT}/registrations", delegate_json(
        surname=surname, given_name=given_name, email=email, organisation_name="ООО «Алграф»",
        days=[day.isoformat()], sessions=[]))
    assert answer["status"] == "confirmed"
    return str(answer["ticket_url"]).rsplit("/", 1)[1]


def test_offline_phone_finds_by_surname_admits_and_names_the_days_of_another_days_ticket(
        server: Server, playwright: Playwright, tmp_path: Path) -> None:
    tomorrow = date.fromordinal(server.today.toordinal() + 1)  # the event's second day
    _register_on(server, server.today, "Кузнецова", "Мария", "maria@example.ru")
    olga = _register_on(server, tomorrow, "Смирнова", "Ольга", "olga@example.ru")
    device = _device(server, "Вход 4")
    browser = _launch(playwright, tmp_path / "camera.y4m", None)
    try:
        context = browser.new_context(**PHONE)
        page = _pair(context, device.pairing_url)
        list_key = f"events.offline.entry-{server.today}"
        _eventually(lambda: page.evaluate(
            "key => navigator.serviceWorker.controller !== null && localStorage.getItem(key) !== null", list_key))
        before = _checked_in(server, device.token)

        context.set_offline(True)
        expect(page.locator("#connection")).to_have_text("офлайн · в очереди 0")
        page.locator("#query").fill("кузнецова")

        found = page.locator("#results button.result")
        expect(found).to_have_count(1, timeout=WAIT_MS)
        expect(found.locator("strong")).to_have_text("Кузнецова Мария")
        expect(page.locator("#search-note")).to_have_text("Без сети: найдено в списке, сохранённом на телефоне.")
        found.click()
        expect(page.locator("#answer")).to_have_class(re.compile(r"\bok\b"), timeout=WAIT_MS)
        expect(page.locator("#answer-name")).to_have_text("Кузнецова Мария")
        expect(page.locator("#answer-offline")).to_be_visible()
        expect(page.locator("#connection")).to_have_text("офлайн · в очереди 1")
        page.locator("#answer").click()

        with i18n.language("ru"):
            days_message = f"Билет на {i18n.format_days([tomorrow])}, не на сегодня"
        page.locator("#query").fill("смирнова")
        turned_away = page.locator("#results li.turned-away")
        expect(turned_away).to_have_count(1, timeout=WAIT_MS)
        expect(turned_away).to_contain_text("Смирнова Ольга")
        expect(turned_away).to_contain_text(days_message)

        page.locator("#query").fill(olga)  # her code typed from the ticket: the phone decides by itself
        page.get_by_role("button", name=f"Проверить билет {olga}").click()
        expect(page.locator("#answer")).to_have_class(re.compile(r"\berror\b"), timeout=WAIT_MS)
        expect(page.locator("#answer-name")).to_have_text("Смирнова Ольга")
        expect(page.locator("#answer-message")).to_have_text(days_message)
        expect(page.locator("#connection")).to_have_text("офлайн · в очереди 1")
        assert _checked_in(server, device.token) == before

        context.set_offline(False)

        assert _eventually(lambda: _checked_in(server, device.token) == before + 1)
        expect(page.locator("#connection")).to_have_text("онлайн", timeout=WAIT_MS)
        expect(page.locator("#history li").nth(1)).to_contain_text("без сети, отправлено")
    finally:
        browser.close()


@pytest.mark.parametrize(("flags", "message"), [
    ((), "Камера не найдена. Найдите участника по фамилии или введите код с билета ниже."),  # no camera at all
    (("--use-fake-device-for-media-stream",),  # a camera, but nobody grants the page's request for it
     "Нет доступа к камере. Разрешите его в настройках браузера для этого сайта и обновите страницу; "
     "пока найдите участника по фамилии или коду с билета ниже."),
], ids=["no-camera", "not-allowed"])
def test_phone_without_a_camera_gets_a_short_note_and_the_search_instead_of_a_black_box(
        server: Server, playwright: Playwright, flags: tuple[str, ...], message: str) -> None:
    device = _device(server, f"Вход без камеры {len(flags)}")
    browser = launch(playwright, *flags)
    try:
        page = _pair(browser.new_context(**PHONE), device.pairing_url)

        expect(page.locator("#camera-note")).to_have_text(message, timeout=WAIT_MS)
        expect(page.locator("#viewport")).to_be_hidden()
        expect(page.locator("#query")).to_be_visible()
        search_top = page.locator("#query").bounding_box()
        assert search_top is not None and search_top["y"] + search_top["height"] < PHONE["viewport"]["height"]
    finally:
        browser.close()



def _seat_on_buses(server: Server, visit_id: int, registrations: list[int]) -> list[str]:
    """Seat each registration on the visit's bus of the same rank, as an organiser moving them by
    hand would; the names of the buses' door lists in that order."""
    settings = load_settings(server.env)

    async def seat() -> list[str]:
        async with Store(settings.database_url) as store:
            member = await staff(store, "buses@example.ru", admin=True, password=None)
            event_id = int(await store.fetch_val(sa.select(t.sessions.c.event_id).where(t.sessions.c.id == visit_id)))
            buses = [group.id for group in (await details.get_visit(store, event_id, visit_id)).groups]
            for registration_id, bus in zip(registrations, buses, strict=False):
                await transport.move(store, settings, member=member, event_id=event_id, session_id=visit_id,
                                     registration_id=registration_id, group_id=bus, ip=None, now=SystemClock().now())
            return [f"bus-{bus}" for bus in buses]

    # Playwright's own loop runs in this thread: the database work gets a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, seat()).result()


def test_bus_door_search_says_which_bus_someone_of_another_bus_rides(
        server: Server, playwright: Playwright, tmp_path: Path) -> None:
    visit = _get(f"{server.base_url}/api/v1/events/{EVENT}/sessions?day={server.today}&kind=site_visit")["sessions"][0]
    riders = [_post(f"{server.base_url}/api/v1/events/{EVENT}/registrations", delegate_json(
        surname="Белова", given_name=given_name, email=f"{email}@example.ru", organisation_name=organisation,
        days=[server.today.isoformat()], sessions=[visit["id"]]))["id"]
        for given_name, email, organisation in (("Вера", "vera", "ООО «Лузалес»"), ("Нина", "nina", "АО «Монди СЛПК»"))]
    bus1, bus2 = _seat_on_buses(server, visit["id"], riders)
    door = device_by_cli(server.env, list_name=bus1, name="Дверь автобуса 1")
    browser = _launch(playwright, tmp_path / "camera.y4m", None)
    try:
        page = _pair(browser.new_context(**PHONE), door.pairing_url)
        expect(page.locator("#connection")).to_have_text("онлайн", timeout=WAIT_MS)
        titles = {item["name"]: item["title"]
                  for item in _get(f"{server.base_url}/api/v1/checkin/lists", door.token)["lists"]}
        bus2_name = titles[bus2].split(" ", 1)[1].split(" · ")[0]  # «11:30 Автобус 2 (К 456 ОР 11) · Посещение …»

        page.get_by_label("Фамилия, организация или код с билета").fill("Белова")

        expect(page.locator("#results button.result strong")).to_have_text(["Белова Вера"], timeout=WAIT_MS)
        other = page.locator("#results li.turned-away")
        expect(other).to_have_count(1)
        expect(other.locator("strong")).to_have_text("Белова Нина")
        expect(other).to_contain_text(f"Не тот автобус: участник едет в «{bus2_name}»")
    finally:
        browser.close()


def test_scanner_follows_the_english_cookie_online_and_offline_and_switches_back_to_russian(
        server: Server, playwright: Playwright, tmp_path: Path) -> None:
    john = _register(server, "Smith", "John", "john@example.com")
    jane = _register(server, "Brown", "Jane", "jane@example.com")
    device = _device(server, "Door 5")
    camera = tmp_path / "camera.y4m"
    browser = _launch(playwright, camera, john)
    try:
        context = browser.new_context(**PHONE)
        context.add_cookies([{"name": "lang", "value": "en", "url": server.base_url}])
        page = context.new_page()
        page.goto(device.pairing_url)
        expect(page.locator("h1")).to_have_text("Connect this phone as a door scanner")
        assert page.evaluate("() => document.documentElement.lang") == "en"
        page.get_by_role("button", name="Connect this phone").click()
        page.wait_for_url("**/scan")

        expect(page.locator("#answer-title")).to_have_text("Admit", timeout=WAIT_MS)
        expect(page.locator("#answer-name")).to_have_text("Smith John")
        expect(page.locator("#answer .answer-hint")).to_have_text("Tap the screen to continue")
        page.locator("#answer").click()
        assert (page.evaluate("() => document.documentElement.lang"), page.title()) == ("en", "Ticket scanner")
        expect(page.locator("#connection")).to_have_text("online")
        expect(page.locator("label[for=list]")).to_have_text("List")
        expect(page.locator(".toggle")).to_have_text(["Entry", "Exit"])
        expect(page.get_by_role("group", name="Direction")).to_be_visible()
        expect(page.get_by_label("Surname, organisation or the code on the ticket")).to_be_visible()
        expect(page.locator("#counts")).to_have_text(re.compile(r"^Checked in \d+ of \d+$"))
        # The list menu puts its counts first, so that a long title cut at 360 px leaves them visible.
        expect(page.locator("#list option").first).to_have_text(re.compile(r"^\d+/\d+ · \S"))
        expect(page.locator("#history li").first).to_contain_text("Smith John")

        list_key = f"events.offline.entry-{server.today}"
        _eventually(lambda: page.evaluate(
            "key => navigator.serviceWorker.controller !== null && localStorage.getItem(key) !== null", list_key))
        context.set_offline(True)
        _write_camera(camera, jane)
        page.reload()  # the page kept by the service worker, in English all the same

        expect(page.locator("#answer-title")).to_have_text("Admit", timeout=WAIT_MS)
        expect(page.locator("#answer-name")).to_have_text("Brown Jane")
        expect(page.locator("#answer-offline")).to_have_text(
            "Offline: the check-in goes to the server when the network is back")
        expect(page.locator("#connection")).to_have_text("offline · 1 queued")
        assert page.evaluate("() => document.documentElement.lang") == "en"
        page.locator("#answer").click()

        # A code the kept list does not know: the phone refuses it by itself, in English.
        unknown = "23456789ABCDEFGHJKMNPQRSTU"
        page.locator("#query").fill(unknown)
        page.get_by_role("button", name=f"Check ticket {unknown}").click()
        expect(page.locator("#answer-title")).to_have_text("Do not admit", timeout=WAIT_MS)
        expect(page.locator("#answer-message")).to_have_text(
            "The ticket is not in the kept list: do not admit until it is checked online or with the organiser.")
        page.locator("#answer").click()

        context.set_offline(False)
        expect(page.locator("#connection")).to_have_text("online", timeout=WAIT_MS)
        expect(page.locator("#history li").nth(1)).to_contain_text("offline, sent", timeout=WAIT_MS)

        page.get_by_role("group", name="Scanner language").get_by_role("button", name="Русский").click()

        assert page.evaluate("() => document.documentElement.lang") == "ru"
        expect(page.locator("#connection")).to_have_text("онлайн")
        expect(page.locator("label[for=list]")).to_have_text("Список")
        expect(page.locator("#counts")).to_have_text(re.compile(r"^Прошли \d+ из \d+$"))
        expect(page.locator("#history li").nth(1)).to_contain_text("без сети, отправлено")
        expect(page.get_by_role("button", name="English")).to_be_visible()
        assert {cookie["name"]: cookie["value"] for cookie in context.cookies()}["lang"] == "ru"
        page.reload()
        expect(page.locator(".toggle")).to_have_text(["Вход", "Выход"])
        assert (page.evaluate("() => document.documentElement.lang"), page.title()) == ("ru", "Сканер билетов")
    finally:
        browser.close()


def test_scanner_counts_in_the_plural_forms_of_each_language(server: Server, playwright: Playwright) -> None:
    browser = launch(playwright)
    try:
        page = browser.new_context(**PHONE).new_page()
        page.goto(f"{server.base_url}/scan")
        forms = page.evaluate("""async () => {
            const words = await import('/static/scanner/words.js');
            return ['ru', 'en'].map(code => [1, 2, 5, 11, 21, 22].map(n => words.plural('queue_stuck', n, {}, code)));
        }""")

        assert [text.split(",")[0].split(" made")[0] for text in forms[0]] == [
            "1 отметка", "2 отметки", "5 отметок", "11 отметок", "21 отметка", "22 отметки"]
        assert [text.split(" made")[0] for text in forms[1]] == [
            "1 check-in", "2 check-ins", "5 check-ins", "11 check-ins", "21 check-ins", "22 check-ins"]
    finally:
        browser.close()
