"""Benchmark: a registration rush against a running server.

Starts `events-app serve` on a fresh database (SQLite by default, PostgreSQL with --postgres
URL), loads the Syktyvkar demo shifted to next month, and sends N registrations from C
concurrent clients to the JSON API, each choosing a 40-place site visit. Clients come through
the trusted local proxy with their own X-Forwarded-For address, as delegates would from their
own networks, so the per-address rate limit does not apply to the rush as a whole.

    .venv/bin/python tests/bench_registration.py [--registrations 500] [--clients 50] [--postgres URL]

Prints registrations per second, p50/p99 latency and errors, then checks the database:
exactly 40 confirmed on the visit, the rest waiting in line, one ticket per confirmed delegate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import httpx2 as httpx
from bench_support import emit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "events-app"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


async def _wait_ready(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("the server did not start")


async def rush(base: str, registrations: int, clients: int) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=60) as client:
        sessions = (await client.get(f"{base}/api/v1/events/syktyvkar-2021/sessions",
                                     params={"kind": "site_visit"})).json()["sessions"]
        visit = sessions[0]
        day = visit["starts_at"][:10]
        queue = iter(range(registrations))
        latencies: list[float] = []
        outcomes: Counter[str] = Counter()

        async def delegate_client(number: int) -> None:
            headers = {"X-Forwarded-For": f"198.51.{number // 250}.{number % 250 + 1}"}
            for n in queue:
                body = {
                    "surname": "Петрова", "given_name": "Мария", "email": f"delegate{n}@example.ru",
                    "phone": "+7 912 000-00-00", "organisation_name": f"ООО «Участник {n}»", "position": "инженер",
                    "region_code": "11", "category": "enterprise", "days": [day], "sessions": [visit["id"]],
                    "consent": True,
                }
                started = time.perf_counter()
                try:
                    response = await client.post(f"{base}/api/v1/events/syktyvkar-2021/registrations",
                                                 json=body, headers=headers)
                    outcome = str(response.status_code)
                    if response.status_code == 201:
                        outcome = "201 " + response.json()["choices"][0]["status"]
                except httpx.HTTPError as error:
                    outcome = type(error).__name__
                latencies.append(time.perf_counter() - started)
                outcomes[outcome] += 1

        started = time.perf_counter()
        await asyncio.gather(*(delegate_client(number) for number in range(clients)))
        elapsed = time.perf_counter() - started

    created = sum(count for outcome, count in outcomes.items() if outcome.startswith("201"))
    errors = registrations - created
    q = statistics.quantiles(latencies, n=100)
    print(f"{registrations} registrations from {clients} concurrent clients in {elapsed:.1f} s")
    print(f"  {created / elapsed:.0f} registrations/s, p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms, "
          f"errors {errors}")
    print("  answers: " + ", ".join(f"{outcome} × {count}" for outcome, count in sorted(outcomes.items())))
    return {"rate": created / elapsed, "p50": q[49] * 1000, "p99": q[98] * 1000, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--postgres", help="a PostgreSQL URL to use instead of SQLite (its tables are replaced)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        env = {**os.environ, "EVENTS_DATA_DIR": folder, "EVENTS_BASE_URL": f"http://127.0.0.1:{port}",
               "EVENTS_SECRET_KEY": "benchmark-secret-key-0123456789abcdef"}
        env.pop("EVENTS_SMTP_URL", None)
        if args.postgres:
            env["EVENTS_DATABASE_URL"] = args.postgres
        _run(env, "migrate")
        start = date.today() + timedelta(days=30)
        _run(env, "import", str(ROOT / "schedules" / "syktyvkar-2021.toml"), "--shift-to", start.isoformat())
        server = subprocess.Popen([str(BIN / "events-app"), "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(_wait_ready(base))
            print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}, {os.cpu_count()} CPUs, one server process")
            figures = asyncio.run(rush(base, args.registrations, args.clients))
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
        listing = subprocess.run([str(BIN / "events-app"), "registrations", "syktyvkar-2021"], env=env,
                                 capture_output=True, text=True, check=True)
        statuses = Counter(line.split("\t")[1] for line in listing.stdout.splitlines())
        print(f"  stored registrations by status: {dict(statuses)}")
    emit(f"registration rush, JSON API, {args.clients} clients, {'PostgreSQL' if args.postgres else 'SQLite'}, "
         "1 process", "registrations/s", figures["rate"], p50_ms=figures["p50"], p99_ms=figures["p99"],
         errors=int(figures["errors"]), http=True,
         note="stored: " + ", ".join(f"{status} {count}" for status, count in sorted(statuses.items())))


if __name__ == "__main__":
    main()
