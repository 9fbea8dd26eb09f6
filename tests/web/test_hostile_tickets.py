"""Ticket secrets guessed, altered, and replayed at another event's door: all refused, nothing admitted."""

from __future__ import annotations

import asyncio
import secrets
import string
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.app import create_app
from events_app.clock import FixedClock
from events_app.data import tables as t
from events_app.data.database import Store
from tests.conftest import settings_for
from tests.factories import door_device, load_event
from tests.web.test_checkin_api import AT_THE_DOOR, ENTRY, TODAY, _redeem, _register

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _doors(database_url: str, tmp_path: Path) -> tuple[TestClient, str, str]:
    """Two events on the same day, a door device for each."""
    settings = settings_for(database_url, tmp_path / "data")

    async def prepare() -> tuple[str, str]:
        async with Store(database_url) as store:
            await load_event(store, shift_to=TODAY)
            await load_event(store, "saransk-2021", shift_to=TODAY)
            here = await door_device(store, settings, list_name=ENTRY, now=AT_THE_DOOR)
            there = await door_device(store, settings, slug="saransk-2021", list_name=ENTRY, name="Саранск, вход",
                                      now=AT_THE_DOOR)
            return here.made.token, there.made.token

    here, there = asyncio.run(prepare())
    app = create_app(settings, clock=FixedClock(AT_THE_DOOR))
    return TestClient(app, base_url="https://events.example.org"), here, there


def _checkins(database_url: str) -> int:
    async def run() -> int:
        async with Store(database_url) as store:
            return int(await store.fetch_val(sa.select(sa.func.count()).select_from(t.checkins)))
    return asyncio.run(run())


def test_a_ticket_of_another_event_is_unknown_at_this_door(database_url: str, tmp_path: Path) -> None:
    client, _, saransk_door = _doors(database_url, tmp_path)
    with client:
        syktyvkar_ticket = _register(client).rsplit("/", 1)[1]

        answer = _redeem(client, saransk_door, syktyvkar_ticket)

    assert (answer["status"], answer["reason"], answer["attendee"]) == ("error", "unknown_ticket", None)
    assert _checkins(database_url) == 0


def test_an_altered_ticket_is_unknown_and_the_real_one_still_admits_once(database_url: str, tmp_path: Path) -> None:
    client, door, _ = _doors(database_url, tmp_path)
    with client:
        secret = _register(client).rsplit("/", 1)[1]
        swapped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
        # (Case does not matter: a code typed by hand in small letters is the same code.)
        altered = [swapped, secret[1:], secret + "X", f"https://evil.example/t/{secret}x", secret[::-1]]

        answers = [_redeem(client, door, value) for value in altered]
        real = _redeem(client, door, secret)
        replayed = _redeem(client, door, secret)

    assert [(a["status"], a["reason"]) for a in answers] == [("error", "unknown_ticket")] * len(altered)
    assert (real["status"], replayed["reason"]) == ("ok", "already_checked_in")
    assert _checkins(database_url) == 1


def test_two_hundred_guessed_secrets_admit_no_one(database_url: str, tmp_path: Path) -> None:
    client, door, _ = _doors(database_url, tmp_path)
    alphabet = string.ascii_uppercase + string.digits
    with client:
        _register(client)
        answers = [_redeem(client, door, "".join(secrets.choice(alphabet) for _ in range(26))) for _ in range(200)]

    assert {(a["status"], a["reason"]) for a in answers} == {("error", "unknown_ticket")}
    assert _checkins(database_url) == 0


def test_a_device_of_another_event_cannot_open_this_events_lists(database_url: str, tmp_path: Path) -> None:
    client, _, saransk_door = _doors(database_url, tmp_path)
    with client:
        lists = client.get("/api/v1/checkin/lists", headers={"Authorization": f"Bearer {saransk_door}"}).json()
        offline = client.get("/api/v1/checkin/lists/visit-999999/offline",
                             headers={"Authorization": f"Bearer {saransk_door}"})

    assert lists["device"]["event"] == "saransk-2021"
    assert offline.status_code == 404
