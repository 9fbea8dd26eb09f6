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
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from bench_support import emit, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
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


def _wait(port: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/")
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("server did not start within two minutes")


def _wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    output = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
                            capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", output)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert found, output
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"rps": float(found.group(1)), "p50": ms("50"), "p99": ms("99"), "errors": errors}


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
        port, bare_port = free_port(), free_port()
        env = {**os.environ, "EVENTS_DATA_DIR": folder, "EVENTS_DATABASE_URL": f"sqlite:///{folder}/events.db",
               "EVENTS_BASE_URL": f"http://127.0.0.1:{port}"}
        env.pop("EVENTS_SMTP_URL", None)
        for command in (["migrate"], ["demo"]):
            subprocess.run([str(BIN / "events-app"), *command], env=env, check=True, stdout=subprocess.DEVNULL)
        (Path(folder) / "bare_app.py").write_text(BARE_APP)
        server = subprocess.Popen([str(BIN / "events-app"), "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bare = subprocess.Popen([str(BIN / "uvicorn"), "bare_app:app", "--port", str(bare_port), "--proxy-headers"],
                                cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows: list[tuple[str, dict[str, float]]] = []
        try:
            _wait(port)
            _wait(bare_port)
            base = f"http://127.0.0.1:{port}"
            bare_figures = _wrk(f"http://127.0.0.1:{bare_port}/", args.connections, args.seconds)
            rows.append(("bare Starlette page", bare_figures))
            for label, path in _addresses(base):
                rows.append((label, _wrk(base + path, args.connections, args.seconds)))
            # After a programme change the first answer is built again: measured on its own.
            subprocess.run([str(BIN / "events-app"), "import", str(ROOT / "schedules" / f"{SLUG}.toml")], env=env,
                           check=True, stdout=subprocess.DEVNULL)
            started = time.perf_counter()
            httpx.get(f"{base}/events/{SLUG}/agenda").raise_for_status()
            rebuilt_ms = (time.perf_counter() - started) * 1000
        finally:
            for process in (server, bare):
                process.send_signal(signal.SIGINT)
                process.wait(timeout=30)

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
