"""Who gets into the organiser workspace: every route, every role, and no change without a CSRF token.

The routes are not listed by hand: every workspace route is built by `staff_route`, which
attaches its declared roles, so a new page is walked here the day it is added.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from starlette.routing import BaseRoute, Mount
from starlette.testclient import TestClient

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.web.organiser.auth import ADMIN, UNSAFE_METHODS, StaffRouteInfo
from tests.factories import add_staff, sign_in

EVENT = "syktyvkar-2021"
OTHER_EVENT = "kirov-2020"
# Values for path parameters other than the event: ids that exist nowhere, so a walk changes nothing.
PARAMETER_VALUES = {"slug": EVENT}
UNKNOWN_ID = "999999"

# Pages whose own rule is narrower than their route's roles (checked by the endpoint).
NARROWER = {
    ("/organiser/audit", "door"): False,
    ("/organiser/audit", "expert"): False,
}

ROLES = {
    # name: (role for add_staff, event)
    "admin": ("admin", None),
    "organiser": ("organiser", EVENT),
    "door": ("door", EVENT),
    "expert": ("expert", EVENT),
    "stranger": ("organiser", OTHER_EVENT),  # an organiser of another event
}


def staff_routes(routes: list[BaseRoute]) -> Iterator[tuple[StaffRouteInfo, str]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from staff_routes(list(route.routes))
        info = getattr(route, "staff", None)
        if isinstance(info, StaffRouteInfo):
            for method in info.methods:
                yield info, method


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PARAMETER_VALUES.get(m.group(1), UNKNOWN_ID), path)


def expected_in(info: StaffRouteInfo, who: str) -> bool:
    if (info.path, who) in NARROWER:
        return NARROWER[(info.path, who)]
    if who == "admin":
        return True
    if ADMIN in info.roles:
        return False
    role, event = ROLES[who]
    if "{slug}" not in info.path:
        return True
    if event != EVENT:
        return False
    return not info.roles or role in info.roles


def _request(client: TestClient, method: str, path: str, csrf: str | None) -> int:
    data = {"csrf_token": csrf} if csrf else {}
    response = client.request(method, path, data=data if method in UNSAFE_METHODS else None,
                              follow_redirects=False)
    return response.status_code


@dataclass
class Walk:
    client: TestClient
    csrf: dict[str, str]


@pytest.fixture
def walk(client: TestClient, database_url: str) -> Walk:
    tokens = {}
    for who, (role, event) in ROLES.items():
        add_staff(database_url, f"{who}@example.ru", role=role, event=event)
    for who in ROLES:
        client.cookies.clear()
        tokens[who] = sign_in(client, f"{who}@example.ru")
        tokens[who + ":cookie"] = client.cookies["staff_session"]
    client.cookies.clear()
    return Walk(client=client, csrf=tokens)


def test_every_workspace_route_without_sign_in_goes_to_login_or_is_refused(client: TestClient) -> None:
    seen = []
    for info, method in staff_routes(list(client.app.routes)):
        response = client.request(method, concrete(info.path), follow_redirects=False)
        seen.append(info.path)
        if method in UNSAFE_METHODS or info.path.startswith("/organiser/api/"):
            assert response.status_code == 401, (method, info.path)
        else:
            assert response.status_code == 303, (method, info.path)
            assert response.headers["location"].startswith("/organiser/login?next="), info.path
    assert "/organiser" in seen and "/organiser/audit" in seen


@pytest.mark.parametrize("who", list(ROLES))
def test_every_workspace_route_admits_exactly_the_roles_it_declares(walk: Walk, who: str) -> None:
    client = walk.client
    client.cookies.set("staff_session", walk.csrf[who + ":cookie"])
    wrong = []
    for info, method in staff_routes(list(client.app.routes)):
        if info.name == "organiser_logout":
            continue  # would end the session the walk goes on with; tested on its own
        status = _request(client, method, concrete(info.path), walk.csrf[who])
        got_in = status not in (401, 403)
        if got_in != expected_in(info, who) or status >= 500:
            wrong.append((method, info.path, status))
    assert wrong == []


def _fingerprint(database_url: str) -> dict[str, str]:
    """A digest of every table's rows (except the login bookkeeping), by table name."""

    async def run() -> dict[str, str]:
        digests = {}
        async with Store(database_url) as store:
            for table in t.metadata.sorted_tables:
                if table.name in ("rate_limits", "staff_sessions"):
                    continue
                rows = await store.fetch_all(sa.select(table).order_by(*table.primary_key.columns))
                digests[table.name] = hashlib.sha256(repr([tuple(row.values()) if hasattr(row, "values")
                                                           else tuple(row) for row in rows]).encode()).hexdigest()
        return digests

    return asyncio.run(run())


def test_every_state_changing_route_refuses_a_missing_wrong_or_foreign_csrf_token(
        walk: Walk, database_url: str) -> None:
    client = walk.client
    client.cookies.set("staff_session", walk.csrf["admin:cookie"])
    before = _fingerprint(database_url)
    accepted = []
    unsafe = [(info, method) for info, method in staff_routes(list(client.app.routes))
              if method in UNSAFE_METHODS]
    for info, method in unsafe:
        path = concrete(info.path)
        attempts = [
            client.request(method, path, data={}, follow_redirects=False),
            client.request(method, path, data={"csrf_token": "forged-token"}, follow_redirects=False),
            client.request(method, path, data={"csrf_token": walk.csrf["organiser"]}, follow_redirects=False),
            client.request(method, path, json={}, headers={"X-CSRF-Token": "forged-token"}, follow_redirects=False),
            client.request(method, path, data={"csrf_token": walk.csrf["admin"]},
                           headers={"Origin": "https://evil.example"}, follow_redirects=False),
        ]
        accepted += [(method, info.path, n, r.status_code) for n, r in enumerate(attempts) if r.status_code != 403]
    assert len(unsafe) >= 2
    assert accepted == []
    assert _fingerprint(database_url) == before
