"""The application's lifespan: what a running server holds and lets go."""

from __future__ import annotations

import gc
from pathlib import Path

from starlette.testclient import TestClient

from events_app.app import create_app
from tests.conftest import settings_for


def test_running_app_keeps_its_startup_heap_out_of_full_collections(sqlite_url: str, tmp_path: Path) -> None:
    app = create_app(settings_for(sqlite_url, tmp_path / "data"))

    with TestClient(app) as client:
        frozen_while_serving = gc.get_freeze_count()
        answer = client.get("/healthz")
    frozen_after = gc.get_freeze_count()

    assert answer.json() == {"status": "ok"}
    assert frozen_while_serving > 10_000  # the imported modules, the routes, the templates …
    assert frozen_after == 0  # given back to the collector: tests start app after app in one process
