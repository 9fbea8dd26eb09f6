"""Benchmark: the full calendar feed and schedule.xml of a generated event of 1,000 sessions.

The event (five days, twelve venues, speakers on most sessions, one in twenty sessions
cancelled) is imported into a fresh SQLite file; then each document is fetched through the
application, as a client would, and built again from loaded data by the domain alone. The 304
path is a request that carries the ETag of the previous answer. The calendar is measured right
after a change to one session (the answer is built again; only the changed VEVENT is written by
icalendar, the others are remembered), with nothing remembered at all (as after a restart), and
unchanged (the answer is remembered per programme version).

    .venv/bin/python tests/bench_feeds.py [--sessions 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_support import emit  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from events_app.app import create_app  # noqa: E402
from events_app.data import tables as t  # noqa: E402
from events_app.data.database import Store  # noqa: E402
from events_app.data.migrate import upgrade  # noqa: E402
from events_app.domain import frab, ics  # noqa: E402
from events_app.domain.agenda import (  # noqa: E402
    Agenda,
    Event,
    EventFormat,
    Person,
    Session,
    SessionKind,
    Venue,
    VenueKind,
)
from events_app.services.programme import (
    catalogue,
    feeds,  # noqa: E402
)
from events_app.services.programme.importer import import_agendas  # noqa: E402
from events_app.settings import load_settings  # noqa: E402

SLUG = "bench-2026"
KINDS = [SessionKind.SEMINAR, SessionKind.WORKSHOP, SessionKind.SITE_VISIT, SessionKind.PROJECT_DEFENCE,
         SessionKind.WEBINAR]


def generated_agenda(count: int) -> Agenda:
    days = 5
    venues = tuple(Venue(key=f"hall-{n}", name=f"Зал «Технопарк-{n}» промышленного кластера", kind=VenueKind.HALL,
                         address=f"Республика Коми, г. Сыктывкар, ул. Коммунистическая, {n + 1}",
                         latitude=61.66 + n / 1000, longitude=50.83 + n / 1000) for n in range(12))
    people = tuple(Person(key=f"speaker-{n}", name=f"Спикер Номер {n}", position="директор по развитию кластера")
                   for n in range(40))
    sessions = []
    per_day = -(-count // days)
    for n in range(count):
        day, slot = divmod(n, per_day)
        # Sessions side by side in the twelve halls, 30 minutes each, from 08:00.
        start = datetime(2026, 6, 1, 8, 0) + timedelta(days=day, minutes=30 * (slot // len(venues)) % (14 * 60))
        kind = KINDS[n % len(KINDS)]
        sessions.append(Session(
            key=f"s-{n:04d}", kind=kind, title=f"Практическое занятие №{n}: совместные кластерные проекты и кооперация",
            description="Разбор совместного проекта предприятий кластера: кооперационные цепочки, меры поддержки, "
                        "субсидии Минпромторга России и требования к документации.",
            starts_at=start, ends_at=start + timedelta(minutes=30), venue_key=venues[n % len(venues)].key,
            speaker_keys=(people[n % len(people)].key, people[(n * 7 + 3) % len(people)].key) if n % 4 else (),
            online_url=f"https://webinar.example.org/bench/{n}" if kind is SessionKind.WEBINAR else None,
            capacity=40, signup_required=kind is SessionKind.SITE_VISIT))
    event = Event(slug=SLUG, title="Стратегическая сессия промышленных кластеров (сгенерированная)",
                  format=EventFormat.STRATEGIC_SESSION, city="Сыктывкар", region_code="11", timezone="Europe/Moscow",
                  starts_on=date(2026, 6, 1), ends_on=date(2026, 6, days))
    return Agenda(event=event, venues=venues, people=people, sessions=tuple(sessions))


def measure(repeat: int, action: Callable[[], object], prepare: Callable[[], object] = lambda: None
            ) -> tuple[float, float]:
    """Median and best time of `action` in milliseconds, after one warm-up run; `prepare` is not timed."""
    prepare()
    action()
    times = []
    for _ in range(repeat):
        prepare()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


async def load(url: str, agenda: Agenda) -> None:
    async with Store(url) as store:
        await import_agendas(store, [agenda], now=datetime(2026, 5, 1, 12, 0).astimezone())
        # One in twenty sessions left out of a re-import: cancelled, still in the feed.
        kept = tuple(session for n, session in enumerate(agenda.sessions) if n % 20 != 7)
        await import_agendas(store, [replace(agenda, sessions=kept)], now=datetime(2026, 5, 2, 12, 0).astimezone())


async def rename_one_session(url: str, number: int) -> None:
    async with Store(url) as store:
        await store.execute(t.sessions.update().where(t.sessions.c.key == "s-0001")
                            .values(title=f"Практическое занятие №1, правка {number}"))


async def feed_items(url: str, publication: feeds.Publication) -> list[ics.FeedItem]:
    """What a calendar request does before building: load the sessions, make them feed items."""
    async with Store(url) as store:
        event = await catalogue.get_event(store, SLUG)
        sessions = await catalogue.list_feed_sessions(store, event)
        return [feeds.calendar_item(event, session, publication) for session in sessions]


async def schedule_inputs(url: str, publication: feeds.Publication) -> tuple[frab.Conference, list[frab.Talk]]:
    async with Store(url) as store:
        return await feeds._schedule(store, SLUG, publication, "xml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        agenda = generated_agenda(args.sessions)
        asyncio.run(load(url, agenda))
        settings = load_settings({"EVENTS_DATABASE_URL": url, "EVENTS_DATA_DIR": folder,
                                  "EVENTS_BASE_URL": "https://events.example.org"})
        publication = feeds.Publication(base_url=settings.base_url, host=settings.base_host,
                                        kind_labels={kind.value: kind.value for kind in SessionKind})
        items = asyncio.run(feed_items(url, publication))
        conference, talks = asyncio.run(schedule_inputs(url, publication))
        cancelled = sum(item.cancelled for item in items)
        print(f"generated event: {len(items)} sessions in the feed ({cancelled} cancelled), "
              f"{len(talks)} in schedule.xml; SQLite; median and best of {args.repeat} runs\n")

        rows: list[tuple[str, str, float, float]] = []
        with TestClient(create_app(settings)) as client:
            size = f"{len(client.get(f'/events/{SLUG}/calendar.ics').content) / 1024:.0f} KiB"
            changes = iter(range(1_000_000))

            def change() -> None:
                # An organiser renames one session (a real write: the triggers move the programme version).
                asyncio.run(rename_one_session(url, next(changes)))

            def forget_and_change() -> None:
                # Nothing remembered at all, as after a restart: every VEVENT written by icalendar again.
                feeds.calendar_bytes.cache_clear()
                ics._event_bytes.cache_clear()
                change()

            def calendar() -> None:
                assert client.get(f"/events/{SLUG}/calendar.ics").status_code == 200

            rows.append(("GET calendar.ics (200, after a change)", size, *measure(args.repeat, calendar, change)))
            rows.append(("GET calendar.ics (200, nothing in memory)", size,
                         *measure(min(args.repeat, 5), calendar, forget_and_change)))
            for path in ("calendar.ics", "schedule.xml"):
                response = client.get(f"/events/{SLUG}/{path}")
                assert response.status_code == 200, response.text[:200]
                size = f"{len(response.content) / 1024:.0f} KiB"
                rows.append((f"GET {path} (200, unchanged)", size,
                             *measure(args.repeat, lambda p=path: client.get(f"/events/{SLUG}/{p}"))))
                tag = response.headers["etag"]

                def not_modified(p: str = path, t: str = tag) -> None:
                    answer = client.get(f"/events/{SLUG}/{p}", headers={"If-None-Match": t})
                    assert answer.status_code == 304

                rows.append((f"GET {path} (If-None-Match → 304)", "0 B", *measure(args.repeat, not_modified)))
        body = ics.build_calendar(items, name=conference.title, timezone=conference.timezone,
                                  covers=(conference.starts_on, conference.ends_on))
        rows.append(("domain: ics.build_calendar", f"{len(body) / 1024:.0f} KiB", *measure(
            args.repeat, lambda: ics.build_calendar(items, name=conference.title, timezone=conference.timezone,
                                                    covers=(conference.starts_on, conference.ends_on)))))
        rows.append((f"service: load {len(items)} sessions as feed items", "", *measure(
            args.repeat, lambda: asyncio.run(feed_items(url, publication)))))
        xml = frab.schedule_xml(conference, talks)
        rows.append(("domain: frab.schedule_xml", f"{len(xml) / 1024:.0f} KiB",
                     *measure(args.repeat, lambda: frab.schedule_xml(conference, talks))))

    print(f"{'what':<40} {'size':>9} {'median ms':>10} {'best ms':>9}")
    for label, size, median, best in rows:
        print(f"{label:<40} {size:>9} {median:>10.1f} {best:>9.1f}")
    for label, size, median, best in rows:
        emit(f"{args.sessions}-session event: {label}", "ms", median,
             note=f"median of {args.repeat}, best {best:.1f} ms" + (f", {size}" if size else ""))


if __name__ == "__main__":
    main()
