"""Ticket codes: unguessable secrets that read well aloud and survive a bad print.

A secret is 26 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 130 bits.
The QR code on a ticket holds the ticket's URL, so an ordinary phone camera opens the ticket and
the door scanner takes the secret from the end of the URL.
"""

from __future__ import annotations

import io
import re
import secrets

import qrcode
import qrcode.image.svg
from qrcode.image.pil import PilImage

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SECRET_LENGTH = 26  # 26 × log2(31) ≈ 128.8 bits
_SECRET_PATTERN = re.compile(rf"^[{ALPHABET}]{{{SECRET_LENGTH}}}$")
_FROM_URL = re.compile(r"/t/([A-Za-z0-9]+)/?(?:[?#].*)?$")


def new_secret() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))


def is_secret(value: str) -> bool:
    return bool(_SECRET_PATTERN.match(value))


def secret_from_scan(scanned: str) -> str | None:
    """The secret in a scanned code: the bare secret or a ticket URL ending in /t/<secret>."""
    text = scanned.strip()
    match = _FROM_URL.search(text)
    candidate = (match.group(1) if match else text).upper()
    return candidate if is_secret(candidate) else None


def ticket_url(base_url: str, secret: str) -> str:
    return f"{base_url}/t/{secret}"


def _qr(data: str) -> qrcode.QRCode:
    # Medium error correction: a phone screen with a crack or glare still scans. A fixed mask
    # pattern skips scoring all eight (every mask is valid; scoring took three quarters of the time).
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4, mask_pattern=0)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_svg(data: str) -> bytes:
    image = _qr(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def qr_png(data: str) -> bytes:
    image = _qr(data).make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
