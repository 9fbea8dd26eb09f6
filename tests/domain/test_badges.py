"""Badges as printed: Russian order, text that fits, the PDF read back as pixels, QR codes and text."""

from __future__ import annotations

from pathlib import Path

import pytest

from events_app.domain import badges
from events_app.domain.badges import (
    BADGE_HEIGHT,
    BADGE_WIDTH,
    PADDING,
    QR_SIZE,
    BadgeCard,
    BadgeEvent,
    Layout,
    Legend,
    badge_order,
    badges_pdf,
    russian_sort_key,
)
from events_app.domain.pdf import BOLD, MM, fit_text, text_width
from tests.pdf_support import needs_pdftoppm, page_text, placed_texts, qr_texts, render_pages

EVENT = BadgeEvent(title="Практическая сессия «Кластеры Республики Коми»", dates="1–2 апреля 2021")
LEGENDS = {"enterprise": Legend("Предприятие", "#1f5fa8"), "expert": Legend("Эксперт", "#b34700")}
ORGANISATION_40 = "ООО «Сыктывкарский фанерный завод» Коми1"  # forty characters
THREE_PART = "Римская-Корсакова-Салтыкова-Щедрина"


def _card(n: int, surname: str, **changes: str) -> BadgeCard:
    values = {"surname": surname, "given_names": "Анна Сергеевна", "organisation": f"АО «Предприятие {n}»",
              "region": "Республика Коми", "category": "enterprise",
              "ticket_url": f"https://events.example.org/t/TICKET{n:04d}ABCDEFGHJKMNPQRS"}
    values.update(changes)
    return BadgeCard(**values)


def test_russian_order_puts_yo_after_ye_and_ignores_case() -> None:
    names = ["Ёлкин", "Жуков", "егоров", "Абрамов", "Яковлев", "Ежов", "Smith"]

    assert sorted(names, key=russian_sort_key) == ["Абрамов", "егоров", "Ежов", "Ёлкин", "Жуков", "Яковлев", "Smith"]


def test_badge_order_sorts_by_surname_then_given_names() -> None:
    cards = [_card(1, "Ёлкина", given_names="Вера"), _card(2, "Ельцова"), _card(3, "Ёлкина", given_names="Алла")]

    assert [(c.surname, c.given_names) for c in badge_order(cards)] == [
        ("Ельцова", "Анна Сергеевна"), ("Ёлкина", "Алла"), ("Ёлкина", "Вера")]


def test_fit_text_keeps_a_short_name_at_its_largest_size() -> None:
    fitted = fit_text("Ким", font=BOLD, width=80 * MM, largest=20, smallest=10)

    assert (fitted.lines, fitted.size) == (("Ким",), 20)


def test_fit_text_shrinks_then_wraps_and_never_exceeds_the_width() -> None:
    width = 60 * MM

    fitted = fit_text(THREE_PART, font=BOLD, width=width, largest=20, smallest=10, max_lines=2)

    assert len(fitted.lines) == 2
    assert "".join(fitted.lines) == THREE_PART
    assert all(text_width(line, BOLD, fitted.size) <= width for line in fitted.lines)


def test_fit_text_cuts_with_an_ellipsis_what_cannot_fit_at_the_smallest_size() -> None:
    fitted = fit_text("Оченьоченьдлиннаяфамилиябезпробелов" * 3, font=BOLD, width=20 * MM, largest=12, smallest=10)

    assert fitted.lines[0].endswith("…")
    assert text_width(fitted.lines[0], BOLD, 10) <= 20 * MM


def test_text_colour_on_the_band_is_white_on_dark_and_black_on_light() -> None:
    assert Legend("x", "#1f5fa8").text_colour == "#ffffff"
    assert Legend("x", "#ffe066").text_colour == "#000000"


@needs_pdftoppm
def test_a4_sheet_holds_eight_badges_each_qr_readable_and_surnames_in_cyrillic(tmp_path: Path) -> None:
    surnames = ["Иванова", "Петров", "Сидоренко", "Ёлкина", "Жуков", "Абрамова", "Егоров", "Яковлев", "Щукин", "Юдина"]
    cards = badge_order(_card(n, surname) for n, surname in enumerate(surnames))

    pdf = badges_pdf(cards, EVENT, LEGENDS, layout=Layout.A4_8)

    pages = render_pages(pdf, tmp_path)
    assert len(pages) == 2
    assert qr_texts(pages[0]) == sorted(card.ticket_url for card in cards[:8])
    assert qr_texts(pages[1]) == sorted(card.ticket_url for card in cards[8:])
    text = page_text(pdf)
    for surname in surnames:
        assert surname in text
    assert "Практическая сессия" in text and "Предприятие" in text


@needs_pdftoppm
def test_a6_prints_one_badge_per_page(tmp_path: Path) -> None:
    cards = [_card(1, "Иванова"), _card(2, "Петров", category="expert")]

    pdf = badges_pdf(cards, EVENT, LEGENDS, layout=Layout.A6)

    pages = render_pages(pdf, tmp_path)
    assert [qr_texts(page) for page in pages] == [[cards[0].ticket_url], [cards[1].ticket_url]]
    assert "Эксперт" in page_text(pdf)


def test_long_organisation_and_three_part_surname_stay_inside_their_badge() -> None:
    long_given = "Александра-Мария Константиновна"
    cards = [_card(1, THREE_PART, organisation=ORGANISATION_40, given_names=long_given)] * 8
    assert len(ORGANISATION_40) == 40

    pdf = badges_pdf(cards, EVENT, LEGENDS, layout=Layout.A4_8)

    placed = placed_texts(pdf)[0]
    boxes = badges.a4_positions()
    organisation_words = set(ORGANISATION_40.split())
    seen_surname = seen_organisation = 0
    for run in placed:
        inside = [(x, y) for x, y in boxes if x <= run.x < x + BADGE_WIDTH and y <= run.y < y + BADGE_HEIGHT]
        assert len(inside) == 1, f"{run.text!r} at ({run.x:.1f}, {run.y:.1f}) is on no badge"
        left, bottom = inside[0]
        assert run.x >= left + PADDING - 0.01
        assert run.right <= left + BADGE_WIDTH - PADDING + 0.01, f"{run.text!r} runs past the badge's edge"
        assert run.y - run.size * 0.25 >= bottom, f"{run.text!r} hangs below the badge"
        if set(run.text.split()) & organisation_words:
            seen_organisation += 1
            assert run.right <= left + BADGE_WIDTH - PADDING - QR_SIZE + 2 * MM, f"{run.text!r} runs into the QR code"
        if "Корсакова" in run.text or "Римская" in run.text:
            seen_surname += 1
    assert seen_surname >= 8 and seen_organisation >= 8
    text = page_text(pdf).replace("\n", "")
    assert THREE_PART in text and ORGANISATION_40.replace(" ", "") in text.replace(" ", "")


@pytest.mark.parametrize("layout", list(Layout))
def test_no_delegates_gives_one_empty_page(layout: Layout) -> None:
    pdf = badges_pdf([], EVENT, LEGENDS, layout=layout)

    assert pdf.startswith(b"%PDF") and page_text(pdf).strip() == ""
