"""Ship the top-level `templates/`, `static/` and `schedules/` folders inside the wheel.

They stay at the top of the repository (the project's agreed layout); a built wheel carries
copies under `events_app/bundled/`, where `events_app.resources` looks first. An editable
install (`pip install -e .`) copies nothing: the service then reads the repository's folders.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("templates", "static", "schedules")
HERE = Path(__file__).resolve().parent


class BuildWithBundledFolders(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "events_app" / "bundled"
        for name in BUNDLED:
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(HERE / name, target / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store"))


setup(cmdclass={"build_py": BuildWithBundledFolders})
