"""Benchmark: the redeem endpoint against a bare Starlette JSON endpoint, same machine, same run.

Prepares a database (SQLite by default) with the Syktyvkar event moved to today, N delegates with
tickets and one door device, starts `events-app serve`, and drives
`POST /api/v1/checkin/redeem` with wrk (Debian package `wrk`): C connections for D seconds, every
request a real scan of a random delegate's ticket with a fresh nonce (the first scan of a
ticket admits, later ones answer already_checked_in — both are full decisions, logged). Then
starts a one-route Starlette app answering a small JSON body under the same uvicorn, drives it
the same way, and prints both throughputs, their ratio, p50/p99 latency and errors.

    .venv/bin/python tests/bench_redeem.py [--delegates 2000] [--connections 32] [--seconds 10] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2 as httpx

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(port: int) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code in (200, 404):
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def _wrk(port: int, script: Path, connections: int, seconds: int) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "-s", str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", output)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"rps": requests, "p50": ms("50"), "p99": ms("99"), "errors": errors}


async def _prepare(database_url: str, settings_env: dict[str, str], delegates: int) -> tuple[list[str], str, str]:
    from events_app.data.database import Store
    from events_app.services.checkin import devices
    from events_app.services.mail import outbox
    from events_app.services.programme.importer import import_agendas, read_agenda_files
    from events_app.services.registration import signup
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
        while (await outbox.deliver_due(store, outbox.transport_for(settings), batch=200)).sent:
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
    parser.add_argument("--postgres", help="a PostgreSQL URL to use instead of SQLite (its tables are replaced)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
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

        server = subprocess.Popen([str(BIN / "events-app"), "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait(port)
            redeem = _wrk(port, script, args.connections, args.seconds)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)

        bare_port = _free_port()
        (Path(folder) / "bare_app.py").write_text(BARE_APP)
        # The same uvicorn settings as `events-app serve`, access log included, so only the endpoint differs.
        bare = subprocess.Popen([str(BIN / "uvicorn"), "bare_app:app", "--port", str(bare_port), "--proxy-headers"],
                                cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait(bare_port)
            baseline = _wrk(bare_port, script, args.connections, args.seconds)
        finally:
            bare.send_signal(signal.SIGINT)
            bare.wait(timeout=30)

    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{args.connections} connections for {args.seconds} s each, {os.cpu_count()} CPUs, one server process, "
          f"{backend}")
    for label, figures in (("redeem", redeem), ("bare Starlette JSON", baseline)):
        print(f"  {label:<20} {figures['rps']:8.0f} req/s  p50 {figures['p50']:7.2f} ms  p99 {figures['p99']:7.2f} ms  "
              f"errors {int(figures['errors'])}")
    print(f"  ratio redeem / bare: {redeem['rps'] / baseline['rps']:.2f}")


if __name__ == "__main__":
    main()
