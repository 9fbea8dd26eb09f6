"""A moment's time zone named as delegates across Russia expect it.

Russians count zones from Moscow: Kirov and Kazan are «МСК», Novosibirsk «МСК+4», Kaliningrad
«МСК−1». An English reader gets "Moscow time" or the offset from UTC. The name follows the moment's
own offset, so it stays right for zones whose offset changed over the years.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MOSCOW_OFFSET = timedelta(hours=3)
MINUS = "\u2212"  # the typographic minus: «МСК−1», not a hyphen


def zone_name(moment: datetime, *, language: str) -> str:
    """«МСК», «МСК+4» in Russian; "Moscow time", "UTC+7" otherwise. `moment` must carry its zone."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("a moment without a time zone cannot name it")
    if language == "ru":
        return "МСК" if offset == MOSCOW_OFFSET else f"МСК{_signed(offset - MOSCOW_OFFSET)}"
    return "Moscow time" if offset == MOSCOW_OFFSET else f"UTC{_signed(offset)}"


def _signed(offset: timedelta) -> str:
    """+4, −1, +5:30: whole hours without minutes, as people write them."""
    minutes = int(offset.total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    return f"{'+' if minutes >= 0 else MINUS}{hours}" + (f":{rest:02d}" if rest else "")
