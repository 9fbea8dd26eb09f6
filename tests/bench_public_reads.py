"""Benchmark: public reads of a demo event against a bare Starlette page, same machine, same run.

Loads the demo into a fresh SQLite file, starts `events-app serve` (one process) and, under the
same uvicorn, a one-route Starlette app answering a small HTML page. wrk drives each address with
C connections for D seconds: the event list, the event, agenda, session, venue and registration
pages, the JSON programme and the feeds of the Syktyvkar demo event. Prints requests/s, p50/p99,
errors and each address's ratio to the bare page; then one address again after a programme
change, to show the first answer after a change is built, not served stale.

    .venv/bin/python tests/bench_public_reads.py [--connections 32] [--seconds 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from bench_support import BIN, bare_app, emit, events_app, free_port, run_wrk, serving

ROOT = Path(__file__).resolve().parent.parent
SLUG = "syktyvkar-2021"

BARE_APP = '''
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGE = "<!doctype html><html lang=ru><title>Программа</title><main><h1>Программа</h1></main></html>"

async def page(request):
    return HTMLResponse(PAGE)

app = Starlette(routes=[Route("/", page)])
'''


def _addresses(base: str) -> list[tuple[str, str]]:
    sessions = httpx.get(f"{base}/api/v1/events/{SLUG}/sessions").json()["sessions"]
    visit = next(s for s in sessions if s["kind"] == "site_visit")
    venue = next(s["venue"]["key"] for s in sessions if s.get("venue"))
    return [
        ("event list", "/"),
        ("event page", f"/events/{SLUG}"),
        ("agenda", f"/events/{SLUG}/agenda"),
        ("session page", f"/events/{SLUG}/sessions/{visit['id']}"),
        ("venue page", f"/events/{SLUG}/venues/{venue}"),
        ("registration form", f"/events/{SLUG}/register"),
        ("JSON programme", f"/api/v1/events/{SLUG}/sessions"),
        ("calendar.ics", f"/events/{SLUG}/calendar.ics"),
        ("schedule.xml", f"/events/{SLUG}/schedule.xml"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        env = {**os.environ, "EVENTS_DATA_DIR": folder, "EVENTS_DATABASE_URL": f"sqlite:///{folder}/events.db",
               "EVENTS_BASE_URL": f"http://127.0.0.1:{port}"}
        env.pop("EVENTS_SMTP_URL", None)
        events_app(env, "migrate")
        events_app(env, "demo")
        rows: list[tuple[str, dict[str, float]]] = []
        with (serving([str(BIN / "events-app"), "serve", "--port", str(port)], port, env=env),
              bare_app(folder, BARE_APP) as (bare_port, _)):
            base = f"http://127.0.0.1:{port}"
            bare_figures = run_wrk(f"http://127.0.0.1:{bare_port}/", connections=args.connections,
                                   seconds=args.seconds)
            rows.append(("bare Starlette page", bare_figures))
            for label, path in _addresses(base):
                rows.append((label, run_wrk(base + path, connections=args.connections, seconds=args.seconds)))
            # After a programme change the first answer is built again: measured on its own.
            events_app(env, "import", str(ROOT / "schedules" / f"{SLUG}.toml"))
            started = time.perf_counter()
            httpx.get(f"{base}/events/{SLUG}/agenda").raise_for_status()
            rebuilt_ms = (time.perf_counter() - started) * 1000

    print(f"{args.connections} connections for {args.seconds} s each, {os.cpu_count()} CPUs, one server process, "
          f"SQLite, demo event {SLUG}")
    print(f"{'address':<22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'× bare':>7}")
    for label, figures in rows:
        print(f"{label:<22} {figures['rps']:>8.0f} {figures['p50']:>8.1f} {figures['p99']:>8.1f} "
              f"{figures['errors']:>7.0f} {figures['rps'] / bare_figures['rps']:>7.2f}")
    print(f"agenda, first request after a re-import: {rebuilt_ms:.1f} ms")
    for label, figures in rows[1:]:
        emit(f"public read: {label}, SQLite, 1 process, {args.connections} connections", "req/s", figures["rps"],
             bare=bare_figures["rps"], p50_ms=figures["p50"], p99_ms=figures["p99"], errors=int(figures["errors"]),
             note="bare: a one-route Starlette page" if label == "event list" else "")
    emit("public read: agenda, first request after a re-import", "ms", rebuilt_ms)


if __name__ == "__main__":
    main()
