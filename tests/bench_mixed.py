"""Benchmark: mixed load on PostgreSQL — public reads, registrations and door scans at once, two processes.

Makes a scratch database `bench_mixed` on the PostgreSQL server of --postgres URL (default:
EVENTS_TEST_POSTGRES_URL; one left by an earlier run is replaced, and it is dropped at the end),
loads the demo, moves the Syktyvkar event to today so that its entry list is today's, gives it D
delegates with tickets, pairs two door devices and starts `events-app serve --workers 2`. Then
three wrk processes run at the same time: R connections reading the public pages, the JSON
programme and the feeds of the demo events; G connections registering new delegates through the
JSON API (each from its own address through the trusted local proxy); S connections scanning
random tickets at the door with fresh nonces. A warm-up of the same mix comes first.

Prints, per kind, requests per second, p50/p99 and errors; the server's memory (resident size of
the master and its workers, from /proc) after the warm-up and after the run, and the change; then
checks the database: every acknowledged registration stored, no delegate admitted twice.

    .venv/bin/python tests/bench_mixed.py [--seconds 60] [--warmup 10] [--readers 20] [--registrants 10]
        [--scanners 16] [--delegates 300] [--workers 2] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2 as httpx
import sqlalchemy as sa
from bench_support import WRK_THREADS, emit, events_app, free_port, process_tree, scratch_postgres, wrk_figures

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
SLUG = "syktyvkar-2021"

# Every script counts its answers by HTTP status in each wrk thread and prints the totals at the end.
STATUS_COUNTS = '''
statuses = {}
''' + WRK_THREADS + '''function init(args)
  math.randomseed(os.time() + id * 7919)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %%d %%d\\n", status, count))
  end
end
'''

READS = STATUS_COUNTS + '''
local paths = {%(paths)s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
'''

REGISTRATIONS = STATUS_COUNTS + '''
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"surname":"Петрова","given_name":"Мария","email":"mixed-%(phase)s-' .. id .. '-' .. counter
    .. '@example.ru","phone":"+7 912 000-00-00","organisation_name":"ООО «Участник»","position":"инженер",'
    .. '"region_code":"11","category":"enterprise","days":["%(day)s"],"consent":true}'
  -- Each delegate from an address of its own, as from their own networks (the per-address limit is 30).
  local address = "%(octet)d." .. id .. "." .. (math.floor(counter / 250) %% 250) .. "." .. (counter %% 250 + 1)
  local headers = {["Content-Type"]="application/json", ["X-Forwarded-For"]=address}
  return wrk.format("POST", "/api/v1/events/%(slug)s/registrations", headers, body)
end
'''

SCANS = STATUS_COUNTS + '''
local secrets = {%(secrets)s}
local tokens = {%(tokens)s}
local counter = 0
request = function()
  counter = counter + 1
  local nonce = "mixed-%(phase)s-" .. id .. "-" .. counter .. "-" .. math.random(1000000000)
  local body = '{"secret":"' .. secrets[math.random(#secrets)] .. '","list":"%(list)s","type":"entry","nonce":"'
    .. nonce .. '","scanned_at":"%(now)s"}'
  local headers = {["Content-Type"]="application/json", ["Authorization"]="Bearer " .. tokens[id %% #tokens + 1]}
  return wrk.format("POST", "/api/v1/checkin/redeem", headers, body)
end
'''


@dataclass(frozen=True)
class Kind:
    name: str
    unit: str
    connections: int
    threads: int
    script: str  # the Lua script's template


@dataclass(frozen=True)
class Door:
    secrets: list[str]
    tokens: list[str]
    list_name: str
    day: str


async def _prepare(database_url: str, env: dict[str, str], delegates: int, day: str) -> Door:
    """Delegates with tickets for today and two door devices on today's entry list."""
    from events_app.data.database import Store
    from events_app.services.checkin import devices
    from events_app.services.mail import outbox
    from events_app.services.registration import letters, signup
    from events_app.settings import load_settings

    settings = load_settings(env)
    secrets = []
    async with Store(database_url) as store:
        for n in range(delegates):
            result = await signup.register(store, settings, slug=SLUG, data={
                "surname": "Участник", "given_name": "Тест", "email": f"door{n}@example.ru", "phone": "+79120000000",
                "organisation_name": f"ООО «{n}»", "position": "инженер", "region_code": "11", "category": "enterprise",
                "days": [day], "consent": "on"}, consent_ip=None, language="ru", now=datetime.now(UTC))
            assert result.ticket_secret, result
            secrets.append(result.ticket_secret)
        # Their confirmations go out now, not in the background of the measurement.
        while (await outbox.deliver_due(store, outbox.transport_for(settings), batch=200,
                                        render=letters.writer(store, settings))).sent:
            pass
        tokens = []
        for name in ("Вход 1", "Вход 2"):
            device = await devices.create_device(store, settings.secret_key, slug=SLUG, list_name=f"entry-{day}",
                                                 name=name, now=datetime.now(UTC))
            tokens.append(device.token)
    return Door(secrets, tokens, f"entry-{day}", day)


def _reading_paths(base: str) -> list[str]:
    """The public addresses a delegate's phone or calendar app asks for, across the demo events."""
    slugs = [event["slug"] for event in httpx.get(f"{base}/api/v1/events").json()["events"]]
    paths = ["/", "/api/v1/events"]
    for slug in slugs:
        paths += [f"/events/{slug}", f"/events/{slug}/agenda", f"/api/v1/events/{slug}/sessions",
                  f"/events/{slug}/calendar.ics"]
    sessions = httpx.get(f"{base}/api/v1/events/{SLUG}/sessions").json()["sessions"]
    paths += [f"/events/{SLUG}/sessions/{session['id']}" for session in sessions[:6]]
    paths += [f"/events/{SLUG}/venues/{key}" for key in sorted({s["venue"]["key"] for s in sessions if s.get("venue")})]
    paths += [f"/events/{SLUG}/register", f"/events/{SLUG}/schedule.xml"]
    return paths


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped with exit status {server.returncode}")
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server was not ready within two minutes")



def _resident_mb(root: int) -> dict[str, float]:
    """Resident memory (VmRSS) in MB of each process of the server, by role: the master, its workers
    and multiprocessing's resource tracker."""
    sizes = {}
    for pid in process_tree(root):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        role = "master" if pid == root else "tracker" if b"resource_tracker" in command else "worker"
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes[f"{role} {pid}"] = int(line.split()[1]) / 1024
    return sizes


def _mix(base: str, kinds: list[Kind], values: dict[str, object], seconds: int, folder: Path
         ) -> dict[str, dict[str, float]]:
    """Run one wrk per kind at the same time for `seconds`; the figures of each and its answers by status."""
    running = []
    for kind in kinds:
        script = folder / f"{kind.name}-{values['phase']}.lua"
        script.write_text(kind.script % values)
        command = ["wrk", "-t", str(kind.threads), "-c", str(kind.connections), "-d", f"{seconds}s",
                   "--timeout", "30s", "--latency", "-s", str(script), base]
        running.append((kind, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    figures = {}
    for kind, process in running:
        output, errors = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"wrk for {kind.name} failed: {errors.strip()}")
        figures[kind.name] = wrk_figures(output)
        for line in output.splitlines():
            if line.startswith("status "):
                _, status, count = line.split()
                figures[kind.name][f"status {status}"] = float(count)
    return figures


async def _stored(database_url: str, door: Door) -> tuple[int, int, int]:
    """Registrations of the event, delegates admitted on today's list, and those admitted more than once."""
    from events_app.data import tables as t
    from events_app.data.database import Store

    async with Store(database_url) as store:
        event_id = await store.fetch_val(sa.select(t.events.c.id).where(t.events.c.slug == SLUG))
        registrations = await store.fetch_val(sa.select(sa.func.count()).select_from(t.registrations)
                                              .where(t.registrations.c.event_id == event_id))
        per_delegate = (sa.select(t.checkins.c.registration_id, sa.func.count().label("times"))
                        .where(t.checkins.c.list_name == door.list_name, t.checkins.c.type == "entry")
                        .group_by(t.checkins.c.registration_id).subquery())
        admitted = await store.fetch_val(sa.select(sa.func.count()).select_from(per_delegate))
        twice = await store.fetch_val(sa.select(sa.func.count()).select_from(per_delegate)
                                      .where(per_delegate.c.times > 1))
    return int(registrations), int(admitted), int(twice)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the measured run")
    parser.add_argument("--warmup", type=int, default=10, help="length of the warm-up before it")
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--registrants", type=int, default=10)
    parser.add_argument("--scanners", type=int, default=16)
    parser.add_argument("--delegates", type=int, default=300, help="delegates with tickets for the scanners")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default=os.environ.get("EVENTS_TEST_POSTGRES_URL"),
                        help="a PostgreSQL server URL (default EVENTS_TEST_POSTGRES_URL); the database bench_mixed "
                             "is made there")
    args = parser.parse_args()
    if not args.postgres:
        sys.exit("mixed load runs on PostgreSQL: give --postgres URL or set EVENTS_TEST_POSTGRES_URL")
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with scratch_postgres(args.postgres, "bench_mixed") as database_url, tempfile.TemporaryDirectory() as folder:
        _run(args, database_url, Path(folder))


def _run(args: argparse.Namespace, database_url: str, folder: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "EVENTS_DATA_DIR": str(folder), "EVENTS_BASE_URL": base, "EVENTS_DATABASE_URL": database_url,
           "EVENTS_SECRET_KEY": "benchmark-secret-key-0123456789abcdef"}
    env.pop("EVENTS_SMTP_URL", None)  # letters are written as files under the data folder
    day = datetime.now(ZoneInfo("Europe/Moscow")).date().isoformat()  # the event's own today
    print("loading the demo and moving the Syktyvkar event to today ...", flush=True)
    events_app(env, "migrate")
    events_app(env, "demo")
    events_app(env, "import", str(ROOT / "schedules" / f"{SLUG}.toml"), "--shift-to", day)
    print(f"preparing {args.delegates} delegates with tickets and two door devices ...", flush=True)
    door = asyncio.run(_prepare(database_url, env, args.delegates, day))

    # A kind given no clients is left out, to see what the others do without it.
    kinds = [kind for kind in (Kind("public reads", "req/s", args.readers, min(2, args.readers), READS),
                               Kind("registrations", "registrations/s", args.registrants, 1, REGISTRATIONS),
                               Kind("door scans", "req/s", args.scanners, min(2, args.scanners), SCANS))
             if kind.connections > 0]
    server = subprocess.Popen([str(BIN / "events-app"), "serve", "--port", str(port), "--workers", str(args.workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(base, server)
        values: dict[str, object] = {
            "paths": ",".join(json.dumps(path) for path in _reading_paths(base)), "slug": SLUG, "day": day,
            "secrets": ",".join(json.dumps(secret) for secret in door.secrets),
            "tokens": ",".join(json.dumps(token) for token in door.tokens), "list": door.list_name,
            "now": datetime.now(UTC).isoformat()}
        print(f"warming up for {args.warmup} s ...", flush=True)
        warmup = _mix(base, kinds, {**values, "phase": "warmup", "octet": 10}, args.warmup, folder)
        memory_before = _resident_mb(server.pid)
        figures = _mix(base, kinds, {**values, "phase": "run", "octet": 11}, args.seconds, folder)
        memory_after = _resident_mb(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    registrations, admitted, twice = asyncio.run(_stored(database_url, door))
    acknowledged = sum(int(run.get("registrations", {}).get("status 201", 0)) for run in (warmup, figures))
    _report(args, kinds, figures, memory_before, memory_after,
            stored=registrations - args.delegates, acknowledged=acknowledged, admitted=admitted, twice=twice)


def _report(args: argparse.Namespace, kinds: list[Kind], figures: dict[str, dict[str, float]],
            memory_before: dict[str, float], memory_after: dict[str, float], *,
            stored: int, acknowledged: int, admitted: int, twice: int) -> None:
    setting = f"PostgreSQL, serve --workers {args.workers}"
    print(f"{args.seconds} s after a {args.warmup} s warm-up, {os.cpu_count()} CPUs, {setting}, "
          f"{args.delegates} delegates with tickets")
    print(f"{'kind':<14} {'clients':>7} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  answers")
    for kind in kinds:
        result = figures[kind.name]
        answers = ", ".join(f"{key.removeprefix('status ')} × {int(value)}"
                            for key, value in sorted(result.items()) if key.startswith("status "))
        print(f"{kind.name:<14} {kind.connections:>7} {result['rps']:>8.1f} {result['p50']:>8.1f} "
              f"{result['p99']:>8.1f} {int(result['errors']):>7}  {answers}")
    before, after = sum(memory_before.values()), sum(memory_after.values())
    change = 100 * (after - before) / before
    processes = len(memory_after)
    print(f"server memory, {processes} processes: {before:.0f} MB after the warm-up, "
          f"{after:.0f} MB after the run ({change:+.1f} %; goal within 10 %)")
    print("  " + ", ".join(f"{process} {memory_before.get(process, 0):.0f} → {size:.0f} MB"
                           for process, size in sorted(memory_after.items())))
    # A request still open when a phase's wrk stops may be stored without its answer being counted.
    open_at_stop = 2 * args.registrants
    verdict = "as expected" if 0 <= stored - acknowledged <= open_at_stop else "MISMATCH"
    print(f"registrations: {acknowledged} acknowledged (201), {stored} stored: {verdict} "
          f"(up to {open_at_stop} still open when the warm-up and the run stopped may be stored unacknowledged)")
    print(f"door: {admitted} of {args.delegates} delegates admitted, {twice} admitted more than once")

    for kind in kinds:
        result = figures[kind.name]
        note = {"public reads": "pages, JSON programme and feeds of the demo events",
                "registrations": f"{acknowledged} acknowledged, {stored} stored (warm-up included): {verdict}",
                "door scans": f"{admitted} of {args.delegates} admitted, {twice} twice"}[kind.name]
        emit(f"mixed: {kind.name}, {kind.connections} clients, {setting}", kind.unit, result["rps"],
             p50_ms=result["p50"], p99_ms=result["p99"], errors=int(result["errors"]), note=note)
    emit(f"mixed: server memory, {processes} processes, {setting}", "% RSS", change,
         note=f"{before:.0f} MB after the warm-up, {after:.0f} MB after {args.seconds} s (goal within 10 %)")


if __name__ == "__main__":
    main()
