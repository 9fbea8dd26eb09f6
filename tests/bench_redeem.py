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
import shutil
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench_support import BIN, WRK_THREADS, bare_app, emit, events_app, free_port, run_wrk, scratch_postgres, serving

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
''' + WRK_THREADS + '''function init(args)
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
            scratch = f"bench_redeem_{uuid.uuid4().hex[:10]}"
            args.postgres = stack.enter_context(scratch_postgres(args.postgres, scratch))
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
    events_app(env, "migrate")
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
    with serving(serve, port, env=env, probe="/healthz") as server:
        redeem = run_wrk(f"http://127.0.0.1:{port}", connections=args.connections, seconds=args.seconds,
                         script=script, server=server.pid)
    with bare_app(folder, BARE_APP) as (bare_port, bare):
        baseline = run_wrk(f"http://127.0.0.1:{bare_port}", connections=args.connections, seconds=args.seconds,
                           script=script, server=bare.pid)
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
