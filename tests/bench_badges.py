"""Benchmark: the badge PDF of 1,000 confirmed delegates (goal: ≤ 10 s, ≤ 300 MB).

The Syktyvkar event is imported into a fresh SQLite file and given generated delegates (names,
patronymics and organisations of realistic lengths, every category, a live ticket each). Then the
badges are made as `events-app badges` makes them (read, mark printed, draw), in both layouts,
and once more by the domain alone from loaded cards. Memory is the process's peak resident size.

    .venv/bin/python tests/bench_badges.py [--delegates 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from bench_support import emit  # noqa: E402

from events_app.data import tables as t  # noqa: E402
from events_app.data.database import Store  # noqa: E402
from events_app.data.migrate import upgrade  # noqa: E402
from events_app.domain import badges  # noqa: E402
from events_app.domain.badges import BadgeCard, BadgeEvent, Layout, Legend  # noqa: E402
from events_app.domain.registration import Category  # noqa: E402
from events_app.domain.tickets import new_secret  # noqa: E402
from events_app.services.badges import printing  # noqa: E402
from events_app.services.badges.printing import BadgeFilters  # noqa: E402
from events_app.services.programme.importer import import_agendas, read_agenda_files  # noqa: E402
from events_app.settings import load_settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2021, 3, 31, 12, 0, tzinfo=UTC)
SURNAMES = ["Иванова", "Петров", "Сидоренко", "Ёлкина", "Жуков", "Абрамова", "Римская-Корсакова", "Щукин",
            "Константинопольский", "Юдина", "Ли", "Салтыков-Щедрин"]
GIVEN = [("Анна", "Сергеевна"), ("Пётр", "Ильич"), ("Александра", "Константиновна"), ("Ян", None)]
ORGANISATIONS = ["АО «Монди Сыктывкарский ЛПК»", "ООО «Лузалес»", "ООО «Сыктывкарский фанерный завод» Коми1",
                 "Министерство промышленности Республики Коми", "Центр кластерного развития «Мой бизнес»"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _fill(store: Store, count: int) -> int:
    await import_agendas(store, read_agenda_files([ROOT / "schedules" / "syktyvkar-2021.toml"]))
    event_id = int(await store.fetch_val(sa.select(t.events.c.id)))
    categories = list(Category)
    async with store.transaction():
        for n in range(count):
            given, patronymic = GIVEN[n % len(GIVEN)]
            registration_id = await store.insert(t.registrations.insert().values(
                event_id=event_id, status="confirmed", surname=SURNAMES[n % len(SURNAMES)], given_name=given,
                patronymic=patronymic, email=f"d{n}@example.ru", phone="+79123456789",
                organisation_name=ORGANISATIONS[n % len(ORGANISATIONS)], region_code=f"{11 + n % 70:02d}",
                category=categories[n % len(categories)].value, consent_version="1", consent_at=NOW, language="ru",
                link_version=0, created_at=NOW, updated_at=NOW).returning(t.registrations.c.id))
            await store.execute(t.tickets.insert().values(registration_id=registration_id, secret=new_secret(),
                                                          issued_at=NOW))
    return event_id


async def _service(database_url: str, data_dir: Path, count: int) -> list[tuple[str, float, float, int]]:
    settings = load_settings({"EVENTS_DATABASE_URL": database_url, "EVENTS_DATA_DIR": str(data_dir),
                              "EVENTS_BASE_URL": "https://events.example.org",
                              "EVENTS_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789"})
    results = []
    async with Store(database_url) as store:
        event_id = await _fill(store, count)
        for layout in Layout:
            started, cpu = time.perf_counter(), time.process_time()
            batch = await printing.print_badges(store, settings, event_id=event_id, filters=BadgeFilters(),
                                                layout=layout, now=NOW, actor_label="bench")
            results.append((f"service, {layout.value}", time.perf_counter() - started, time.process_time() - cpu,
                            len(batch.pdf)))
            assert batch.count == count
    return results


def _domain_only(count: int) -> tuple[str, float, float, int]:
    cards = [BadgeCard(surname=SURNAMES[n % len(SURNAMES)], given_names=" ".join(filter(None, GIVEN[n % len(GIVEN)])),
                       organisation=ORGANISATIONS[n % len(ORGANISATIONS)], region="Республика Коми",
                       category=list(Category)[n % len(Category)].value,
                       ticket_url=f"https://events.example.org/t/{new_secret()}") for n in range(count)]
    legends = {category.value: Legend(category.value, colour) for category, colour in badges.DEFAULT_COLOURS.items()}
    started, cpu = time.perf_counter(), time.process_time()
    pdf = badges.badges_pdf(badges.badge_order(cards), BadgeEvent("Практическая сессия", "1–2 апреля 2021"), legends,
                            layout=Layout.A4_8)
    return "domain only, a4-8", time.perf_counter() - started, time.process_time() - cpu, len(pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=1000)
    args = parser.parse_args()
    baseline = _peak_mb()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        upgrade(f"sqlite:///{database}")
        rows = asyncio.run(_service(f"sqlite:///{database}", Path(folder) / "data", args.delegates))
    rows.append(_domain_only(args.delegates))
    print(f"Badges for {args.delegates} delegates")
    # CPU seconds as well as wall-clock ones: on a shared machine the wall clock counts others' work too.
    print(f"{'what':<22} {'seconds':>8} {'CPU s':>7} {'PDF size':>12}")
    for name, seconds, cpu, size in rows:
        print(f"{name:<22} {seconds:>8.2f} {cpu:>7.2f} {size / 1024 / 1024:>9.1f} MB")
    print(f"peak resident memory: {_peak_mb():.0f} MB (the interpreter and imports before the work: {baseline:.0f} MB)")
    for name, seconds, cpu, size in rows:
        emit(f"badges of {args.delegates} delegates, {name}", "s", seconds,
             note=f"CPU {cpu:.1f} s, PDF {size / 1024 / 1024:.1f} MB, peak {_peak_mb():.0f} MB (goal 10 s, 300 MB)")


if __name__ == "__main__":
    main()
