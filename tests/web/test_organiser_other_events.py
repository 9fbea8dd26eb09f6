"""An organiser of one event changing IDs in URLs to reach another event's data: refused, nothing changed.

The organiser (and expert) of Kirov walks every workspace route under Kirov's own slug, with the
IDs of Syktyvkar's registrations, sessions, venues, buses, devices, defence slots and applications
put into the path. Every answer must be a refusal and the database must not change.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from starlette.testclient import TestClient

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.services.checkin import devices
from events_app.services.defences import blocks
from events_app.services.mail import outbox
from events_app.services.programme import catalogue
from events_app.services.registration import letters, signup
from events_app.services.visits import seating
from events_app.web.organiser.auth import UNSAFE_METHODS
from tests.conftest import settings_for
from tests.factories import NOW, add_staff, sign_in
from tests.web.test_organiser_access import _fingerprint, staff_routes

EARLY = datetime(2021, 3, 20, 9, 0, tzinfo=UTC)  # before the demo Syktyvkar event, registration open


async def _syktyvkar_ids(database_url: str, tmp_path) -> dict[str, list[str]]:
    settings = settings_for(database_url, tmp_path / "ids")
    async with Store(database_url) as store:
        event = await catalogue.get_event(store, "syktyvkar-2021")
        visit = await store.fetch_val(sa.select(t.sessions.c.id).where(
            t.sessions.c.event_id == event.id, t.sessions.c.key == "visit-mondi"))
        for n in range(3):
            await signup.register(store, settings, slug="syktyvkar-2021", data={
                "surname": "Иванова", "given_name": "Анна", "email": f"a{n}@example.ru", "phone": "+79120000000",
                "organisation_name": "ООО «Монди»", "position": "инженер", "region_code": "11",
                "category": "enterprise", "days": ["2021-04-01"], "sessions": [str(visit)], "consent": "on"},
                consent_ip=None, language="ru", now=EARLY)
        await seating.fill_buses(store, visit, now=EARLY)
        await devices.create_device(store, settings.secret_key, slug="syktyvkar-2021", list_name="entry-2021-04-01",
                                    name="Вход 1", now=EARLY)
        organiser = await store.fetch_one(sa.select(t.staff).where(t.staff.c.email == "owner@example.ru"))
        from events_app.domain.staff import Role, StaffMember

        owner = StaffMember(id=organiser["id"], email=organiser["email"], name="owner", is_admin=False,
                            roles={event.id: frozenset({Role.ORGANISER})})
        block = await store.fetch_val(sa.select(t.sessions.c.id).where(
            t.sessions.c.event_id == event.id, t.sessions.c.kind == "project_defence"))
        await blocks.add_slot(store, event, block, {
            "project_title": "Кластер", "organisations": "ООО «Монди»", "regions": "", "presenters": "Иванов",
            "talk_minutes": "15", "question_minutes": "5"}, actor=owner, ip=None, now=EARLY)

        # The letters go out now, not in the background while the walk compares the tables.
        while (await outbox.deliver_due(store, outbox.transport_for(settings), batch=50,
                                          render=letters.writer(store, settings))).sent:
            pass

        async def ids(table: sa.Table, *where: sa.ColumnElement[bool]) -> list[str]:
            return [str(row[0]) for row in await store.fetch_all(sa.select(table.c.id).where(*where))]

        sessions = await ids(t.sessions, t.sessions.c.event_id == event.id)
        return {
            "session_id": sessions, "ref": sessions,
            "registration_id": await ids(t.registrations, t.registrations.c.event_id == event.id),
            "venue_id": await ids(t.venues, t.venues.c.event_id == event.id),
            "device_id": await ids(t.devices, t.devices.c.event_id == event.id),
            "group_id": [str(row[0]) for row in await store.fetch_all(sa.text("SELECT id FROM transport_groups"))],
            "slot_id": [str(row[0]) for row in await store.fetch_all(sa.text("SELECT id FROM defence_slots"))],
            "application_id": ["1"], "criterion_id": ["1"], "staff_id": [str(organiser["id"])],
            "key": ["mondi"], "number": ["1"], "action": ["start"],
            "fmt": [],  # an export of the walker's own event: not another event's data
        }


def test_ids_of_another_event_in_workspace_urls_are_refused_and_change_nothing(
        client: TestClient, database_url: str, tmp_path) -> None:
    add_staff(database_url, "owner@example.ru", role="organiser", event="syktyvkar-2021")
    add_staff(database_url, "intruder@example.ru", role="organiser", event="kirov-2020")
    asyncio.run(_grant_expert(database_url))
    ids = asyncio.run(_syktyvkar_ids(database_url, tmp_path))
    csrf = sign_in(client, "intruder@example.ru")
    before = _fingerprint(database_url)

    let_through = []
    walked = 0
    for info, method in staff_routes(list(client.app.routes)):
        names = [name for name in re.findall(r"\{(\w+)", info.path) if name != "slug"]
        if not names or "{slug}" not in info.path:
            continue
        for values in itertools.product(*(ids[name] for name in names)):
            path = info.path.replace("{slug}", "kirov-2020")
            for name, value in zip(names, values, strict=True):
                path = re.sub(r"\{" + name + r"(?::\w+)?\}", value, path)
            data = {"csrf_token": csrf} if method in UNSAFE_METHODS else None
            response = client.request(method, path, data=data, follow_redirects=False)
            walked += 1
            if response.status_code < 400:
                let_through.append((method, path, response.status_code))

    assert walked > 100
    assert let_through == []
    after = _fingerprint(database_url)
    assert {name for name in before if before[name] != after[name]} == set()


async def _grant_expert(database_url: str) -> None:
    from events_app.domain.staff import Role
    from events_app.services.checkin.devices import event_id_of
    from events_app.services.staff import accounts

    async with Store(database_url) as store:
        intruder = await accounts.staff_id_by_email(store, "intruder@example.ru")
        await accounts.grant_role(store, staff_id=intruder, event_id=await event_id_of(store, "kirov-2020"),
                               role=Role.EXPERT, now=NOW)



def test_every_workspace_page_with_its_own_events_ids_renders_for_an_admin(
        client: TestClient, database_url: str, tmp_path) -> None:
    add_staff(database_url, "owner@example.ru", role="organiser", event="syktyvkar-2021")
    add_staff(database_url, "admin@example.ru", role="admin")
    ids = asyncio.run(_syktyvkar_ids(database_url, tmp_path))
    sign_in(client, "admin@example.ru")

    broken, shown = [], 0
    for info, method in staff_routes(list(client.app.routes)):
        if method != "GET":
            continue
        names = [name for name in re.findall(r"\{(\w+)", info.path) if name != "slug"]
        choices = [ids[name] or ["csv"] for name in names]
        for values in itertools.product(*choices):
            path = info.path.replace("{slug}", "syktyvkar-2021")
            for name, value in zip(names, values, strict=True):
                path = re.sub(r"\{" + name + r"(?::\w+)?\}", value, path)
            response = client.get(path, follow_redirects=False)
            shown += response.status_code == 200
            if response.status_code >= 500:
                broken.append((path, response.status_code))

    assert broken == []
    assert shown >= 40
