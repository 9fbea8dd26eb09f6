"""Every link the workspace shows a member opens for that member.

The walk starts where a member lands after signing in and follows every workspace link on every
page it reaches, as each role would: a link that answers 403 is a button the member should never
have been shown (an expert's «Перейти к защитам проектов» once led to the organisers' page).
"""

from __future__ import annotations

import re
from collections import deque

import pytest
from starlette.testclient import TestClient

from tests.factories import add_staff, sign_in

EVENT = "syktyvkar-2021"
LINK = re.compile(r'href="(/organiser[^"#]*)"')
# Files and links that end the session are opened elsewhere; the walk reads pages.
SKIP = re.compile(r"\.(xlsx|csv|pdf|ics|svg|png)(\?|$)|/logout")
MOST_PAGES = 150


def _walk(client: TestClient) -> tuple[list[tuple[str, str, int]], int]:
    """(page, link, status) for every link that did not open; and how many pages were read."""
    queue = deque([("login", "/organiser")])
    seen = {path for _, path in queue}
    refused = []
    read = 0
    while queue and read < MOST_PAGES:
        source, path = queue.popleft()
        response = client.get(path, follow_redirects=True)
        read += 1
        if response.status_code in (401, 403) or response.status_code >= 500:
            refused.append((source, path, response.status_code))
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        for link in LINK.findall(response.text):
            link = link.replace("&amp;", "&")
            if link not in seen and not SKIP.search(link):
                seen.add(link)
                queue.append((path, link))
    return refused, read


@pytest.mark.parametrize("role", ["organiser", "door", "expert", "consultant"])
def test_every_link_shown_to_a_role_opens_for_it(client: TestClient, database_url: str, role: str) -> None:
    add_staff(database_url, f"{role}@example.ru", role=role, event=EVENT)
    sign_in(client, f"{role}@example.ru")

    refused, read = _walk(client)

    assert refused == []
    assert read >= 2


def test_the_experts_first_screen_leads_to_the_jury_and_offers_no_audit_log(client: TestClient,
                                                                            database_url: str) -> None:
    add_staff(database_url, "expert@example.ru", role="expert", event=EVENT)
    sign_in(client, "expert@example.ru")

    home = client.get(f"/organiser/events/{EVENT}").text

    [button] = re.findall(r'<a class="button" href="([^"]+)">Перейти к защитам проектов</a>', home)
    assert button == f"/organiser/events/{EVENT}/jury"
    assert client.get(button).status_code == 200
    assert 'href="/organiser/audit"' not in home
