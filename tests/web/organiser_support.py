"""Helpers for workspace tests: staff accounts with roles, and signing a test client in."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from events_app.data.database import Store
from events_app.domain.staff import Role
from events_app.services.checkin.devices import event_id_of
from events_app.services.staff import accounts

if TYPE_CHECKING:
    from starlette.testclient import TestClient

PASSWORD = "correct-horse-battery"


def add_staff(database_url: str, email: str, *, role: str, event: str | None = None,
              visitor_data: bool = False, password: str = PASSWORD) -> int:
    """An account with one role: "admin", or a `Role` in `event`."""

    async def run() -> int:
        now = datetime.now(UTC)
        async with Store(database_url) as store:
            staff_id = await accounts.create_staff(store, email=email, name=email.split("@")[0], password=password,
                                                is_admin=role == "admin", now=now)
            if role != "admin":
                assert event is not None
                await accounts.grant_role(store, staff_id=staff_id, event_id=await event_id_of(store, event),
                                       role=Role(role), now=now, visitor_data=visitor_data)
            return staff_id

    return asyncio.run(run())


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign the client in through the login form; gives the session's CSRF token."""
    form = client.get("/organiser/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    response = client.post("/organiser/login", data={"email": email, "password": password,
                                                     "login_token": token.group(1), "next": "/organiser"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_token(client)


def csrf_token(client: TestClient) -> str:
    page = client.get("/organiser")
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert found, page.text
    return found.group(1)
