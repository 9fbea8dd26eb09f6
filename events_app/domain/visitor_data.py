"""The fields an enterprise's security service asks for, checked and sealed.

Sealed with AES-256-GCM under the key from `EVENTS_VISITOR_DATA_KEY`; the registration id is the
associated data, so a sealed value copied onto another delegate's row does not open. The
database holds only `v1.<nonce>.<ciphertext>` in URL-safe base64.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events_app.domain.errors import N_, DomainError, InvalidInput
from events_app.domain.registration import clean_text

VISITOR_CONSENT_VERSION = "visit-2026-1"
VISITOR_CONSENT_TEXT = N_(
    "I agree that my passport series and number, date of birth and citizenship are passed to the "
    "security service of the enterprise I visit, for the pass only. They are kept encrypted, seen only "
    "by the organisers in charge of the visitor list and deleted after the event.")


@dataclass(frozen=True)
class VisitorFields:
    passport_series: str
    passport_number: str
    birth_date: date
    citizenship: str

    def as_dict(self) -> dict[str, str]:
        values = asdict(self)
        values["birth_date"] = self.birth_date.isoformat()
        return values


class UnreadableVisitorData(DomainError):
    """The sealed value does not open with this key: the key changed or the row was tampered with."""

    code = "visitor_data_unreadable"


def validate_visitor_fields(data: dict[str, Any], *, today: date) -> VisitorFields:
    """Check the form; `InvalidInput` names every wrong field. A Russian passport has a series of
    four digits and a number of six; a foreign passport may have letters, so both allow them."""
    errors: dict[str, str] = {}
    series = re.sub(r"\s+", "", clean_text(str(data.get("passport_series") or "")))
    number = re.sub(r"\s+", "", clean_text(str(data.get("passport_number") or "")))
    citizenship = clean_text(str(data.get("citizenship") or "")) or "Российская Федерация"
    if not re.fullmatch(r"[0-9A-Za-zА-Яа-я]{2,6}", series):
        errors["passport_series"] = N_("Give the passport series: 4 digits for a Russian passport")
    if not re.fullmatch(r"[0-9A-Za-z]{6,10}", number):
        errors["passport_number"] = N_("Give the passport number: 6 digits for a Russian passport")
    birth: date | None = None
    try:
        birth = date.fromisoformat(str(data.get("birth_date") or ""))
    except ValueError:
        errors["birth_date"] = N_("Give the date of birth")
    else:
        if not date(today.year - 100, 1, 1) <= birth <= date(today.year - 14, today.month, min(today.day, 28)):
            errors["birth_date"] = N_("This date of birth is not plausible")
    if len(citizenship) > 80:
        errors["citizenship"] = N_("Citizenship is at most 80 characters")
    if not data.get("visitor_consent"):
        errors["visitor_consent"] = N_("Without this consent the enterprise cannot issue a pass")
    if errors or birth is None:
        raise InvalidInput(N_("Check the highlighted fields"), fields=errors)
    return VisitorFields(series.upper(), number.upper(), birth, citizenship)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(fields: VisitorFields, *, key: bytes, registration_id: int) -> str:
    nonce = os.urandom(12)
    plain = json.dumps(fields.as_dict(), ensure_ascii=False).encode()
    sealed = AESGCM(key).encrypt(nonce, plain, f"registration:{registration_id}".encode())
    return f"v1.{_b64(nonce)}.{_b64(sealed)}"


def open_sealed(value: str, *, key: bytes, registration_id: int) -> VisitorFields:
    try:
        version, nonce, sealed = value.split(".")
        if version != "v1":
            raise ValueError(version)
        plain = AESGCM(key).decrypt(_unb64(nonce), _unb64(sealed), f"registration:{registration_id}".encode())
        values = json.loads(plain)
        return VisitorFields(values["passport_series"], values["passport_number"],
                             date.fromisoformat(values["birth_date"]), values["citizenship"])
    except (InvalidTag, ValueError, KeyError) as error:
        raise UnreadableVisitorData(N_("The visitor data cannot be read with the current key")) from error
