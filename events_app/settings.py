"""Settings from the environment, checked once at start-up.

Every setting has an embedded default so that a fresh clone runs without configuration. A bad
value raises `SettingsError` whose message is one line naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from starlette.config import Config, EnvironError


class SettingsError(Exception):
    """A setting has a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    base_url: str
    data_dir: Path
    smtp_url: str | None
    mail_from: str
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    # The AES-256 key sealing the passport fields of visitor lists, and how long after an event
    # they are kept (EVENTS_VISITOR_DATA_KEY, EVENTS_VISITOR_DATA_DAYS).
    visitor_data_key: bytes = b""
    visitor_data_days: int = 7
    # How often each process looks for reminders that fell due (EVENTS_REMINDER_POLL_SECONDS).
    reminder_poll_seconds: float = 30.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def base_host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting; create the data folder and the secret key if needed."""
    config = Config(environ=dict(os.environ if environ is None else environ))

    def read(name: str, default: str) -> str:
        try:
            return str(config(name, default=default)).strip()
        except EnvironError as error:  # pragma: no cover - only for a malformed env file
            raise SettingsError(f"{name}: {error}") from error

    data_dir = _data_dir(read("EVENTS_DATA_DIR", "var"))
    database_url = _database_url(read("EVENTS_DATABASE_URL", ""), data_dir)
    secret_key = _secret_key(read("EVENTS_SECRET_KEY", ""), data_dir)
    base_url = _base_url(read("EVENTS_BASE_URL", "http://127.0.0.1:8000"))
    return Settings(
        database_url=database_url,
        secret_key=secret_key,
        base_url=base_url,
        data_dir=data_dir,
        smtp_url=_smtp_url(read("EVENTS_SMTP_URL", "")),
        mail_from=_mail_from(read("EVENTS_MAIL_FROM", ""), base_url),
        trusted_proxies=_trusted_proxies(read("EVENTS_TRUSTED_PROXIES", "127.0.0.1")),
        visitor_data_key=_visitor_data_key(read("EVENTS_VISITOR_DATA_KEY", ""), secret_key),
        visitor_data_days=_visitor_data_days(read("EVENTS_VISITOR_DATA_DAYS", "7")),
        reminder_poll_seconds=_reminder_poll_seconds(read("EVENTS_REMINDER_POLL_SECONDS", "30")),
    )


def _data_dir(value: str) -> Path:
    if not value:
        raise SettingsError("EVENTS_DATA_DIR: must name a folder, got an empty value")
    path = Path(value).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SettingsError(f"EVENTS_DATA_DIR: cannot create folder {value!r}: {error.strerror}") from error
    if not os.access(path, os.W_OK):
        raise SettingsError(f"EVENTS_DATA_DIR: folder {value!r} is not writable")
    return path


def _database_url(value: str, data_dir: Path) -> str:
    if not value:
        return f"sqlite:///{data_dir / 'events.db'}"
    scheme = value.split(":", 1)[0] if ":" in value else ""
    if scheme == "sqlite":
        if not value.startswith("sqlite:///") or len(value) <= len("sqlite:///"):
            raise SettingsError(
                "EVENTS_DATABASE_URL: a SQLite URL is sqlite:///relative/path.db or sqlite:////absolute/path.db"
            )
        folder = Path(value[len("sqlite:///"):]).parent
        if not folder.is_dir():
            raise SettingsError(f"EVENTS_DATABASE_URL: folder {str(folder)!r} of the SQLite file does not exist")
        return value
    if scheme in ("postgresql", "postgres"):
        parts = urlsplit(value)
        if not parts.hostname or not parts.path.strip("/"):
            raise SettingsError(
                "EVENTS_DATABASE_URL: a PostgreSQL URL is postgresql://user[:password]@host:port/dbname"
            )
        try:
            _ = parts.port  # reading the port is what checks it
        except ValueError as error:
            raise SettingsError(f"EVENTS_DATABASE_URL: bad port: {error}") from error
        return "postgresql" + value[len(scheme):]
    raise SettingsError(
        f"EVENTS_DATABASE_URL: unsupported database {scheme or value!r}; use sqlite:///… or postgresql://…"
    )


def _secret_key(value: str, data_dir: Path) -> str:
    if value:
        if len(value) < 32:
            raise SettingsError("EVENTS_SECRET_KEY: must be at least 32 characters long")
        return value
    # Kept under the data folder so that signed links stay valid across restarts.
    key_file = data_dir / "secret_key"
    if key_file.exists():
        stored = key_file.read_text(encoding="utf-8").strip()
        if len(stored) < 32:
            raise SettingsError(f"EVENTS_SECRET_KEY: the stored key in {key_file} is too short; delete the file")
        return stored
    generated = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(generated + "\n")
    return generated


def _base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"EVENTS_BASE_URL: must be an absolute http:// or https:// URL, got {value!r}")
    if parts.query or parts.fragment:
        raise SettingsError("EVENTS_BASE_URL: must not have a query or a fragment")
    return value.rstrip("/")


def _smtp_url(value: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SettingsError(f"EVENTS_SMTP_URL: must be smtp://host:port or smtps://host:port, got {value!r}")
    try:
        _ = parts.port  # reading the port is what checks it
    except ValueError as error:
        raise SettingsError(f"EVENTS_SMTP_URL: bad port: {error}") from error
    return value


def _mail_from(value: str, base_url: str) -> str:
    if not value:
        return f"noreply@{urlsplit(base_url).hostname}"
    # Simple on purpose: compose() parses the address fully when it builds a message.
    named = re.fullmatch(r"[^<>\r\n]*<([^<>]*)>", value)
    address = named.group(1) if named else value
    local, at, domain = address.partition("@")
    if not (local and at and domain) or "@" in domain or re.search(r"[\s<>]", address):
        raise SettingsError(
            "EVENTS_MAIL_FROM: must be an address like noreply@example.org or Name <noreply@example.org>, "
            f"got {value!r}"
        )
    return value


def _trusted_proxies(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise SettingsError(f"EVENTS_TRUSTED_PROXIES: {item!r} is not an address or network") from error
    return tuple(networks)


def _visitor_data_key(value: str, secret_key: str) -> bytes:
    """32 bytes, written as URL-safe base64 (`python -c "import secrets; print(secrets.token_urlsafe(32))"`).

    Unset, the key is derived from EVENTS_SECRET_KEY, so a fresh clone works; a deployment sets its
    own, because changing the secret key would make the stored visitor data unreadable.
    """
    if not value:
        import hashlib
        import hmac

        return hmac.new(secret_key.encode(), b"events-app visitor data key", hashlib.sha256).digest()
    import base64
    import binascii

    try:
        key = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as error:
        raise SettingsError("EVENTS_VISITOR_DATA_KEY: must be 32 bytes in URL-safe base64 (43 characters)") from error
    if len(key) != 32:
        raise SettingsError(
            f"EVENTS_VISITOR_DATA_KEY: must be 32 bytes in URL-safe base64 (43 characters), got {len(key)} bytes")
    return key


def _visitor_data_days(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 365:
        raise SettingsError(f"EVENTS_VISITOR_DATA_DAYS: must be a whole number of days from 0 to 365, got {value!r}")
    return int(value)


def _reminder_poll_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0.1 <= seconds <= 3600:
        raise SettingsError(
            f"EVENTS_REMINDER_POLL_SECONDS: must be a number of seconds from 0.1 to 3600, got {value!r}")
    return seconds
