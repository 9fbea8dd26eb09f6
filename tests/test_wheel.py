"""The service as a deployment gets it: a built wheel, installed without `-e` into a fresh virtualenv.

`templates/`, `static/` and `schedules/` live at the top of the repository, outside the package, so
an editable install (what every other test uses) can never show that a wheel forgot them. This test
builds the sdist and the wheel from it, installs the wheel into a virtualenv that cannot see this
checkout or the test environment's packages, and runs the service from an empty folder.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest

from events_app.resources import MissingResources, locate
from tests.conftest import ROOT
from tests.process_support import Server

DEMO = ROOT / "schedules" / "syktyvkar-2021.toml"
BUNDLED = ("templates", "static", "schedules")
JUNK = {"__pycache__", ".DS_Store"}


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path

    @property
    def events_app(self) -> str:
        return str(self.venv / "bin" / "events-app")


def _files(folder: Path) -> set[str]:
    """Every file under `folder`, relative to it, as the wheel's member names spell them."""
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")
            if path.is_file() and not JUNK & set(path.parts) and path.suffix != ".pyc"}


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a machine where nothing of the project is configured or importable."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("EVENTS_") and key not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    return {**env, **extra}


def _run(command: list[str], *, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    # The sdist first, then the wheel from the unpacked sdist: a file MANIFEST.in forgets is missed here.
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)], cwd=work)
    [wheel] = dist.glob("events_app-*.whl")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=work)
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], cwd=work)
    yield Installed(wheel, venv)


@pytest.mark.slow
def test_wheel_carries_templates_static_schedules_locale_and_migrations(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as archive:
        members = set(archive.namelist())
    for name in BUNDLED:
        expected = {f"events_app/bundled/{name}/{path}" for path in _files(ROOT / name)}
        assert expected, name
        assert expected <= members, sorted(expected - members)[:10]
    package = ROOT / "events_app"
    for folder in (package / "locale", package / "data" / "migrations", package / "fonts"):
        expected = {f"events_app/{folder.relative_to(package).as_posix()}/{path}" for path in _files(folder)}
        assert expected <= members, sorted(expected - members)[:10]
    assert "events_app/data/migrations/script.py.mako" in members
    assert "events_app/py.typed" in members
    assert not {member for member in members if "__pycache__" in member or member.endswith(".pyc")}


@pytest.mark.slow
def test_installed_wheel_migrates_loads_the_demo_and_serves_from_an_empty_folder(
        installed: Installed, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    python = str(installed.venv / "bin" / "python")

    # The package in use is the installed copy, reading its own bundled folders, not this checkout.
    where = _run([python, "-c", "import events_app.resources as r; print(r.PACKAGE_DIR); print(r.TEMPLATES_DIR)"],
                 cwd=site).stdout.split()
    assert where[0].startswith(str(installed.venv)), where
    assert where[1] == str(Path(where[0]) / "bundled" / "templates")

    _run([installed.events_app, "migrate"], cwd=site)
    demo = _run([installed.events_app, "demo"], cwd=site)
    assert "syktyvkar-2021" in demo.stdout + demo.stderr
    assert (site / "var").is_dir()  # the default data folder, relative to where the service runs

    agenda = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    event_title = html.escape(agenda["event"]["title"], quote=False)
    session_title = html.escape(agenda["sessions"][0]["title"], quote=False)

    server = Server(_clean_env(), cwd=site)
    server.start_command = [installed.events_app, "serve", "--port", str(server.port)]
    try:
        server.start()
        home = httpx.get(f"{server.base}/", timeout=30)
        assert home.status_code == 200
        assert "<title>" in home.text and event_title in home.text

        page = httpx.get(f"{server.base}/events/syktyvkar-2021/agenda", timeout=30)
        assert page.status_code == 200
        assert event_title in page.text and session_title in page.text

        for static in ("app.css", "scanner/scan.js", "favicon.svg"):
            answer = httpx.get(f"{server.base}/static/{static}", timeout=30)
            assert answer.status_code == 200, static
            assert answer.content == (ROOT / "static" / static).read_bytes(), static

        health = httpx.get(f"{server.base}/healthz", timeout=30)
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        ready = httpx.get(f"{server.base}/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
    finally:
        server.stop()


def test_a_bundled_folder_is_preferred_to_the_checkout(tmp_path: Path) -> None:
    package = tmp_path / "events_app"
    (package / "bundled" / "templates").mkdir(parents=True)
    (tmp_path / "templates").mkdir()
    assert locate("templates", package) == package / "bundled" / "templates"


def test_the_checkout_folder_serves_when_nothing_is_bundled(tmp_path: Path) -> None:
    package = tmp_path / "events_app"
    package.mkdir()
    (tmp_path / "static").mkdir()
    assert locate("static", package) == tmp_path / "static"


def test_a_folder_in_neither_place_stops_the_service_naming_both(tmp_path: Path) -> None:
    package = tmp_path / "events_app"
    package.mkdir()
    with pytest.raises(MissingResources) as raised:
        locate("schedules", package)
    message = str(raised.value)
    assert str(package / "bundled" / "schedules") in message
    assert str(tmp_path / "schedules") in message
