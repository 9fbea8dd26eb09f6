"""Reading the PDFs the service makes the way a person would: rendered to pixels (poppler's
`pdftoppm`), QR codes decoded from the picture (zxing-cpp), text and its positions (pypdf)."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from events_app.domain.pdf import register_fonts

PDFTOPPM = shutil.which("pdftoppm")
needs_pdftoppm = pytest.mark.skipif(PDFTOPPM is None,
                                    reason="poppler-utils' pdftoppm is not installed (.ci/run installs it)")


def render_pages(pdf: bytes, tmp_path: Path, *, dpi: int = 200) -> list[Image.Image]:
    """Every page as an image, as poppler draws it."""
    assert PDFTOPPM is not None
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    subprocess.run([PDFTOPPM, "-r", str(dpi), "-png", str(source), str(tmp_path / "page")], check=True,
                   capture_output=True)
    return [Image.open(path).convert("L") for path in sorted(tmp_path.glob("page-*.png"))]


def qr_texts(image: Image.Image) -> list[str]:
    return sorted(result.text for result in zxingcpp.read_barcodes(image)
                  if result.format == zxingcpp.BarcodeFormat.QRCode)


@dataclass(frozen=True)
class PlacedText:
    """A run of text on a page: where its baseline starts, its size and the width it takes."""

    text: str
    x: float
    y: float
    size: float
    font: str

    @property
    def right(self) -> float:
        return self.x + pdfmetrics.stringWidth(self.text, self.font, self.size)


def placed_texts(pdf: bytes) -> list[list[PlacedText]]:
    """Per page, each text run with its position (in points) and its width from the shipped font."""
    register_fonts()
    pages: list[list[PlacedText]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found: list[PlacedText] = []

        def visit(text: str, cm: list[float], tm: list[float], font: dict | None, size: float,
                  found: list[PlacedText] = found) -> None:
            if not text.strip():
                return
            # The text matrix within the current transformation (translate and scale only here).
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            scale = cm[0] * tm[0]
            base = str(font.get("/BaseFont", "")) if font else ""
            name = "DejaVuSans-Bold" if "Bold" in base else "DejaVuSans"
            found.append(PlacedText(text=text.strip("\n"), x=x, y=y, size=size * scale, font=name))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def page_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
