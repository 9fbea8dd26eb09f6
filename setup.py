"""Ship the top-level `templates/`, `static/` and `schedules/` folders inside the wheel.

They stay at the top of the repository (the project's agreed layout); a built wheel carries
copies under `events_app/bundled/`, where `events_app.resources` looks first. An editable
install (`pip install -e .`) copies nothing: the service then reads the repository's folders.
`MANIFEST.in` puts the same folders into the sdist, so a wheel built from the sdist has them too.
Everything else (metadata, package data) is in `pyproject.toml`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import FileError

BUNDLED = ("templates", "static", "schedules")
HERE = Path(__file__).resolve().parent
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


class BuildWithBundledFolders(build_py):
    """The usual build, then a fresh copy of each bundled folder into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        missing = [name for name in BUNDLED if not (HERE / name).is_dir()]
        if missing:
            # A wheel without them installs fine and then cannot serve a page: refuse to build it.
            raise FileError(f"cannot build: folder(s) {', '.join(missing)} missing beside setup.py in {HERE}")
        target = Path(self.build_lib) / "events_app" / "bundled"
        for name in BUNDLED:
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(HERE / name, target / name, ignore=JUNK)


setup(cmdclass={"build_py": BuildWithBundledFolders})
