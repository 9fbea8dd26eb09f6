"""Benchmark: the reminder round at a busy moment, on SQLite (or PostgreSQL with --postgres URL).

A fresh database gets N consultation bookings whose 24-hour reminders all fall due at the same
moment. The script then times, on the injected moment: one planning pass over a quiet database
(what every poll costs when nothing is due), the round that plans and queues all N reminders
(in batches of 50, as the server's loop does), and a following round that must find nothing.

    .venv/bin/python tests/bench_reminders.py [--bookings 1000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from bench_support import emit  # noqa: E402

from events_app.data import tables as t  # noqa: E402
from events_app.data.database import Store  # noqa: E402
from events_app.data.migrate import upgrade  # noqa: E402
from events_app.services.consultations.slots import SlotForm, publish  # noqa: E402
from events_app.services.reminders import plan  # noqa: E402
from events_app.services.reminders.sending import run_due  # noqa: E402
from events_app.settings import load_settings  # noqa: E402

NOW = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
START = NOW + timedelta(days=2)


async def _fill(store: Store, count: int) -> None:
    for n in range(count):
        slot_id = await publish(store, SlotForm(
            topic="Субсидии для участников кластеров", specialist_name=f"Специалист {n % 20}", specialist_staff_id=None,
            centre="Центр «Мой бизнес»", starts_at=START + timedelta(minutes=n % 60), minutes=30,
            timezone="Europe/Kirov", place="Киров", online_url=None, event_id=None), now=NOW)
        await store.execute(t.consultation_bookings.insert().values(
            slot_id=slot_id, status="booked", surname="Петрова", given_name="Мария", email=f"person{n}@example.ru",
            phone="+79120000000", organisation_name="ООО «Ткань»", consent_version="standard-2026-1", consent_at=NOW,
            language="ru", secret=f"bench-secret-{n:06d}", created_at=NOW, updated_at=NOW))


async def _bench(url: str, data_dir: Path, count: int) -> None:
    settings = load_settings({"EVENTS_DATABASE_URL": url, "EVENTS_DATA_DIR": str(data_dir),
                              "EVENTS_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789"})
    async with Store(url) as store:
        await _fill(store, count)
        due = START - timedelta(hours=24) + timedelta(hours=1)  # every 24-hour reminder is due
        started = time.perf_counter()
        await plan.synchronise(store, now=NOW)
        planning = time.perf_counter() - started
        started = time.perf_counter()
        queued, rounds = 0, 0
        while True:
            report = await run_due(store, settings, worker="bench", now=due, batch=50, planned=rounds > 0)
            queued, rounds = queued + len(report.sent), rounds + 1
            if not report.more:
                break
        sending = time.perf_counter() - started
        started = time.perf_counter()
        again = await run_due(store, settings, worker="bench", now=due + timedelta(seconds=30))
        quiet = time.perf_counter() - started
        letters = await store.fetch_val(sa.select(sa.func.count()).select_from(t.outbox))
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"reminders on {backend}, {count} bookings due at once")
    print(f"  planning pass (rows written)       {planning * 1000:8.0f} ms")
    print(f"  {rounds} rounds queuing {queued} reminders   {sending * 1000:8.0f} ms  "
          f"({queued / sending:.0f} reminders/s)")
    print(f"  next round (nothing due)           {quiet * 1000:8.0f} ms")
    assert queued == count and letters == count and not again.sent, (queued, letters, again)
    emit(f"reminders, {count} due at once, {backend}: planning pass", "ms", planning * 1000)
    emit(f"reminders, {count} due at once, {backend}: {rounds} rounds queuing them", "reminders/s", queued / sending,
         note=f"{sending:.1f} s in all, {letters} letters in the outbox")
    emit(f"reminders, {count} due at once, {backend}: next round, nothing due", "ms", quiet * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database (migrated here)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.postgres or f"sqlite:///{Path(folder) / 'events.db'}"
        upgrade(url)
        asyncio.run(_bench(url, Path(folder), args.bookings))


if __name__ == "__main__":
    main()
