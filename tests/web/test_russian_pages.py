"""The Russian interface reads in Russian: no English words left on the pages people use.

Each walk reads what a person sees (text, not addresses or attributes) on the public pages, a
delegate's cabinet and ticket, and the workspace as an organiser, an expert and door staff, and
fails on interface words left in English («usual criteria», «session 46», «command line», "Error").
Not read: scripts, styles and codes set in <code> (a check-in list's `bus-7`, a token); data that
is English by nature (an e-mail, an address) is cut out before the words are looked for.
"""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import parse_qs

import pytest
from starlette.testclient import TestClient

from events_app.clock import FixedClock
from tests.factories import NOW, register_by_form, sign_in, signed_in
from tests.web.test_defences_pages import _add_slot, _block_id, _jury

EVENT = "syktyvkar-2021"
# Interface words found in English on Russian pages, and their likely neighbours.
ENGLISH = re.compile(
    r"\b(sessions?|criteria|criterion|command line|error|network|tickets?|visits?|cancel(led)?|save|submit|"
    r"download|delete|remove|search|sign (in|out)|back|next|previous|loading|none|true|false|null|undefined|"
    r"register(ed)?|registrations?|organisers?|delegates?|experts?|door|bus(es)?|venues?|agenda|programme|"
    r"waiting|confirmed|pending|approved|rejected|draft|published|hall|enterprise|outdoors|system|usual|"
    r"scores?|results?|places?|days?|from|to|the|and|of|or|no|not|yes)\b", re.IGNORECASE)
HIDDEN = re.compile(r"<(script|style|code)\b.*?</\1>|<!--.*?-->", re.DOTALL | re.IGNORECASE)
ADDRESS = re.compile(r"(https?://|webcal://|/)[^\s<>«»]*|[\w.+-]+@[\w.-]+")
LINK = re.compile(r'href="(?:http://testserver|https://events\.example\.org)?(/[^"#]*)"')
# Files, feeds and links that end the session or switch the language are not pages to read here.
SKIP = re.compile(r"\.(xlsx|csv|pdf|ics|svg|png|xml|json|webmanifest)(\?|$)|/logout|/lang/|/api/|/static/")
MOST_PAGES = 150


@pytest.fixture
def clock() -> FixedClock:
    """Before the event: registration is open and the cabinet can still change things."""
    return FixedClock(NOW)


def visible_text(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", HIDDEN.sub(" ", html))
    return ADDRESS.sub(" ", unescape(text))


def english_words(html: str) -> list[str]:
    text = " ".join(visible_text(html).split())
    return sorted({f"{m.group(0)} ← …{text[max(0, m.start() - 30):m.end() + 30]}…" for m in ENGLISH.finditer(text)})


def _page_key(link: str) -> str:
    """One page per path: a day of the agenda is a page of its own, a filter or a cell's time is not."""
    path, _, query = link.partition("?")
    day = parse_qs(query).get("day")
    return f"{path}?day={day[0]}" if day else path


def _walk(client: TestClient, start: list[str], within: tuple[str, ...]) -> tuple[dict[str, list[str]], int]:
    """Page → the English words on it, for every page reachable from `start` under `within`; and
    how many pages were read."""
    queue, seen, found, read = deque(start), {_page_key(p) for p in start}, {}, 0
    while queue and read < MOST_PAGES:
        path = queue.popleft()
        response = client.get(path, follow_redirects=True)
        read += 1
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        words = english_words(response.text)
        if words:
            found[path] = words
        for link in LINK.findall(response.text):
            link = link.replace("&amp;", "&")
            if link.startswith(within) and _page_key(link) not in seen and not SKIP.search(link):
                seen.add(_page_key(link))
                queue.append(link)
    return found, read


def test_public_pages_have_no_english_words(client: TestClient) -> None:
    found, read = _walk(client, ["/", f"/events/{EVENT}", "/events/proclusters-2022"],
                        (f"/events/{EVENT}", "/events/proclusters-2022"))

    assert found == {}
    assert read > 30


def test_the_delegates_cabinet_and_ticket_have_no_english_words(client: TestClient) -> None:
    cabinet = register_by_form(client, sessions=["46"])  # with a site visit: its bus and meeting point

    found, read = _walk(client, [cabinet], ("/cabinet/", "/t/"))

    assert found == {}
    assert read >= 3  # the cabinet, the visitor-data form and the ticket


def test_the_organisers_workspace_has_no_english_words(client: TestClient, database_url: str) -> None:
    register_by_form(client, sessions=["46"])  # a registration to list, a visitor to seat
    signed_in(client, database_url, "olga@example.ru", role="organiser", event=EVENT)

    found, read = _walk(client, ["/organiser"], ("/organiser",))

    assert found == {}
    assert read > 40


def test_the_experts_jury_pages_have_no_english_words(client: TestClient, database_url: str) -> None:
    csrf = signed_in(client, database_url, "olga@example.ru", role="organiser", event=EVENT)
    block_id = _block_id(client)
    _add_slot(client, csrf, block_id, "Плиты МДФ")
    _jury(client, database_url, csrf, block_id, "boris@example.ru")
    client.cookies.clear()
    sign_in(client, "boris@example.ru")

    found, read = _walk(client, ["/organiser"], ("/organiser",))

    assert found == {}
    assert read >= 6


def test_door_staff_pages_have_no_english_words(client: TestClient, database_url: str) -> None:
    signed_in(client, database_url, "dima@example.ru", role="door", event=EVENT)

    found, read = _walk(client, ["/organiser", "/scan"], ("/organiser", "/scan"))

    assert found == {}
    assert read >= 4
