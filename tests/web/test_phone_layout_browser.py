"""Every public and phone-facing page on a 360 × 740 phone in Chromium, in Russian and in English:
nothing scrolls sideways, no tap target is under 24 px, long Russian words wrap, field errors read
as sentences, and the ticket's QR code is on the first screen. Screenshots go to $EVENTS_SHOTS
(default /tmp/ux-shots) for a person to look at.

The page list is kept complete by a test: each GET route of the application is either swept here
(`PHONE_PAGES`) or named in `NOT_PHONE_FACING` with the reason.

The service runs as a subprocess with the whole demo loaded (its events lie ahead of today) and,
set up beforehand through the real services, what the pages behind links need: a delegate in two
events, a certificate, a consultation booking, a defence team's application, a jury slot, a door
device and a member of staff who holds the phone roles.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, Playwright
from starlette.routing import Mount, Route

from events_app.app import create_app
from events_app.clock import SystemClock
from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.certificates import CheckinRule, CompletionRule
from events_app.domain.links import sign_cabinet_link, sign_checkin_view_link, sign_defence_cabinet_link
from events_app.domain.staff import Role
from events_app.services.attendance import join_links
from events_app.services.cabinet import access
from events_app.services.certificates import issuing
from events_app.services.checkin import devices
from events_app.services.consultations import bookings, slots
from events_app.services.defences import applications, blocks
from events_app.services.programme import catalogue
from events_app.services.staff import accounts
from tests.conftest import settings_for
from tests.consultation_support import person
from tests.factories import PASSWORD, cli, register, staff
from tests.smtp_server import free_port
from tests.web.browser_support import launch, picture, service_env, serving, start_playwright

SHOTS = Path(os.environ.get("EVENTS_SHOTS", "/tmp/ux-shots"))
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}
SCREEN_HEIGHT = 740
SECRET = "phone-layout-secret-key-that-is-long-enough-7"
EVENT = "syktyvkar-2021"
ONLINE_EVENT = "proclusters-2022"  # sessions on ten days over two months, all of them online
STAFF = "phone-staff@example.ru"  # door and expert in Syktyvkar, consultant in Kirov
ORGANISER = "phone-organiser@example.ru"  # organiser of Syktyvkar: every area of the event's workspace
# A long address a desktop's table has room for, and one wider than a phone's line, where it may
# break after its «@».
LONG_EMAIL = "konstantinopolskaya@lesprom-komi.ru"
LONGER_EMAIL = "konstantinopolskaya.maria@lesopromyshlennik-komi.ru"


@dataclass(frozen=True)
class Data:
    """What the set-up made, for the pages behind links."""
    ticket: str
    cabinet: str
    cabinet_all: str
    visitor_data: str
    join: str
    certificate: str
    slot: int
    booking: str
    defence_cabinet: str
    jury_slot: int
    pairing_code: str
    checkin_view: str
    events: dict[str, list[str]]  # slug → its days, ISO
    sessions: list[tuple[str, int]]  # one session of each kind in each event, and the longest Syktyvkar title
    venues: list[tuple[str, str]]  # (event slug, venue key), every venue of Syktyvkar and the online event


@dataclass(frozen=True)
class Server:
    base_url: str
    env: dict[str, str]
    data: Data


def _letter_text(raw: str) -> str:
    message = email.message_from_string(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def _prepare(database_url: str, data_dir: Path, base_url: str) -> Data:
    settings = settings_for(database_url, data_dir, EVENTS_BASE_URL=base_url, EVENTS_SECRET_KEY=SECRET)
    now = SystemClock().now()  # the server runs on the real clock; the demo lies ahead of it
    async with Store(database_url) as store:
        events = {row["slug"]: row for row in await store.fetch_all(sa.select(t.events))}
        sessions = await store.fetch_all(sa.select(t.sessions.c.id, t.sessions.c.event_id, t.sessions.c.kind,
                                                   t.sessions.c.title, t.sessions.c.starts_at)
                                         .order_by(t.sessions.c.starts_at, t.sessions.c.id))
        one_of_each = {(row["event_id"], row["kind"]): row["id"] for row in reversed(sessions)}
        longest = max((row for row in sessions if row["event_id"] == events[EVENT]["id"]),
                      key=lambda row: len(row["title"]))
        venues = await store.fetch_all(sa.select(t.venues.c.key, t.venues.c.event_id))
        event_of = {row["id"]: slug for slug, row in events.items()}
        syktyvkar = await catalogue.get_event(store, EVENT)
        first_day = syktyvkar.starts_on.isoformat()
        mondi = next(row["id"] for row in sessions if "деревообрабатывающего" in row["title"])

        delegate = await register(store, settings, 0, slug=EVENT, now=now, surname="Константинопольская",
                                  given_name="Александра", email="long@example.ru", days=[first_day],
                                  sessions=[str(mondi)])
        await register(store, settings, 1, slug=EVENT, now=now, surname="Константинопольская", given_name="Мария",
                       email=LONG_EMAIL, days=[first_day], sessions=[str(mondi)])
        await register(store, settings, 2, slug=EVENT, now=now, surname="Константинопольская", given_name="Ирина",
                       email=LONGER_EMAIL, days=[first_day], sessions=[str(mondi)])
        cabinet = sign_cabinet_link(SECRET, registration_id=delegate.id, link_version=0, now=now)
        online = await catalogue.get_event(store, ONLINE_EVENT)
        online_days = sorted({row["starts_at"].date() for row in sessions if row["event_id"] == online.id})
        attendee = await register(store, settings, 0, slug=ONLINE_EVENT, now=now, email="long@example.ru",
                                  surname="Константинопольская", given_name="Александра",
                                  days=[online_days[0].isoformat()])
        online_sessions = [row["id"] for row in await join_links.online_sessions(store, online.id)]
        join = next(iter((await join_links.tokens_for(store, attendee.id, online_sessions[:1])).values()))
        await join_links.follow(store, join, now=now)  # she joined one webinar: enough for the rule below
        await issuing.save_rule(store, event_id=online.id, actor=None, now=now,
                                rule=CompletionRule(min_online=1, checkin=CheckinRule.NONE))
        [certificate] = await issuing.issue(store, settings, event_id=online.id, now=now)

        await access.request_link(store, settings, email="long@example.ru", language="ru", now=now)
        letters = await store.fetch_all(sa.select(t.outbox.c.message).where(t.outbox.c.recipient.contains("long@")))
        [cabinet_all] = [found.group(0) for row in letters
                         if (found := re.search(r"/cabinet/all/\S+", _letter_text(row["message"])))]

        slot = (await slots.list_slots(store, now=now))[0]
        booking = await bookings.book(store, settings, slot_id=slot.id, data=person(1), consent_ip=None,
                                      language="ru", now=now)
        application = await applications.submit(store, settings, syktyvkar, {
            "project_title": "Освоение производства древесноволокнистых плит средней плотности",
            "organisations": "ООО «Лузалес», АО «Монди СЛПК»", "regions": "Республика Коми",
            "presenters": "Петров Пётр", "email": "team@example.ru", "summary": "Совместный кластерный проект.",
            "consent": "on"}, language="ru", ip=None, now=now)

        member = await staff(store, STAFF, Role.DOOR, Role.EXPERT, event_id=syktyvkar.id, name="Анна Телефонова",
                             now=now)
        await accounts.grant_role(store, staff_id=member.id, event_id=events["kirov-2020"]["id"], role=Role.CONSULTANT,
                                  now=now)
        await staff(store, ORGANISER, Role.ORGANISER, event_id=syktyvkar.id, name="Олег Организаторов", now=now)
        (block, _count), = await blocks.list_blocks(store, syktyvkar)
        jury_slot = await blocks.add_slot(store, syktyvkar, block.id, {
            "project_title": "Литий-ионные аккумуляторы для электротранспорта", "organisations": "ООО «Энергия»",
            "regions": "", "presenters": "Петров Пётр", "talk_minutes": "15", "question_minutes": "5"},
            actor=member, ip=None, now=now)
        await blocks.add_usual_criteria(store, syktyvkar, block.id, translate=lambda text: text, actor=member,
                                        ip=None, now=now)
        await blocks.assign_expert(store, syktyvkar, block.id, member.id, actor=member, ip=None, now=now)
        device = await devices.create_device(store, SECRET, slug=EVENT, list_name=f"entry-{first_day}", name="Вход 1",
                                             now=now)
        return Data(
            ticket=f"/t/{delegate.ticket_secret}", cabinet=f"/cabinet/{cabinet}", cabinet_all=cabinet_all,
            visitor_data=f"/cabinet/{cabinet}/visitor-data", join=f"/j/{join}", certificate=f"/c/{certificate}",
            slot=slot.id, booking=f"/consultations/b/{booking.secret}",
            defence_cabinet="/defences/cabinet/" + sign_defence_cabinet_link(
                SECRET, application_id=application, link_version=0, now=now),
            jury_slot=jury_slot, pairing_code=device.pairing_code,
            checkin_view=f"/organiser/checkin/{sign_checkin_view_link(SECRET, event_id=syktyvkar.id, now=now)}",
            events={slug: sorted({row["starts_at"].date().isoformat() for row in sessions
                                  if row["event_id"] == event["id"]}) for slug, event in events.items()},
            sessions=sorted((event_of[row["event_id"]], row["id"]) for row in sessions
                            if row["id"] in {*one_of_each.values(), longest["id"]}),
            venues=[(event_of[row["event_id"]], row["key"]) for row in venues
                    if event_of[row["event_id"]] in (EVENT, ONLINE_EVENT)])


# Every page a delegate, a team, door staff, an expert or a consultant opens on a phone, by route.
PHONE_PAGES: dict[str, Callable[[Data], list[str]]] = {
    "/": lambda d: ["/"],
    "/events/{slug}": lambda d: [f"/events/{slug}" for slug in d.events],
    "/events/{slug}/agenda": lambda d: [f"/events/{slug}/agenda?day={day}" for slug, days in d.events.items()
                                        for day in days],
    "/events/{slug}/sessions/{session_id:int}": lambda d: [f"/events/{slug}/sessions/{id}" for slug, id in d.sessions],
    "/events/{slug}/venues/{key}": lambda d: [f"/events/{slug}/venues/{key}" for slug, key in d.venues],
    "/events/{slug}/changes": lambda d: [f"/events/{EVENT}/changes"],
    "/events/{slug}/register": lambda d: [f"/events/{EVENT}/register", f"/events/{ONLINE_EVENT}/register"],
    "/events/{slug}/consent": lambda d: [f"/events/{EVENT}/consent"],
    "/t/{secret}": lambda d: [d.ticket],
    "/cabinet": lambda d: ["/cabinet"],
    "/cabinet/{token}": lambda d: [d.cabinet],
    "/cabinet/all/{token}": lambda d: [d.cabinet_all],
    "/cabinet/{token}/visitor-data": lambda d: [d.visitor_data],
    "/c/{number}": lambda d: [d.certificate],
    "/consultations": lambda d: ["/consultations"],
    "/consultations/consent": lambda d: ["/consultations/consent"],
    "/consultations/{slot_id:int}": lambda d: [f"/consultations/{d.slot}"],
    "/consultations/b/{secret}": lambda d: [d.booking],
    # A working join link sends the phone on to the webinar; one that no longer works lands here.
    "/j/{token}": lambda d: ["/j/no-longer-a-link"],
    "/events/{slug}/defences/apply": lambda d: [f"/events/{EVENT}/defences/apply"],
    "/defences/cabinet/{token}": lambda d: [d.defence_cabinet],
    "/scan": lambda d: ["/scan"],
    "/pair/{code}": lambda d: [f"/pair/{d.pairing_code}"],
    "/organiser/login": lambda d: ["/organiser/login"],
    # Signed in as door staff, expert and consultant: the pages of those roles.
    "/organiser": lambda d: ["/organiser"],
    "/organiser/account": lambda d: ["/organiser/account"],
    "/organiser/events/{slug}": lambda d: [f"/organiser/events/{EVENT}"],
    "/organiser/events/{slug}/jury": lambda d: [f"/organiser/events/{EVENT}/jury"],
    "/organiser/events/{slug}/jury/slots/{slot_id:int}":
        lambda d: [f"/organiser/events/{EVENT}/jury/slots/{d.jury_slot}"],
    "/organiser/consultations/day": lambda d: ["/organiser/consultations/day"],
    "/organiser/checkin/{token}": lambda d: [d.checkin_view],
}
SIGNED_IN = "/organiser"  # routes under it, but the login form, are opened by the signed-in member

FILE = "a file for a program (calendar, spreadsheet, feed, PDF, image, script), not a page"
DESK = "the organiser's workspace, used at a desk: wide tables, the agenda grid, forms of many fields"
NOT_PHONE_FACING: dict[str, str] = {
    "/lang/{language}": "switches the language and goes back to the page it came from",
    "/healthz": "a health check for the load balancer", "/readyz": "a readiness check for the load balancer",
    "/stage/{token}": "the projector's screen in the hall (16:9), not a phone's",
    "/stage/{token}/state.json": FILE, "/calendar/{token}.ics": FILE, "/events/{slug}/calendar.ics": FILE,
    "/events/{slug}/sessions/{session_id:int}.ics": FILE, "/events/{slug}/schedule.xml": FILE,
    "/events/{slug}/schedule.json": FILE, "/events/{slug}/agenda.xlsx": FILE, "/events/{slug}/agenda.csv": FILE,
    "/t/{secret}/qr.svg": FILE, "/t/{secret}/qr.png": FILE, "/consultations/b/{secret}/calendar.ics": FILE,
    "/c/{number}/pdf": FILE, "/sw.js": FILE, "/manifest.webmanifest": FILE,
    "/events/{slug}/defences/slides/{application_id:int}.pdf": FILE, "/defences/cabinet/{token}/slides.pdf": FILE,
    "/organiser/audit": "the administrator's audit log, read at a desk",
    "/organiser/staff": "the administrator's staff accounts, managed at a desk",
    "/organiser/consultations": "consultation slots are planned at a desk; the specialist's phone page is /day",
    **dict.fromkeys([
        "/organiser/events/new", "/organiser/events/{slug}/settings", "/organiser/events/{slug}/settings/details",
        "/organiser/events/{slug}/settings/venues", "/organiser/events/{slug}/settings/venues/{venue_id:int}",
        "/organiser/events/{slug}/settings/organisations", "/organiser/events/{slug}/settings/organisations/{key}",
        "/organiser/events/{slug}/settings/registration", "/organiser/events/{slug}/agenda",
        "/organiser/events/{slug}/agenda/sessions/new", "/organiser/events/{slug}/agenda/sessions/{ref:str}",
        "/organiser/events/{slug}/agenda/versions", "/organiser/events/{slug}/agenda/versions/{number:int}",
        "/organiser/events/{slug}/agenda/import", "/organiser/events/{slug}/agenda/export",
        "/organiser/events/{slug}/registrations", "/organiser/events/{slug}/registrations/{registration_id:int}",
        "/organiser/events/{slug}/badges", "/organiser/events/{slug}/attendance",
        "/organiser/events/{slug}/certificates", "/organiser/events/{slug}/visits",
        "/organiser/events/{slug}/visits/{session_id:int}",
        "/organiser/events/{slug}/visits/{session_id:int}/buses/{group_id:int}",
        "/organiser/events/{slug}/visits/{session_id:int}/buses/{group_id:int}/manifest",
        "/organiser/events/{slug}/visits/{session_id:int}/visitors",
        "/organiser/events/{slug}/visits/{session_id:int}/visitors.xlsx",
        "/organiser/events/{slug}/defences", "/organiser/events/{slug}/defences/applications",
        "/organiser/events/{slug}/defences/applications/{application_id:int}/slides.pdf",
        "/organiser/events/{slug}/defences/{session_id:int}",
        "/organiser/events/{slug}/defences/slots/{slot_id:int}/edit",
        "/organiser/events/{slug}/defences/{session_id:int}/results",
        "/organiser/events/{slug}/defences/{session_id:int}/results.xlsx",
        "/organiser/events/{slug}/defences/{session_id:int}/stage", "/organiser/events/{slug}/reminders",
        "/organiser/events/{slug}/checkin",  # the organiser makes door devices here; door staff use /scan
    ], DESK),
}


def _page_routes() -> dict[str, Route]:
    """Every GET route of the application outside the JSON API and the static files."""
    settings = settings_for("sqlite:///:memory:", Path("/nonexistent"))
    found: dict[str, Route] = {}
    for route in create_app(settings).routes:
        if isinstance(route, Route) and route.methods and "GET" in route.methods:
            found[route.path] = route
        elif not isinstance(route, Mount | Route):
            raise AssertionError(f"a route of an unexpected kind: {route!r}")
    return found


def test_every_page_route_is_swept_on_a_phone_or_said_not_to_be_phone_facing() -> None:
    routes = set(_page_routes())

    assert routes - PHONE_PAGES.keys() - NOT_PHONE_FACING.keys() == set(), "add the new page to one of the lists"
    assert (PHONE_PAGES.keys() | NOT_PHONE_FACING.keys()) - routes == set(), "a listed route is gone"
    assert PHONE_PAGES.keys() & NOT_PHONE_FACING.keys() == set()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("phone-layout-server")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = service_env(data_dir, base_url, EVENTS_SECRET_KEY=SECRET)
    cli(env, "migrate")
    cli(env, "demo")
    data = asyncio.run(_prepare(f"sqlite:///{data_dir / 'events.db'}", data_dir, base_url))
    with serving(env, port):
        yield Server(base_url, env, data)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    yield from start_playwright()


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture
def phone(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(base_url=server.base_url, **PHONE)
    yield context.new_page()
    context.close()


def _sign_in(page: Page, email: str) -> None:
    """Through the workspace's sign-in form, as a person does."""
    page.goto("/organiser/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/organiser")


def _width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _shot(page: Page, name: str) -> None:
    picture(page, SHOTS / f"{name}.png")


def _shot_name(route: str, index: int) -> str:
    """Named by the route, not the path: tokens in paths change from run to run."""
    return "phone-page" + re.sub(r"[^\w]+", "-", re.sub(r":\w+}", "}", route)).rstrip("-") + f"-{index}"


def _small_targets(page: Page) -> list[str]:
    """Buttons, fields and button-like links a finger cannot hit: under 24 px high or wide."""
    return list(page.evaluate("""() => [...document.querySelectorAll(
            'button, select, textarea, a.button, input:not([type=hidden]):not([type=checkbox]):not([type=radio])')]
        .filter(element => element.offsetParent !== null && !element.closest('[aria-hidden=true]'))
        .map(element => [element, element.getBoundingClientRect()])
        .filter(([, box]) => box.height < 24 || box.width < 24)
        .map(([element, box]) => `${element.tagName} ${element.id || element.textContent.trim().slice(0, 30)}`
                                 + ` ${Math.round(box.width)}x${Math.round(box.height)}`)"""))


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_public_and_phone_facing_page_fits_360_px(server: Server, phone: Page, language: str) -> None:
    phone.goto(f"/lang/{language}")  # English words and titles run longer or shorter than Russian ones
    routes = _page_routes()
    public = {route: paths for route, make in PHONE_PAGES.items()
              if not route.startswith(SIGNED_IN) or route == "/organiser/login" for paths in [make(server.data)]}
    staff_pages = {route: make(server.data) for route, make in PHONE_PAGES.items() if route not in public}
    widths: dict[str, int] = {}
    statuses: dict[str, int] = {}
    small: dict[str, list[str]] = {}

    def sweep(pages: dict[str, list[str]]) -> None:
        for route, paths in pages.items():
            assert paths, route
            for index, path in enumerate(paths):
                # Each path is one of its route's: a typo would sweep some other page instead.
                assert routes[route].path_regex.match(path.split("?")[0]), (route, path)
                response = phone.goto(path)
                assert response is not None
                statuses[path] = response.status
                _shot(phone, _shot_name(route, index) + ("" if language == "ru" else f"-{language}"))
                widths[path] = _width(phone)
                if too_small := _small_targets(phone):
                    small[path] = too_small

    sweep(public)
    _sign_in(phone, STAFF)
    sweep(staff_pages)

    assert {path: width for path, width in widths.items() if width != 360} == {}
    assert small == {}
    # The one expected "not found" is the join link that no longer works.
    assert {path: status for path, status in statuses.items() if status != 200} == {"/j/no-longer-a-link": 404}


@pytest.mark.parametrize("slug", [EVENT, ONLINE_EVENT])
def test_checkbox_errors_read_as_a_sentence_not_a_word_per_line(server: Server, phone: Page, slug: str) -> None:
    phone.goto(f"/events/{slug}/register")
    phone.locator("form.form button[type=submit]").last.click()
    phone.wait_for_load_state()
    _shot(phone, f"phone-register-errors-{slug}")
    errors = phone.locator("p.error:not(:empty)")
    boxes = [errors.nth(i).bounding_box() for i in range(errors.count())]
    widths = [int(box["width"]) for box in boxes if box]

    assert len(widths) >= 5, "the empty form shows its errors"
    # Each message gets the width of the form (about 300 px of 360), never a 28 px column
    # that puts one word on each line.
    assert min(widths) >= 250, widths
    assert _width(phone) == 360


def test_a_public_pages_header_is_one_row_on_a_phone(server: Server, phone: Page) -> None:
    """The site's name and the link to the other language side by side; the current language,
    not a link, is not repeated there."""
    phone.goto(f"/events/{EVENT}")
    brand = phone.locator("header.site .brand").bounding_box()
    other = phone.get_by_role("link", name="English")
    link = other.bounding_box()
    header = phone.locator("header.site").bounding_box()

    assert brand is not None and link is not None and header is not None
    assert link["y"] == brand["y"] and link["height"] >= 24
    assert header["height"] <= 60
    assert not phone.locator("header.site .languages [aria-current]").is_visible()
    assert _width(phone) == 360


def test_a_button_and_the_link_beside_it_each_stay_whole_on_a_phone(server: Server, phone: Page) -> None:
    """«Добавить в календарь» and «Добавить в Google Календарь» side by side left the link's first
    word beside the button and the rest on the next line; each wraps as a whole now."""
    pages = [server.data.ticket, server.data.cabinet,
             *(f"/events/{slug}/sessions/{session_id}" for slug, session_id in server.data.sessions if slug == EVENT)]
    broken: dict[str, list[str]] = {}
    for path in pages:
        phone.goto(path)
        split = phone.evaluate("""() => [...document.querySelectorAll('main p')]
            .filter((line) => line.querySelector(':scope > a.button'))
            .flatMap((line) => [...line.querySelectorAll(':scope > a')])
            .filter((link) => link.getClientRects().length > 1).map((link) => link.textContent.trim())""")
        if split:
            broken[path] = split

    assert len(pages) >= 4
    assert broken == {}


def test_ticket_qr_code_is_on_the_first_screen(server: Server, phone: Page) -> None:
    phone.goto(server.data.ticket)
    _shot(phone, "phone-ticket")
    box = phone.locator("img.qr").bounding_box()

    assert box is not None
    assert box["y"] + box["height"] <= SCREEN_HEIGHT
    assert _width(phone) == 360


def test_workspace_header_is_compact_on_a_phone(server: Server, phone: Page) -> None:
    _sign_in(phone, STAFF)
    phone.goto(f"/organiser/events/{EVENT}")
    _shot(phone, "phone-workspace")
    header = phone.locator("header.workspace-header").bounding_box()

    assert header is not None
    assert header["height"] <= 160
    assert _width(phone) == 360


def test_an_organisers_event_areas_leave_the_heading_on_the_first_screen(server: Server, phone: Page) -> None:
    """An organiser sees eleven areas of the event; on a phone they are compact tabs, not a screenful."""
    _sign_in(phone, ORGANISER)
    phone.goto(f"/organiser/events/{EVENT}/visits")
    _shot(phone, "phone-workspace-organiser")
    tabs = phone.locator(".event-nav li a")
    heights = [box["height"] for box in (tabs.nth(n).bounding_box() for n in range(tabs.count())) if box]
    nav = phone.locator("nav.event-nav").bounding_box()
    heading = phone.locator("main h1").bounding_box()

    assert tabs.count() == 11
    assert min(heights) >= 24
    assert nav is not None and nav["height"] <= 260  # six rows of 44 px tabs were 361 px
    assert heading is not None and heading["y"] + heading["height"] <= SCREEN_HEIGHT * 3 / 4
    assert _width(phone) == 360


def test_the_workspace_header_lines_up_with_its_page_on_a_desktop(server: Server, browser: Browser) -> None:
    """The workspace's page is wider than a public one; its header spans the same width."""
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1400, "height": 800})
    desktop = context.new_page()
    _sign_in(desktop, ORGANISER)
    desktop.goto(f"/organiser/events/{EVENT}/visits")
    header = desktop.locator("header.workspace-header").bounding_box()
    main = desktop.locator("main").bounding_box()
    context.close()

    assert header is not None and main is not None
    assert (header["x"], header["width"]) == (main["x"], main["width"])



# Each line of an element's text as the browser laid it out, found from where each character sits.
LINES_OF_TEXT = """element => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const lines = [];
  let top = null;
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    for (let i = 0; i < text.length; i++) {
      const range = document.createRange();
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      if (top === null || rect.top > top + 2) { lines.push(""); top = rect.top; }
      lines[lines.length - 1] += text.data[i];
    }
  }
  return lines;
}"""


def test_a_long_email_stays_on_one_line_in_the_registrations_table_on_a_desktop(server: Server,
                                                                                browser: Browser) -> None:
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1400, "height": 800})
    desktop = context.new_page()
    _sign_in(desktop, ORGANISER)
    desktop.goto(f"/organiser/events/{EVENT}/registrations?q={LONG_EMAIL}")
    _shot(desktop, "desktop-registrations-email")
    lines = desktop.locator(".reg-email", has_text=LONG_EMAIL).evaluate(LINES_OF_TEXT)
    table_overflow = desktop.locator(".table-wrap").evaluate("wrap => wrap.scrollWidth - wrap.clientWidth")
    page_width = _width(desktop)
    context.close()

    assert (lines, table_overflow, page_width) == ([LONG_EMAIL], 0, 1400)


def test_a_long_email_breaks_only_after_its_at_sign_on_a_phone(server: Server, phone: Page) -> None:
    _sign_in(phone, ORGANISER)
    phone.goto(f"/organiser/events/{EVENT}/registrations?q={LONGER_EMAIL}")
    list_width = _width(phone)
    listed = phone.locator(".reg-email", has_text=LONGER_EMAIL).evaluate(LINES_OF_TEXT)
    phone.locator("a", has_text="Константинопольская Ирина").click()
    phone.wait_for_selector("a.email")
    _shot(phone, "phone-registration-email")
    detail = phone.locator("a.email").evaluate(LINES_OF_TEXT)

    assert (list_width, _width(phone)) == (360, 360)
    assert listed == detail == ["konstantinopolskaya.maria@", "lesopromyshlennik-komi.ru"]
