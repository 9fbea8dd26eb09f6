"""Where the service finds its templates, static files and demo schedules.

In a source checkout they are the folders at the top of the repository (the project's agreed
layout). A built wheel carries copies inside the package, under `events_app/bundled/`
(`setup.py` puts them there), so an installed service finds them without the checkout. When
neither place has a folder, the service stops at once with `MissingResources` naming both
places, rather than later with a bare "directory does not exist" from Starlette or Jinja.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_DIR = PACKAGE_DIR / "bundled"


class MissingResources(RuntimeError):
    """A folder the service cannot run without is neither inside the package nor beside it."""


def locate(name: str, package_dir: Path = PACKAGE_DIR) -> Path:
    """The folder `name`: the wheel's copy under `bundled/` first, else the repository's."""
    bundled = package_dir / "bundled" / name
    if bundled.is_dir():
        return bundled
    checkout = package_dir.parent / name
    if checkout.is_dir():
        return checkout
    raise MissingResources(
        f"the {name}/ folder is missing: looked in {bundled} (a built wheel) and {checkout} "
        "(a source checkout); install the service from a wheel built with `make dist` "
        "or `pip install .`, or run it from the repository"
    )


TEMPLATES_DIR = locate("templates")
MAIL_TEMPLATES_DIR = TEMPLATES_DIR / "mail"
STATIC_DIR = locate("static")
SCHEDULES_DIR = locate("schedules")
LOCALE_DIR = PACKAGE_DIR / "locale"
MIGRATIONS_DIR = PACKAGE_DIR / "data" / "migrations"
