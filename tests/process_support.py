"""Running the real service as separate processes, for fault and scale-out tests."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx

from tests.conftest import ROOT
from tests.factories import cli
from tests.smtp_server import free_port

BIN = Path(sys.executable).parent
SECRET = "process-test-secret-key-0123456789abcdef"


def service_env(data_dir: Path, *, database_url: str | None = None, smtp_url: str | None = None,
                base_url: str = "http://127.0.0.1:8000") -> dict[str, str]:
    env = {**os.environ, "EVENTS_DATA_DIR": str(data_dir), "EVENTS_BASE_URL": base_url, "EVENTS_SECRET_KEY": SECRET}
    env.pop("EVENTS_DATABASE_URL", None)
    env.pop("EVENTS_SMTP_URL", None)
    if database_url:
        env["EVENTS_DATABASE_URL"] = database_url
    if smtp_url:
        env["EVENTS_SMTP_URL"] = smtp_url
    return env


def prepare(env: dict[str, str], start_on: str) -> None:
    """Migrate and load the Syktyvkar agenda moved to `start_on`."""
    cli(env, "migrate")
    cli(env, "import", str(ROOT / "schedules" / "syktyvkar-2021.toml"), "--shift-to", start_on)


@dataclass
class Server:
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    start_command: list[str] | None = None
    cwd: Path | None = None  # where the process runs; a relative EVENTS_DATA_DIR (default `var`) is under it

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        log = (self.cwd or Path.cwd()) / self.env.get("EVENTS_DATA_DIR", "var") / f"server-{self.port}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as output:
            command = self.start_command or [str(BIN / "events-app"), "serve", "--port", str(self.port)]
            self.process = subprocess.Popen(command, env=self.env, cwd=self.cwd, stdout=output, stderr=output)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
            if self.process.poll() is not None:
                break
        raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def running(*servers: Server) -> Iterator[tuple[Server, ...]]:
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def delegate_body(n: int, day: str, sessions: list[int] | None = None) -> dict[str, object]:
    return {"surname": "Петрова", "given_name": "Мария", "email": f"delegate{n}@example.ru", "phone": "+79120000000",
            "organisation_name": f"ООО «Участник {n}»", "position": "инженер", "region_code": "11",
            "category": "enterprise", "days": [day], "sessions": sessions or [], "consent": True}


def forwarded_for(n: int) -> dict[str, str]:
    """Each client from its own address (through the trusted local proxy): the per-address limit is per delegate."""
    return {"X-Forwarded-For": f"198.51.{n // 250}.{n % 250 + 1}"}


class TCPProxy:
    """Forwards a local port to another address; `cut()` drops the listener and every open
    connection (a network failure), `restore()` listens again on the same port."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        self._writers |= {client_writer, upstream_writer}
        await asyncio.gather(self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer))

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in self._writers:
            transport = writer.transport
            transport.abort()
        self._writers.clear()

    def restore(self) -> None:
        self._call(self._listen())

    def cut(self) -> None:
        self._call(self._cut())

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
