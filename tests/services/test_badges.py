"""Printing an event's badges on both backends: who is printed, in which order, and marked printed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from events_app.data import tables as t
from events_app.data.database import Store
from events_app.domain.audit import COMMAND_LINE
from events_app.domain.badges import Layout
from events_app.domain.errors import InvalidInput
from events_app.services.badges import printing
from events_app.services.badges.printing import BadgeFilters
from events_app.services.registration import signup
from events_app.settings import Settings
from tests.conftest import settings_for
from tests.factories import load_event, register
from tests.pdf_support import page_text, placed_texts

PRINTED = datetime(2021, 3, 31, 15, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path / "data")


def _surnames(pdf: bytes) -> list[str]:
    """Bold runs of the surname's size, in the order drawn."""
    return [run.text for run in placed_texts(pdf)[0] if run.font == "DejaVuSans-Bold" and run.size >= 10]


async def test_badges_are_sorted_in_russian_order_and_marked_printed(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store)
    for n, surname in enumerate(["Ёлкина", "Жукова", "Егорова", "Абрамова"]):
        await register(store, settings, n, surname=surname)

    batch = await printing.print_badges(store, settings, event_id=syktyvkar.id, filters=BadgeFilters(),
                                        layout=Layout.A4_8, now=PRINTED, actor_label=COMMAND_LINE)

    assert batch.count == 4
    assert _surnames(batch.pdf) == ["Абрамова", "Егорова", "Ёлкина", "Жукова"]
    printed = await store.fetch_all(sa.select(t.badge_prints.c.printed_at, t.badge_prints.c.times))
    assert [(row["printed_at"], row["times"]) for row in printed] == [(PRINTED, 1)] * 4
    entry = await store.fetch_one(sa.select(t.audit_log).where(t.audit_log.c.action == "badges.print"))
    assert entry is not None and entry["actor"] == "command line" and entry["subject"] == "4"
    assert json.loads(entry["details"])["layout"] == "a4-8"


async def test_not_printed_leaves_out_badges_printed_before(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store)
    first = await register(store, settings, 1, surname="Первова")
    await printing.print_badges(store, settings, event_id=syktyvkar.id, filters=BadgeFilters(), layout=Layout.A6,
                                now=PRINTED)
    await register(store, settings, 2, surname="Второва")

    batch = await printing.print_badges(store, settings, event_id=syktyvkar.id, filters=BadgeFilters(not_printed=True),
                                        layout=Layout.A6, now=PRINTED)
    again = await printing.print_badges(store, settings, event_id=syktyvkar.id,
                                        filters=BadgeFilters(registration_ids=(first.id,)), layout=Layout.A6,
                                        now=PRINTED)

    assert batch.count == 1 and "Второва" in page_text(batch.pdf) and "Первова" not in page_text(batch.pdf)
    assert again.count == 1
    times = await store.fetch_val(sa.select(t.badge_prints.c.times).where(t.badge_prints.c.registration_id == first.id))
    assert times == 2
    assert await printing.count_unprinted(store, syktyvkar.id) == 0


async def test_category_and_day_filters(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store)
    await register(store, settings, 1, surname="Экспертова", category="expert", days=["2021-04-02"])
    await register(store, settings, 2, surname="Заводова", category="enterprise", days=["2021-04-01", "2021-04-02"])

    experts = await printing.print_badges(store, settings, event_id=syktyvkar.id,
                                          filters=BadgeFilters(category="expert"), layout=Layout.A4_8, now=PRINTED)
    first_day = await printing.print_badges(store, settings, event_id=syktyvkar.id,
                                            filters=BadgeFilters(day=date(2021, 4, 1)), layout=Layout.A4_8, now=PRINTED)

    assert _surnames(experts.pdf) == ["Экспертова"]
    assert "Эксперт" in page_text(experts.pdf)
    assert _surnames(first_day.pdf) == ["Заводова"]


async def test_only_confirmed_delegates_with_their_data_get_badges(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store)
    kept = await register(store, settings, 1, surname="Оставшаяся")
    cancelled = await register(store, settings, 2, surname="Отменившая")
    withdrawn = await register(store, settings, 3, surname="Отозвавшая")
    await signup.cancel(store, settings, cancelled.id, now=PRINTED)
    await signup.withdraw_consent(store, settings, withdrawn.id, now=PRINTED)

    batch = await printing.print_badges(store, settings, event_id=syktyvkar.id, filters=BadgeFilters(),
                                        layout=Layout.A4_8, now=PRINTED)

    assert (batch.count, _surnames(batch.pdf)) == (1, ["Оставшаяся"])
    assert kept.ticket_secret is not None


async def test_the_organisers_legend_is_printed_and_bad_colours_refused(store: Store, settings: Settings) -> None:
    syktyvkar = await load_event(store)
    await register(store, settings, 1, surname="Ковалёва")
    await printing.save_legend(store, event_id=syktyvkar.id, entries={"enterprise": ("Участник", "#FFE066")},
                               actor=None, now=PRINTED)

    batch = await printing.print_badges(store, settings, event_id=syktyvkar.id, filters=BadgeFilters(),
                                        layout=Layout.A4_8, now=PRINTED)
    with pytest.raises(InvalidInput) as refused:
        await printing.save_legend(store, event_id=syktyvkar.id, entries={"expert": ("Эксперт", "red")},
                                   actor=None, now=PRINTED)

    assert "Участник" in page_text(batch.pdf)
    assert (await printing.legends(store, syktyvkar.id))["enterprise"].colour == "#ffe066"
    assert refused.value.fields == {"colour_expert": "Choose a colour"}
