from __future__ import annotations

from pathlib import Path

import pytest

from events_app.settings import SettingsError, load_settings


def test_defaults_need_no_configuration(tmp_path: Path) -> None:
    settings = load_settings({"EVENTS_DATA_DIR": str(tmp_path / "var")})

    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'events.db'}"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.smtp_url is None
    assert settings.mail_from == "noreply@127.0.0.1"
    assert [str(net) for net in settings.trusted_proxies] == ["127.0.0.1/32"]


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings({"EVENTS_DATA_DIR": str(tmp_path)}).secret_key
    second = load_settings({"EVENTS_DATA_DIR": str(tmp_path)}).secret_key

    assert first == second
    assert len(first) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_postgresql_url_is_accepted(tmp_path: Path) -> None:
    settings = load_settings({"EVENTS_DATA_DIR": str(tmp_path),
                              "EVENTS_DATABASE_URL": "postgresql://events:pw@db.internal:5432/events"})

    assert settings.database_url == "postgresql://events:pw@db.internal:5432/events"
    assert not settings.is_sqlite


MAIL_FROM_FORM = "EVENTS_MAIL_FROM: must be an address like noreply@example.org or Name <noreply@example.org>, got "


@pytest.mark.parametrize(("name", "value", "message"), [
    ("EVENTS_DATABASE_URL", "mysql://root@localhost/events",
     "EVENTS_DATABASE_URL: unsupported database 'mysql'; use sqlite:///… or postgresql://…"),
    ("EVENTS_DATABASE_URL", "postgresql://localhost",
     "EVENTS_DATABASE_URL: a PostgreSQL URL is postgresql://user[:password]@host:port/dbname"),
    ("EVENTS_DATABASE_URL", "sqlite:///no/such/folder/x.db",
     "EVENTS_DATABASE_URL: folder 'no/such/folder' of the SQLite file does not exist"),
    ("EVENTS_BASE_URL", "events.example.org",
     "EVENTS_BASE_URL: must be an absolute http:// or https:// URL, got 'events.example.org'"),
    ("EVENTS_SECRET_KEY", "short", "EVENTS_SECRET_KEY: must be at least 32 characters long"),
    ("EVENTS_SMTP_URL", "mail.example.org:25",
     "EVENTS_SMTP_URL: must be smtp://host:port or smtps://host:port, got 'mail.example.org:25'"),
    ("EVENTS_MAIL_FROM", "Оргкомитет noreply.example.org", MAIL_FROM_FORM + "'Оргкомитет noreply.example.org'"),
    ("EVENTS_MAIL_FROM", "noreply@example.org\r\nBcc: all@example.org",
     MAIL_FROM_FORM + "'noreply@example.org\\r\\nBcc: all@example.org'"),
    ("EVENTS_TRUSTED_PROXIES", "10.0.0.0/8, proxy", "EVENTS_TRUSTED_PROXIES: 'proxy' is not an address or network"),
])
def test_bad_value_stops_with_one_line_naming_the_variable(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"EVENTS_DATA_DIR": str(tmp_path), name: value})

    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")

    with pytest.raises(SettingsError, match=r"^EVENTS_DATA_DIR: cannot create folder"):
        load_settings({"EVENTS_DATA_DIR": str(blocker)})
