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
from events_app.domain.badges import Layout
from events_app.domain.registration import Category
from events_app.services.badges import printing
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


async def _with_store(settings: Settings, work: Callable[[Store], Awaitable[Any]]) -> Any:
    await check_schema(settings.database_url)
    async with Store(settings.database_url) as store:
        return await work(store)


def run(settings: Settings, args: argparse.Namespace) -> None:
    if args.command == "badges":
        _badges(settings, args)


def _badges(settings: Settings, args: argparse.Namespace) -> None:
    filters = printing.BadgeFilters(category=args.category or "", day=args.day, not_printed=args.not_printed)

    async def work(store: Store) -> printing.BadgeBatch:
        event_id = await printing.event_id_by_slug(store, args.slug)
        return await printing.print_badges(store, settings, event_id=event_id, filters=filters,
                                           layout=Layout(args.layout), now=datetime.now(UTC), actor_label="cli")

    batch: printing.BadgeBatch = asyncio.run(_with_store(settings, work))
    args.output.write_bytes(batch.pdf)
    print(f"{args.slug}: {batch.count} badge(s) written to {args.output}")
