"""`events-app badges` and `events-app certificates`: the printed documents, from the command line."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from events_app.data.database import Store
from events_app.data.migrate import check_schema
from events_app.domain.audit import COMMAND_LINE
from events_app.domain.badges import Layout
from events_app.domain.errors import N_, DomainError
from events_app.domain.registration import Category
from events_app.services.badges import printing
from events_app.services.certificates import issuing
from events_app.services.mail.outbox import deliver_due, transport_for
from events_app.services.registration import letters
from events_app.settings import Settings

COMMANDS = ("badges", "certificates")


def add_parsers(commands: Any) -> None:
    """Add the document commands to the `events-app` sub-command parser."""
    badges = commands.add_parser("badges", help="write a print-ready PDF of the confirmed delegates' badges")
    badges.add_argument("slug")
    badges.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf")
    badges.add_argument("--layout", choices=[layout.value for layout in Layout], default=Layout.A4_8.value,
                        help="a4-8: eight 90 × 55 mm badges per A4 sheet with cut marks; a6: one per A6 page")
    badges.add_argument("--category", choices=[category.value for category in Category])
    badges.add_argument("--day", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="only delegates registered for this day")
    badges.add_argument("--not-printed", action="store_true", help="only badges never printed before")

    certificates = commands.add_parser("certificates", help="list who meets the event's completion rule, or issue")
    certificates.add_argument("slug")
    certificates.add_argument("--issue", action="store_true",
                              help="issue certificates to those who qualify and have none yet, and e-mail them")


async def _with_store(settings: Settings, work: Callable[[Store], Awaitable[Any]]) -> Any:
    await check_schema(settings.database_url)
    async with Store(settings.database_url) as store:
        return await work(store)


def run(settings: Settings, args: argparse.Namespace) -> None:
    if args.command == "badges":
        _badges(settings, args)
    elif args.command == "certificates":
        _certificates(settings, args)


def _badges(settings: Settings, args: argparse.Namespace) -> None:
    filters = printing.BadgeFilters(category=args.category or "", day=args.day, not_printed=args.not_printed)

    async def work(store: Store) -> printing.BadgeBatch:
        event_id = await printing.event_id_by_slug(store, args.slug)
        return await printing.print_badges(store, settings, event_id=event_id, filters=filters,
                                           layout=Layout(args.layout), now=datetime.now(UTC), actor_label=COMMAND_LINE)

    batch: printing.BadgeBatch = asyncio.run(_with_store(settings, work))
    args.output.write_bytes(batch.pdf)
    print(f"{args.slug}: {batch.count} badge(s) written to {args.output}")


def _certificates(settings: Settings, args: argparse.Namespace) -> None:
    async def work(store: Store) -> tuple[issuing.Preview, list[str]]:
        event_id = await printing.event_id_by_slug(store, args.slug)
        numbers: list[str] = []
        if args.issue:
            numbers = await issuing.issue(store, settings, event_id=event_id, now=datetime.now(UTC),
                                          actor_label=COMMAND_LINE)
            # The letters are in the outbox; deliver them now rather than wait for the server.
            await deliver_due(store, transport_for(settings), render=letters.writer(store, settings))
        return await issuing.preview(store, event_id), numbers

    found, numbers = asyncio.run(_with_store(settings, work))
    if found.rule is None:
        raise DomainError(N_("Set the completion rule first"))
    for candidate in found.candidates:
        mark = candidate.certificate or ("qualifies" if candidate.qualifies else "-")
        print(f"{candidate.registration_id}\t{candidate.name}\t{candidate.online_joined}/{found.online_sessions}\t"
              f"{','.join(day.isoformat() for day in candidate.checked_in_days) or '-'}\t{mark}")
    if args.issue:
        print(f"{args.slug}: {len(numbers)} certificate(s) issued and e-mailed")
    else:
        print(f"{args.slug}: {found.qualifying} of {len(found.candidates)} qualify; --issue issues them")
