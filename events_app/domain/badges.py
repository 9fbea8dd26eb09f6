"""Delegates' badges: the order they are printed in, the layout of one badge, and the sheets.

A badge is 90 × 55 mm (a name-badge holder's size). `a4-8` puts eight on an A4 sheet, two
columns by four rows, with cut marks outside the grid so a guillotine cut leaves no line on a
badge; `a6` prints one badge per A6 page (landscape), scaled up, for a desk printer at the door.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from reportlab.lib.pagesizes import A4, A6, landscape
from reportlab.pdfgen.canvas import Canvas

from events_app.domain.errors import N_
from events_app.domain.pdf import BOLD, MM, REGULAR, FittedText, draw_lines, draw_qr, fit_text, register_fonts
from events_app.domain.registration import Category

BADGE_WIDTH = 90 * MM
BADGE_HEIGHT = 55 * MM
PADDING = 4 * MM
BAND_HEIGHT = 8 * MM
QR_SIZE = 21 * MM
CUT_MARK = 5 * MM
CUT_GAP = 1.5 * MM


class Layout(StrEnum):
    A4_8 = "a4-8"
    A6 = "a6"


LAYOUT_LABELS = {Layout.A4_8: N_("A4, eight badges 90 × 55 mm with cut marks"),
                 Layout.A6: N_("A6, one badge per page")}

# Dark enough for white text (contrast ≥ 4.5:1) and told apart on a printed sheet.
DEFAULT_COLOURS = {
    Category.ENTERPRISE: "#1f5fa8",
    Category.CLUSTER_MANAGEMENT: "#2e7d32",
    Category.GOVERNMENT: "#8e1b1b",
    Category.DEVELOPMENT_INSTITUTION: "#6a1b9a",
    Category.CLUSTER_DEVELOPMENT_CENTRE: "#00695c",
    Category.EXPERT: "#b34700",
    Category.SPEAKER: "#202020",
    Category.MEDIA: "#ad1457",
    Category.OTHER: "#546e7a",
}

# The Russian alphabet in its own order: Unicode puts ё after я, a dictionary puts it after е.
RUSSIAN_ALPHABET = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_RANK = {letter: index for index, letter in enumerate(RUSSIAN_ALPHABET)}


def russian_sort_key(text: str) -> tuple[tuple[int, int], ...]:
    """Cyrillic letters in dictionary order first, then everything else by code point; case-blind."""
    return tuple((0, _RANK[ch]) if ch in _RANK else (1, ord(ch)) for ch in text.casefold())


@dataclass(frozen=True)
class Legend:
    """The band of one category: its words and its colour (`#rrggbb`)."""

    label: str
    colour: str

    @property
    def text_colour(self) -> str:
        """Black or white, whichever reads better on the band (WCAG relative luminance)."""
        red, green, blue = (int(self.colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
        luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
        return "#000000" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


@dataclass(frozen=True)
class BadgeCard:
    """What one badge shows, every value already in the words printed."""

    surname: str
    given_names: str  # given name and patronymic
    organisation: str
    region: str
    category: str
    ticket_url: str


@dataclass(frozen=True)
class BadgeEvent:
    title: str
    dates: str  # e.g. «1–2 апреля 2021»


def badge_order(cards: Iterable[BadgeCard]) -> list[BadgeCard]:
    """By surname, then given names, in Russian alphabetical order."""
    return sorted(cards, key=lambda card: (russian_sort_key(card.surname), russian_sort_key(card.given_names)))


@dataclass(frozen=True)
class BadgeText:
    """The fitted text blocks of one badge, in badge units (points at 90 × 55 mm)."""

    surname: FittedText
    given_names: FittedText
    organisation: FittedText
    region: FittedText
    event: FittedText
    band: FittedText


def badge_text(card: BadgeCard, event: BadgeEvent, legend: Legend) -> BadgeText:
    """Every block shrinks, then wraps, then is cut, so nothing leaves its part of the badge."""
    full = BADGE_WIDTH - 2 * PADDING
    beside_qr = full - QR_SIZE - 2 * MM
    return BadgeText(
        surname=fit_text(card.surname, font=BOLD, width=full, largest=20, smallest=10, max_lines=2),
        given_names=fit_text(card.given_names, font=REGULAR, width=full, largest=12, smallest=7, max_lines=1),
        organisation=fit_text(card.organisation, font=REGULAR, width=beside_qr, largest=8.5, smallest=6, max_lines=2),
        region=fit_text(card.region, font=REGULAR, width=beside_qr, largest=7, smallest=5.5, max_lines=1),
        event=fit_text(f"{event.title}, {event.dates}", font=REGULAR, width=beside_qr, largest=6, smallest=5,
                       max_lines=2),
        band=fit_text(legend.label, font=BOLD, width=full, largest=9, smallest=6, max_lines=1),
    )


def _hex(canvas: Canvas, colour: str, *, fill: bool = True) -> None:
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    if fill:
        canvas.setFillColorRGB(red, green, blue)
    else:
        canvas.setStrokeColorRGB(red, green, blue)


def draw_badge(canvas: Canvas, card: BadgeCard, event: BadgeEvent, legend: Legend, *, x: float, y: float,
               scale: float = 1.0) -> None:
    """One badge with its lower left corner at (x, y), `scale` times its 90 × 55 mm size."""
    text = badge_text(card, event, legend)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(scale, scale)
    # The band: the category's colour across the top, its legend on it.
    _hex(canvas, legend.colour)
    canvas.rect(0, BADGE_HEIGHT - BAND_HEIGHT, BADGE_WIDTH, BAND_HEIGHT, stroke=0, fill=1)
    _hex(canvas, legend.text_colour)
    band_top = BADGE_HEIGHT - (BAND_HEIGHT - text.band.size) / 2 + text.band.size * 0.1
    draw_lines(canvas, text.band, x=PADDING, top=band_top)
    canvas.setFillColorRGB(0, 0, 0)
    top = BADGE_HEIGHT - BAND_HEIGHT - 2.5 * MM
    top = draw_lines(canvas, text.surname, x=PADDING, top=top)
    top = draw_lines(canvas, text.given_names, x=PADDING, top=top - 0.5 * MM)
    draw_qr(canvas, card.ticket_url, x=BADGE_WIDTH - PADDING - QR_SIZE + 2 * MM, y=PADDING - 2 * MM, size=QR_SIZE)
    # The lower left block, from the bottom up: event, region, organisation.
    bottom = PADDING - 1 * MM + text.event.height
    draw_lines(canvas, text.event, x=PADDING, top=bottom)
    canvas.setFillColorRGB(0.15, 0.15, 0.15)
    region_top = bottom + 1 * MM + text.region.height
    draw_lines(canvas, text.region, x=PADDING, top=region_top)
    canvas.setFillColorRGB(0, 0, 0)
    draw_lines(canvas, text.organisation, x=PADDING, top=region_top + 0.5 * MM + text.organisation.height)
    canvas.restoreState()


def a4_positions() -> list[tuple[float, float]]:
    """Lower left corners of the eight badges on an A4 sheet, row by row from the top."""
    width, height = A4
    left = (width - 2 * BADGE_WIDTH) / 2
    bottom = (height - 4 * BADGE_HEIGHT) / 2
    return [(left + column * BADGE_WIDTH, bottom + (3 - row) * BADGE_HEIGHT) for row in range(4) for column in range(2)]


def _cut_marks(canvas: Canvas) -> None:
    """Short lines outside the grid on every cut line, so the cut badges carry none."""
    width, height = A4
    left = (width - 2 * BADGE_WIDTH) / 2
    bottom = (height - 4 * BADGE_HEIGHT) / 2
    right, top = left + 2 * BADGE_WIDTH, bottom + 4 * BADGE_HEIGHT
    canvas.setLineWidth(0.3)
    canvas.setStrokeColorRGB(0, 0, 0)
    for column in range(3):
        x = left + column * BADGE_WIDTH
        canvas.line(x, top + CUT_GAP, x, top + CUT_GAP + CUT_MARK)
        canvas.line(x, bottom - CUT_GAP, x, bottom - CUT_GAP - CUT_MARK)
    for row in range(5):
        y = bottom + row * BADGE_HEIGHT
        canvas.line(left - CUT_GAP, y, left - CUT_GAP - CUT_MARK, y)
        canvas.line(right + CUT_GAP, y, right + CUT_GAP + CUT_MARK, y)


def badges_pdf(cards: Sequence[BadgeCard], event: BadgeEvent, legends: Mapping[str, Legend], *,
               layout: Layout, title: str = "Бейджи") -> bytes:
    """The printable PDF of `cards` in the order given; an empty list gives one empty page."""
    register_fonts()
    buffer = io.BytesIO()
    size = A4 if layout is Layout.A4_8 else landscape(A6)
    canvas = Canvas(buffer, pagesize=size, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("events-app")
    fallback = Legend(label="", colour=DEFAULT_COLOURS[Category.OTHER])
    if layout is Layout.A4_8:
        positions = a4_positions()
        for start in range(0, len(cards), len(positions)):
            _cut_marks(canvas)
            for card, (x, y) in zip(cards[start:start + len(positions)], positions, strict=False):
                draw_badge(canvas, card, event, legends.get(card.category, fallback), x=x, y=y)
            canvas.showPage()
    else:
        scale = min((size[0] - 10 * MM) / BADGE_WIDTH, (size[1] - 10 * MM) / BADGE_HEIGHT)
        x = (size[0] - BADGE_WIDTH * scale) / 2
        y = (size[1] - BADGE_HEIGHT * scale) / 2
        for card in cards:
            draw_badge(canvas, card, event, legends.get(card.category, fallback), x=x, y=y, scale=scale)
            canvas.showPage()
    if not cards:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
