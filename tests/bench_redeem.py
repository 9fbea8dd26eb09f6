"""Benchmark: the redeem endpoint against a bare Starlette JSON endpoint, same machine, same run.

Prepares a database (SQLite by default) with the Syktyvkar event moved to today, N delegates with
tickets and one door device, starts `events-app serve`, and drives
`POST /api/v1/checkin/redeem` with wrk (Debian package `wrk`): C connections for D seconds, every
request a real scan of a random delegate's ticket with a fresh nonce (the first scan of a
ticket admits, later ones answer already_checked_in — both are full decisions, logged). Then
starts a one-route Starlette app answering a small JSON body under the same uvicorn, drives it
the same way, and prints both throughputs, their ratio, p50/p99 latency, errors and the server's
CPU time per scan (user + system time of the server processes during the run / scans answered).

    .venv/bin/python tests/bench_redeem.py [--database sqlite|postgres] [--workers N] [--delegates 2000]
        [--connections 32] [--seconds 10] [--postgres URL]

PostgreSQL: `--postgres URL`, or `--database postgres` with EVENTS_TEST_POSTGRES_URL: a scratch
database is created on that server for the run and dropped after it (the user needs CREATE DATABASE).
`--workers N` (PostgreSQL only) runs `serve --workers N`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import httpx2 as httpx
from bench_support import emit, free_port, process_tree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

BARE_APP = '''
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def redeem(request):
    body = await request.json()
    return JSONResponse({"status": "ok", "reason": None, "nonce": body.get("nonce")})

app = Starlette(routes=[Route("/api/v1/checkin/redeem", redeem, methods=["POST"])])
'''

WRK_SCRIPT = '''
local secrets = {%s}
local list = "%s"
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() + id * 7919)
end
request = function()
  counter = counter + 1
  local secret = secrets[math.random(#secrets)]
  local nonce = "bench-" .. id .. "-" .. counter .. "-" .. math.random(1000000000)
  local body = '{"secret":"' .. secret .. '","list":"' .. list .. '","type":"entry","nonce":"' .. nonce
    .. '","scanned_at":"%s"}'
  local headers = {["Content-Type"]="application/json", ["Authorization"]="Bearer %s"}
  return wrk.format("POST", "/api/v1/checkin/redeem", headers, body)
end
'''


@contextlib.contextmanager
def _scratch_postgres(server_url: str) -> Iterator[str]:
    """A new empty database on the server of `server_url`, dropped afterwards."""
    import asyncpg

    name = f"bench_redeem_{uuid.uuid4().hex[:10]}"
    admin = server_url.replace("postgresql://", "postgres://", 1)

    async def run(statement: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        asyncio.run(run(f'DROP DATABASE "{name}" WITH (FORCE)'))


def _wait(port: int) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code in (200, 404):
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")



def _cpu_seconds(root: int) -> float:
    """User + system CPU time so far of a process tree, from /proc (Linux)."""
    total = 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _wrk(port: int, script: Path, connections: int, seconds: int, server: int) -> dict[str, float]:
    cpu_before = _cpu_seconds(server)
    output = subprocess.run(
        ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "-s", str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    cpu = _cpu_seconds(server) - cpu_before

    def ms(label: str) -> float:
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", output)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    answered = int(re.search(r"(\d+) requests in", output).group(1))
    return {"rps": requests, "p50": ms("50"), "p99": ms("99"), "errors": errors,
            "cpu_ms": 1000 * cpu / max(answered, 1)}


async def _prepare(database_url: str, settings_env: dict[str, str], delegates: int) -> tuple[list[str], str, str]:
    from events_app.data.database import Store
    from events_app.services.checkin import devices
    from events_app.services.mail import outbox
    from events_app.services.programme.importer import import_agendas, read_agenda_files
    from events_app.services.registration import letters, signup
    from events_app.settings import load_settings

    settings = load_settings(settings_env)
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()  # the event's own "today"
    agenda = read_agenda_files([ROOT / "schedules" / "syktyvkar-2021.toml"], shift_to=today)[0]
    secrets = []
    async with Store(database_url) as store:
        await import_agendas(store, [agenda])
        for n in range(delegates):
            result = await signup.register(store, settings, slug="syktyvkar-2021", data={
                "surname": "Участник", "given_name": "Тест", "email": f"d{n}@example.ru", "phone": "+79120000000",
                "organisation_name": f"ООО «{n}»", "position": "инженер", "region_code": "11", "category": "enterprise",
                "days": [today.isoformat()], "consent": "on"}, consent_ip=None, language="ru",
                now=datetime.now(UTC))
            assert result.ticket_secret
            secrets.append(result.ticket_secret)
        # The confirmations go out now, not in the background of the measurement.
        while (await outbox.deliver_due(store, outbox.transport_for(settings), batch=200,
                                          render=letters.writer(store, settings))).sent:
            pass
        device = await devices.create_device(store, settings.secret_key, slug="syktyvkar-2021",
                                             list_name=f"entry-{today.isoformat()}", name="Вход 1",
                                             now=datetime.now(UTC))
    return secrets, device.token, f"entry-{today.isoformat()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")
    parser.add_argument("--profile", help="write a cProfile of the server process to this file (pstats format)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a scratch database is made there)")
    args = parser.parse_args()
    if args.database == "postgres" and not args.postgres:
        args.postgres = os.environ.get("EVENTS_TEST_POSTGRES_URL") or sys.exit(
            "--database postgres needs --postgres URL or EVENTS_TEST_POSTGRES_URL")
    if args.workers > 1 and not args.postgres:
        sys.exit("--workers needs PostgreSQL")
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with contextlib.ExitStack() as stack:
        if args.postgres:
            args.postgres = stack.enter_context(_scratch_postgres(args.postgres))
        redeem, baseline = _run(args, stack.enter_context(tempfile.TemporaryDirectory()))
    _report(args, redeem, baseline)


def _run(args: argparse.Namespace, folder: str) -> tuple[dict[str, float], dict[str, float]]:
    """Prepare the database, measure the service, then bare Starlette."""
    port = free_port()
    env = {**os.environ, "EVENTS_DATA_DIR": folder, "EVENTS_BASE_URL": f"http://127.0.0.1:{port}",
           "EVENTS_SECRET_KEY": "benchmark-secret-key-0123456789abcdef"}
    env.pop("EVENTS_SMTP_URL", None)
    if args.postgres:
        env["EVENTS_DATABASE_URL"] = args.postgres
    subprocess.run([str(BIN / "events-app"), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    from events_app.settings import load_settings

    database_url = load_settings(env).database_url
    print(f"preparing {args.delegates} delegates with tickets ...", flush=True)
    secrets, token, list_name = asyncio.run(_prepare(database_url, env, args.delegates))
    now = datetime.now(UTC).isoformat()
    script = Path(folder) / "redeem.lua"
    script.write_text(WRK_SCRIPT % (",".join(json.dumps(s) for s in secrets), list_name, now, token))

    serve = [str(BIN / "events-app"), "serve", "--port", str(port), "--workers", str(args.workers)]
    if args.profile:
        serve = [sys.executable, "-m", "cProfile", "-o", str(Path(args.profile).resolve()), *serve]
    server = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port)
        redeem = _wrk(port, script, args.connections, args.seconds, server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)

    bare_port = free_port()
    (Path(folder) / "bare_app.py").write_text(BARE_APP)
    # The same uvicorn settings as `events-app serve`, access log included, so only the endpoint differs.
    bare = subprocess.Popen([str(BIN / "uvicorn"), "bare_app:app", "--port", str(bare_port), "--proxy-headers"],
                            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(bare_port)
        baseline = _wrk(bare_port, script, args.connections, args.seconds, bare.pid)
    finally:
        bare.send_signal(signal.SIGINT)
        bare.wait(timeout=30)
    return redeem, baseline


def _report(args: argparse.Namespace, redeem: dict[str, float], baseline: dict[str, float]) -> None:
    backend = "PostgreSQL" if args.postgres else "SQLite"
    processes = "one server process" if args.workers == 1 else f"serve --workers {args.workers}"
    print(f"{args.connections} connections for {args.seconds} s each, {os.cpu_count()} CPUs, {processes}, {backend}")
    for label, figures in (("redeem", redeem), ("bare Starlette JSON", baseline)):
        print(f"  {label:<20} {figures['rps']:8.0f} req/s  p50 {figures['p50']:7.2f} ms  p99 {figures['p99']:7.2f} ms  "
              f"errors {int(figures['errors'])}  CPU {figures['cpu_ms']:.2f} ms/request")
    print(f"  ratio redeem / bare: {redeem['rps'] / baseline['rps']:.2f}")
    emit(f"door scan, {backend}, {processes}, {args.connections} connections", "req/s", redeem["rps"],
         bare=baseline["rps"], p50_ms=redeem["p50"], p99_ms=redeem["p99"], errors=int(redeem["errors"]),
         note=f"CPU {redeem['cpu_ms']:.2f} ms per scan (bare {baseline['cpu_ms']:.2f} ms)")


if __name__ == "__main__":
    main()
