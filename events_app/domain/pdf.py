"""What every printed document shares: the shipped Cyrillic font, text that fits its box, QR codes.

Badges and certificates are drawn with reportlab. The PDF base fonts have no Cyrillic, so the
service ships DejaVu Sans (see `events_app/fonts/LICENSE`) and embeds the glyphs it uses.
Sizes are in PDF points; `MM` converts millimetres.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import qrcode
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

MM = 72 / 25.4
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


@cache
def register_fonts() -> None:
    """Make the shipped fonts known to reportlab, once per process."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def text_width(text: str, font: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(text, font, size))


@dataclass(frozen=True)
class FittedText:
    """Lines of text at one size that fit a given width."""

    lines: tuple[str, ...]
    size: float
    font: str

    @property
    def leading(self) -> float:
        return self.size * 1.15

    @property
    def height(self) -> float:
        return self.leading * len(self.lines)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy wrapping at spaces and after hyphens; a word longer than the width stays whole."""
    pieces: list[str] = []
    for word in text.split():
        parts = word.split("-")
        pieces.extend(part + "-" for part in parts[:-1])
        pieces.append(parts[-1] + " ")
    lines: list[str] = []
    current = ""
    for piece in pieces:
        candidate = current + piece
        if current and text_width(candidate.rstrip(), font, size) > width:
            lines.append(current.rstrip())
            current = piece
        else:
            current = candidate
    if current.strip():
        lines.append(current.rstrip())
    return lines


def fit_text(text: str, *, font: str, width: float, largest: float, smallest: float,
             max_lines: int = 1, step: float = 0.5) -> FittedText:
    """The largest size (down to `smallest`) at which `text` fits `width` in at most `max_lines`.

    One line is preferred at every size before a second is tried, so a name keeps its big print
    as long as it can. What still does not fit at the smallest size is cut with an ellipsis:
    the badge is never overflowed.
    """
    register_fonts()
    text = " ".join(text.split())
    if not text:
        return FittedText((), largest, font)
    for lines_allowed in range(1, max_lines + 1):
        size = largest
        while size >= smallest:
            lines = [text] if lines_allowed == 1 else _wrap(text, font, size, width)
            if len(lines) <= lines_allowed and all(text_width(line, font, size) <= width for line in lines):
                return FittedText(tuple(lines), size, font)
            size -= step
    lines = _wrap(text, font, smallest, width)[:max_lines]
    return FittedText(tuple(_cut(line, font, smallest, width) for line in lines), smallest, font)


def _cut(line: str, font: str, size: float, width: float) -> str:
    if text_width(line, font, size) <= width:
        return line
    while line and text_width(line + "…", font, size) > width:
        line = line[:-1]
    return line + "…"


def draw_lines(canvas: Canvas, fitted: FittedText, *, x: float, top: float) -> float:
    """Draw `fitted` from `top` downwards (baseline below the top by its size); the y below it."""
    canvas.setFont(fitted.font, fitted.size)
    y = top
    for line in fitted.lines:
        canvas.drawString(x, y - fitted.size, line)
        y -= fitted.leading
    return y


@cache
def _version_for(length: int) -> int:
    """The smallest QR version for data of this length: ticket and certificate URLs of one
    service all have the same length, so the search is made once, not once per badge."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data("x" * length)
    code.make(fit=True)
    return int(code.version)


def qr_modules(data: str) -> list[list[bool]]:
    """The QR code's dark and light modules, quiet zone included (four modules each side)."""
    code = qrcode.QRCode(version=_version_for(len(data.encode())), error_correction=qrcode.constants.ERROR_CORRECT_M,
                         border=4, mask_pattern=0)
    code.add_data(data, optimize=0)
    code.make(fit=False)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def draw_qr(canvas: Canvas, data: str, *, x: float, y: float, size: float) -> None:
    """A vector QR code with its quiet zone in the square (x, y, size): sharp at any print size.

    Drawn in a coordinate system of one unit per module, runs of dark modules in a row as one
    rectangle each, written as PDF operators with whole numbers: a thousand badges' codes are
    three hundred thousand modules, and reportlab's own path calls format each float in Python."""
    modules = qr_modules(data)
    count = len(modules)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.translate(x, y)
    canvas.scale(size / count, size / count)
    operators: list[str] = []
    for row_index, row in enumerate(modules):
        bottom = count - row_index - 1
        start: int | None = None
        for column, dark in enumerate([*row, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                operators.append(f"{start} {bottom} {column - start} 1 re")
                start = None
    operators.append("f")
    canvas.addLiteral("\n".join(operators))
    canvas.restoreState()
