"""Benchmark: a registration rush against a running server, with its letters.

For each path (the JSON API, then the HTML form) starts `events-app serve` on a fresh database
(SQLite by default; PostgreSQL with --postgres URL, where --workers N runs `serve --workers N`)
with a real SMTP server (aiosmtpd, `tests/smtp_server.py`), loads the Syktyvkar demo shifted to
next month, and sends N registrations from C concurrent clients, each choosing a 40-place site
visit. Clients come through the trusted local proxy with their own X-Forwarded-For address, as
delegates would from their own networks, so the per-address rate limit does not apply to the
rush as a whole. After the burst it waits (at most 30 s) for every confirmation letter, then
checks the database: exactly 40 confirmed on the visit, one letter received per registration.
First, the same clients post to a one-route bare Starlette JSON endpoint under the same uvicorn:
the ceiling of this harness on this machine, and the base of each path's ratio.

    .venv/bin/python tests/bench_registration.py [--registrations 500] [--clients 50]
        [--postgres URL] [--workers N] [--paths json,form,bare,letters] [--letters 300] [--profile FILE]

Prints one line per path: registrations/s, p50, p99, errors, the 40-confirmed check, letters
delivered/expected and seconds from the end of the burst to the last letter.

The `letters` path measures the outbox's sender alone, in this process: it registers --letters
delegates on a fresh database (each with a ticket and a site visit or a place in its line), then
runs delivery rounds of 20, as the server's sender does, to a local aiosmtpd until every letter is
sent, and prints the CPU time per letter (this process's, less the SMTP server thread's), letters
per second and how many SMTP connections they came over.

The burst is sent by wrk (`--driver wrk`, the default: C clients that leave the CPUs to the
server; each thread stops once its share is answered, so a few more than N may be registered)
or by Python clients (`--driver python`, httpx, which on two CPUs cost about as much as the
server). With wrk the rate is taken from the server's side, registrations made from the first to
the last (`created_at`), because wrk reports its rate over its whole time window.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
from bench_support import WRK_THREADS, emit, events_app, free_port, scratch_postgres, wrk_figures

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
SLUG = "syktyvkar-2021"
LETTERS_WITHIN = 30.0

BARE_APP = '''
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def register(request):
    body = await request.json()
    return JSONResponse({"id": 1, "status": "confirmed", "email": body.get("email")}, status_code=201)

app = Starlette(routes=[Route("/api/v1/events/{slug}/registrations", register, methods=["POST"])])
'''


async def _wait_ready(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(400):
            try:
                await client.get(url)
                return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"the server at {url} did not start")


@dataclass
class Burst:
    rate: float
    p50: float
    p99: float
    errors: int
    outcomes: Counter[str]
    ended: float  # time.time() at the end of the burst


Send = Callable[[httpx.AsyncClient, int, dict[str, str]], Awaitable[str]]


async def burst(registrations: int, clients: int, send: Send) -> Burst:
    queue = iter(range(registrations))
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def delegate_client(number: int) -> None:
            headers = {"X-Forwarded-For": f"198.51.{number // 250}.{number % 250 + 1}"}
            for n in queue:
                started = time.perf_counter()
                try:
                    outcome = await send(client, n, headers)
                except httpx.HTTPError as error:
                    outcome = type(error).__name__
                latencies.append(time.perf_counter() - started)
                outcomes[outcome] += 1

        started = time.perf_counter()
        await asyncio.gather(*(delegate_client(number) for number in range(clients)))
        elapsed = time.perf_counter() - started
    ended = time.time()
    created = sum(count for outcome, count in outcomes.items() if outcome.startswith("ok"))
    q = statistics.quantiles(latencies, n=100)
    return Burst(created / elapsed, q[49] * 1000, q[98] * 1000, registrations - created, outcomes, ended)


# wrk drives the same burst from C code, so the client takes little of the machine's CPU: each
# thread sends its share, every request a new delegate (NNN in the body becomes its number) from
# one of 50 addresses, and stops once its share is answered (requests already in flight still
# count, so a few more than asked may be registered; the checks use what was stored).
WRK_SECONDS = 10
WRK_SCRIPT = """
local template = [==[%(body)s]==]
local quota = %(quota)d
""" + WRK_THREADS + """function init(args)
  counter = 0
  answered = 0
end
request = function()
  counter = counter + 1
  local n = id * 1000000 + counter
  local headers = {["Content-Type"] = "%(content_type)s", ["X-Forwarded-For"] = "198.51.100." .. (n %% 50 + 1)}
  return wrk.format("POST", "%(path)s", headers, (string.gsub(template, "NNN", tostring(n))))
end
response = function(status, headers, body)
  answered = answered + 1
  if answered >= quota then wrk.thread:stop() end
end
"""


def wrk_burst(base: str, path: str, body: str, content_type: str, registrations: int, clients: int,
              folder: str, *, seconds: int = WRK_SECONDS) -> Burst:
    """Send the burst with wrk. wrk reports its rate over the whole `seconds` even when its threads
    stop early, so callers that stop at a count take the rate from what the server stored."""
    threads = 2
    script = Path(folder) / "rush.lua"
    script.write_text(WRK_SCRIPT % {"body": body, "quota": registrations // threads, "path": path,
                                    "content_type": content_type})
    output = subprocess.run(["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--latency", "-s",
                             str(script), base], capture_output=True, text=True, check=True).stdout
    figures = wrk_figures(output)
    return Burst(figures["rps"], figures["p50"], figures["p99"], int(figures["errors"]),
                 Counter({"answered": int(figures["requests"])}), time.time())


def wrk_body(path: str, day: str, visit: int) -> tuple[str, str, str]:
    """The request path, body template and content type of one registration through `path`."""
    import json
    from urllib.parse import urlencode

    person = {**_person(0, day, visit), "email": "delegateNNN@example.ru", "organisation_name": "ООО «Участник NNN»"}
    if path == "json":
        return (f"/api/v1/events/{SLUG}/registrations", json.dumps({**person, "consent": True}, ensure_ascii=False),
                "application/json")
    fields = {**person, "patronymic": "", "organisation_inn": "", "consent": "on"}
    return f"/events/{SLUG}/register", urlencode(fields, doseq=True), "application/x-www-form-urlencoded"


def _person(n: int, day: str, visit: int) -> dict[str, object]:
    return {"surname": "Петрова", "given_name": "Мария", "email": f"delegate{n}@example.ru",
            "phone": "+7 912 000-00-00", "organisation_name": f"ООО «Участник {n}»", "position": "инженер",
            "region_code": "11", "category": "enterprise", "days": [day], "sessions": [visit]}


def json_sender(base: str, day: str, visit: int) -> Send:
    async def send(client: httpx.AsyncClient, n: int, headers: dict[str, str]) -> str:
        response = await client.post(f"{base}/api/v1/events/{SLUG}/registrations",
                                     json={**_person(n, day, visit), "consent": True}, headers=headers)
        if response.status_code == 201:
            return "ok " + str(response.json().get("status"))
        return str(response.status_code)
    return send


def form_sender(base: str, day: str, visit: int) -> Send:
    async def send(client: httpx.AsyncClient, n: int, headers: dict[str, str]) -> str:
        fields = {**_person(n, day, visit), "patronymic": "", "organisation_inn": "", "consent": "on"}
        response = await client.post(f"{base}/events/{SLUG}/register", data=fields, headers=headers)
        # The form answers a registration with the way to the delegate's cabinet.
        if response.status_code == 303 and "/cabinet/" in response.headers.get("location", ""):
            return "ok"
        return str(response.status_code)
    return send


@dataclass
class Stored:
    registrations: int
    confirmed_on_visit: int
    waiting_on_visit: int
    first: float  # the moments the first and the last registration were made (epoch seconds)
    last: float


def _stored(database_url: str, visit: int) -> Stored:
    import sqlalchemy as sa

    from events_app.data import tables as t
    from events_app.data.database import Store

    async def read() -> Stored:
        async with Store(database_url) as store:
            choices = await store.fetch_pairs(
                sa.select(t.registration_choices.c.status, sa.func.count())
                .where(t.registration_choices.c.session_id == visit).group_by(t.registration_choices.c.status))
            total = await store.fetch_val(sa.select(sa.func.count()).select_from(t.registrations))
            span = await store.fetch_one(sa.select(sa.func.min(t.registrations.c.created_at).label("first"),
                                                   sa.func.max(t.registrations.c.created_at).label("last")))
        assert span is not None
        first, last = (moment.timestamp() if moment is not None else 0.0 for moment in (span["first"], span["last"]))
        return Stored(int(total), int(choices.get("confirmed", 0)), int(choices.get("waitlisted", 0)), first, last)

    return asyncio.run(read())


def measure_path(path: str, args: argparse.Namespace, database_url: str | None, bare: float | None) -> None:
    from tests.smtp_server import start_smtp

    with tempfile.TemporaryDirectory() as folder:
        port, smtp_port = free_port(), free_port()
        inbox = TimedInbox()
        smtp = start_smtp(inbox, smtp_port)
        env = {**os.environ, "EVENTS_DATA_DIR": folder, "EVENTS_BASE_URL": f"http://127.0.0.1:{port}",
               "EVENTS_SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
               "EVENTS_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
               "EVENTS_DATABASE_URL": database_url or f"sqlite:///{folder}/events.db"}
        events_app(env, "migrate")
        start = date.today() + timedelta(days=30)
        events_app(env, "import", str(ROOT / "schedules" / f"{SLUG}.toml"), "--shift-to", start.isoformat())
        serve = [str(BIN / "events-app"), "serve", "--port", str(port)]
        if args.workers > 1:
            serve += ["--workers", str(args.workers)]
        if args.profile:
            serve = [sys.executable, "-m", "cProfile", "-o", str(Path(f"{args.profile}.{path}").resolve()), *serve]
        server = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(_wait_ready(f"{base}/readyz"))
            sessions = httpx.get(f"{base}/api/v1/events/{SLUG}/sessions", params={"kind": "site_visit"}).json()
            visit = sessions["sessions"][0]
            day, visit_id = visit["starts_at"][:10], int(visit["id"])
            if args.driver == "wrk":
                address, body, content_type = wrk_body(path, day, visit_id)
                result = wrk_burst(base, address, body, content_type, args.registrations, args.clients, folder)
                made = _stored(env["EVENTS_DATABASE_URL"], visit_id)
                # The burst as the server saw it: from the first registration made to the last.
                result.rate = (made.registrations - 1) / max(made.last - made.first, 1e-3)
                result.ended = made.last
            else:
                sender = (json_sender if path == "json" else form_sender)(base, day, visit_id)
                result = asyncio.run(burst(args.registrations, args.clients, sender))
            expected = _stored(env["EVENTS_DATABASE_URL"], visit_id).registrations
            deadline = result.ended + LETTERS_WITHIN
            while len(inbox.received) < expected and time.time() < deadline:
                time.sleep(0.05)
            last_letter = max(inbox.arrived, default=deadline) - result.ended
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
            smtp.stop()
        stored = _stored(env["EVENTS_DATABASE_URL"], visit_id)

    received = Counter(item.rcpt_tos[0] for item in inbox.received)
    message_ids = Counter(str(item.message["Message-ID"]) for item in inbox.received)
    twice = sum(1 for count in received.values() if count > 1) + sum(1 for c in message_ids.values() if c > 1)
    label = "JSON API" if path == "json" else "HTML form"
    backend = "PostgreSQL" if database_url else "SQLite"
    confirmed_ok = stored.confirmed_on_visit == 40 and stored.waiting_on_visit == stored.registrations - 40
    print(f"{label}, {backend}, {args.workers} process(es), {args.driver}: {expected} registrations from "
          f"{args.clients} clients: {result.rate:.0f} registrations/s, p50 {result.p50:.0f} ms, "
          f"p99 {result.p99:.0f} ms, "
          f"errors {result.errors}, confirmed=40 {'ok' if confirmed_ok else 'WRONG'} "
          f"({stored.confirmed_on_visit} confirmed, {stored.waiting_on_visit} waiting, {stored.registrations} stored), "
          f"letters {len(received)}/{expected} ({'each once' if not twice else f'{twice} twice'}), "
          f"{last_letter:.1f} s to the last letter", flush=True)
    if result.errors and args.driver == "python":
        print("  answers: " + ", ".join(f"{outcome} × {count}" for outcome, count in sorted(result.outcomes.items())))
    emit(f"registration rush, {label}, {args.clients} clients ({args.driver}), {backend}, {args.workers} process"
         f"{'es' if args.workers > 1 else ''}", "registrations/s", result.rate, bare=bare,
         p50_ms=result.p50, p99_ms=result.p99, errors=result.errors, http=True,
         note=f"confirmed {stored.confirmed_on_visit}/40; letters {len(received)}/{expected}"
              f"{'' if not twice else f' ({twice} twice)'} in {last_letter:.1f} s")


class TimedInbox:
    """An `Inbox` that also notes when each letter arrived (epoch seconds)."""

    def __init__(self) -> None:
        from tests.smtp_server import Inbox

        self._inbox = Inbox()
        self.received = self._inbox.received
        self.arrived: list[float] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        answer = await self._inbox.handle_DATA(server, session, envelope)
        self.arrived.append(time.time())
        return answer

    def authenticate(self, *args: object) -> object:
        return self._inbox.authenticate(*args)  # type: ignore[arg-type]


def measure_bare(args: argparse.Namespace) -> float:
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        (Path(folder) / "bare_app.py").write_text(BARE_APP)
        bare = subprocess.Popen([str(BIN / "uvicorn"), "bare_app:app", "--port", str(port), "--log-level", "warning"],
                                cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(_wait_ready(f"{base}/"))
            if args.driver == "wrk":
                address, body, content_type = wrk_body("json", "2026-01-01", 1)
                # No count to stop at: wrk's own rate over a short fixed window.
                result = wrk_burst(base, address, body, content_type, 10**9, args.clients, folder, seconds=3)
            else:
                result = asyncio.run(burst(args.registrations, args.clients, json_sender(base, "2026-01-01", 1)))
        finally:
            bare.send_signal(signal.SIGINT)
            bare.wait(timeout=30)
    print(f"bare Starlette JSON, same clients: {result.rate:.0f} requests/s, p50 {result.p50:.0f} ms, "
          f"p99 {result.p99:.0f} ms, errors {result.errors}", flush=True)
    emit(f"registration harness ({args.driver}), bare Starlette JSON, {args.clients} clients", "requests/s",
         result.rate, p50_ms=result.p50, p99_ms=result.p99, errors=result.errors)
    return result.rate


def measure_letters(args: argparse.Namespace, database_url: str | None) -> None:
    """The sender's CPU per described letter: N confirmation letters written and sent in rounds."""
    from tests.smtp_server import Inbox, start_smtp

    with tempfile.TemporaryDirectory() as folder:
        smtp_port = free_port()
        inbox = Inbox()
        smtp = start_smtp(inbox, smtp_port)
        env = {**os.environ, "EVENTS_DATA_DIR": folder, "EVENTS_BASE_URL": "http://127.0.0.1:8000",
               "EVENTS_SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
               "EVENTS_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
               "EVENTS_DATABASE_URL": database_url or f"sqlite:///{folder}/events.db"}
        try:
            events_app(env, "migrate")
            cpu, seconds, rounds = asyncio.run(_send_letters(env, args.letters, smtp))
        finally:
            smtp.stop()
    backend = "PostgreSQL" if database_url else "SQLite"
    per_letter = 1000 * cpu / max(len(inbox.received), 1)
    print(f"outbox sender, {backend}: {len(inbox.received)}/{args.letters} described letters in {rounds} rounds: "
          f"{per_letter:.1f} ms CPU per letter, {len(inbox.received) / seconds:.0f} letters/s, "
          f"{inbox.connections} SMTP connection(s)", flush=True)
    emit(f"outbox sender, described confirmation letters, {backend}", "ms CPU per letter", per_letter,
         note=f"{len(inbox.received)}/{args.letters} letters, {rounds} rounds, {inbox.connections} SMTP connections")


async def _send_letters(env: dict[str, str], count: int, smtp: object) -> tuple[float, float, int]:
    """Register `count` delegates, then send their letters; the sender's CPU seconds (the SMTP
    server's thread left out), wall-clock seconds and the number of rounds."""
    import threading

    from events_app.data.database import Store
    from events_app.domain.agenda import SessionKind
    from events_app.services.mail import outbox
    from events_app.services.programme import catalogue
    from events_app.services.programme.importer import import_agendas, read_agenda_files
    from events_app.services.registration import letters, signup
    from events_app.settings import load_settings

    settings = load_settings(env)
    start = date.today() + timedelta(days=30)
    agenda = read_agenda_files([ROOT / "schedules" / f"{SLUG}.toml"], shift_to=start)[0]
    thread = getattr(smtp, "_thread", None)
    assert isinstance(thread, threading.Thread) and thread.ident is not None
    server_clock = time.pthread_getcpuclockid(thread.ident)
    async with Store(env["EVENTS_DATABASE_URL"]) as store:
        await import_agendas(store, [agenda])
        event = await catalogue.get_event(store, SLUG)
        visit = (await catalogue.list_sessions(store, event, kind=SessionKind.SITE_VISIT))[0]
        day = visit.starts_at.date().isoformat()

        async def register(n: int) -> None:
            await signup.register(store, settings, slug=SLUG, data={**_person(n, day, visit.id), "consent": "on"},
                                  consent_ip=None, language="ru", now=datetime.now(UTC))

        for first in range(0, count, 50):
            await asyncio.gather(*(register(n) for n in range(first, min(first + 50, count))))
        transport = outbox.transport_for(settings)
        writer = letters.writer(store, settings)
        rounds = 0
        cpu_before, server_before, started = time.process_time(), time.clock_gettime(server_clock), time.perf_counter()
        while (await outbox.deliver_due(store, transport, batch=20, render=writer)).more:
            rounds += 1
        rounds += 1
        seconds = time.perf_counter() - started
        cpu = (time.process_time() - cpu_before) - (time.clock_gettime(server_clock) - server_before)
    return cpu, seconds, rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--postgres", help="a PostgreSQL server URL; each path gets a scratch database on it")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")
    parser.add_argument("--paths", default="json,form,bare,letters",
                        help="which of json, form, bare, letters (the outbox's sender alone) to measure")
    parser.add_argument("--letters", type=int, default=300, help="letters the `letters` path sends")
    parser.add_argument("--driver", choices=("wrk", "python"), default="wrk",
                        help="send the burst with wrk (C, little client CPU) or with Python clients (httpx)")
    parser.add_argument("--profile", help="write a cProfile of each path's server to FILE.<path> (pstats format)")
    args = parser.parse_args()
    if args.workers > 1 and not args.postgres:
        parser.error("--workers needs --postgres")
    print(f"{os.cpu_count()} CPUs; {args.registrations} registrations from {args.clients} clients per path", flush=True)
    paths = args.paths.split(",")
    # The bare endpoint first, so each path's line carries its ratio to it.
    bare = measure_bare(args) if "bare" in paths else None
    for path in paths:
        if path == "bare":
            continue
        if path == "letters":
            if args.postgres:
                with scratch_postgres(args.postgres, "bench_rush_letters") as url:
                    measure_letters(args, url)
            else:
                measure_letters(args, None)
            continue
        if args.postgres:
            with scratch_postgres(args.postgres, f"bench_rush_{path}") as url:
                measure_path(path, args, url, bare)
        else:
            measure_path(path, args, None, bare)


if __name__ == "__main__":
    main()
