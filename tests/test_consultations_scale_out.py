"""Two app processes on one PostgreSQL database: twenty people press «Записаться» on one slot.

The slot's only guard is the partial unique index on active bookings, so whichever process a
request reaches, exactly one booking is made and the others hear `slot_taken` with free slots.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from tests.consultation_support import person
from tests.factories import cli
from tests.process_support import Server, forwarded_for, running, service_env

pytestmark = pytest.mark.postgres

PEOPLE = 20


async def _press(servers: tuple[Server, ...], slot_id: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60) as client:
        return list(await asyncio.gather(*(
            client.post(f"{servers[n % 2].base}/api/v1/consultations/slots/{slot_id}/bookings",
                        json=person(n), headers=forwarded_for(n)) for n in range(PEOPLE))))


async def _active_bookings(url: str, slot_id: int) -> int:
    async with Store(url) as store:
        return int(await store.fetch_val(sa.select(sa.func.count()).select_from(t.consultation_bookings).where(
            t.consultation_bookings.c.slot_id == slot_id, t.consultation_bookings.c.status == "booked")))


def test_twenty_presses_across_two_processes_book_the_slot_once(postgres_database: str, tmp_path: Path) -> None:
    from tests.conftest import _empty_postgres

    asyncio.run(_empty_postgres(postgres_database))
    env = service_env(tmp_path / "data", database_url=postgres_database)
    for args in (("migrate",), ("demo",)):
        cli(env, *args)  # fails the test with what the command printed
    with running(Server(env), Server(env)) as servers:
        free = httpx.get(f"{servers[0].base}/api/v1/consultations/slots").json()["slots"]
        slot = free[0]
        answers = asyncio.run(_press(servers, slot["id"]))
        after = httpx.get(f"{servers[1].base}/api/v1/consultations/slots").json()["slots"]
    listed = {s["id"]: s["status"] for s in after}

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * (PEOPLE - 1)
    taken = [answer.json() for answer in answers if answer.status_code == 409]
    assert {body["error"]["code"] for body in taken} == {"slot_taken"}
    assert all(body["next_free"] and slot["id"] not in [s["id"] for s in body["next_free"]] for body in taken)
    assert all(listed[s["id"]] == "free" for body in taken for s in body["next_free"])
    assert listed[slot["id"]] == "booked"
    assert asyncio.run(_active_bookings(postgres_database, slot["id"])) == 1
    assert len(free) > 20 and {s["topic"] for s in free} >= {"Субсидии для участников кластеров"}
