"""Where the service finds its templates, static files and demo schedules.

In a source checkout they are the folders at the top of the repository (the project's agreed
layout). A built wheel carries copies inside the package, under `events_app/bundled/`
(`setup.py` puts them there), so an installed service finds them without the checkout.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = PACKAGE_DIR / "bundled"


def _folder(name: str) -> Path:
    bundled = _BUNDLED / name
    return bundled if bundled.is_dir() else PACKAGE_DIR.parent / name


TEMPLATES_DIR = _folder("templates")
MAIL_TEMPLATES_DIR = TEMPLATES_DIR / "mail"
STATIC_DIR = _folder("static")
SCHEDULES_DIR = _folder("schedules")
LOCALE_DIR = PACKAGE_DIR / "locale"
MIGRATIONS_DIR = PACKAGE_DIR / "data" / "migrations"
