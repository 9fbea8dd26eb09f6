"""The result line every benchmark prints for `make bench`, and its reading by the runner.

A benchmark prints its figures for people as it likes and, for each path it measured, one line
`BENCH {json}` with the keys of `Result`. `tests/run_benchmarks.py` gathers those lines from every
script into one table and shows the other lines under it.

    from bench_support import emit
    emit("door scan, SQLite, 1 process", "req/s", 1234.5, bare=2900.0, p50_ms=20.1, p99_ms=45.0, errors=0)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

PREFIX = "BENCH "
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Result:
    path: str  # what was measured, with the conditions that matter: "door scan, PostgreSQL, 2 workers"
    unit: str  # of `value`: "req/s", "registrations/s", "ms", "s"
    value: float
    bare: float | None = None  # bare Starlette under the same uvicorn, same run, in the same unit
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int | None = None
    note: str = ""
    # `value` counts HTTP requests the service answered per second, so bare Starlette is its ceiling:
    # the runner puts its own bare figure beside it when the script measured none.
    http: bool = False

    @property
    def ratio(self) -> float | None:
        return self.value / self.bare if self.bare else None

    def line(self) -> str:
        data = {**asdict(self), "ratio": self.ratio}
        return PREFIX + json.dumps({key: round(value, 4) if isinstance(value, float) else value
                                    for key, value in data.items()}, ensure_ascii=False)

    @classmethod
    def from_line(cls, line: str) -> Result | None:
        """The result a `BENCH {...}` line carries; None for any other line."""
        if not line.startswith(PREFIX):
            return None
        data: dict[str, Any] = json.loads(line[len(PREFIX):])
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


# wrk's Lua, shared by the scripts: each thread gets its number (`id`, from 0) in setup() and is kept
# in `threads`, so init() can seed by it and done() can add up what every thread counted.
WRK_THREADS = '''local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
'''

def emit(path: str, unit: str, value: float, *, bare: float | None = None, p50_ms: float | None = None,
         p99_ms: float | None = None, errors: int | None = None, note: str = "", http: bool = False) -> None:
    """Print one result line (flushed, so a script that fails later still leaves what it measured)."""
    if not math.isfinite(value):
        raise ValueError(f"{path}: {value} is not a figure")
    print(Result(path, unit, value, bare, p50_ms, p99_ms, errors, note, http).line(), flush=True)


def wrk_figures(output: str) -> dict[str, float]:
    """Requests per second, p50/p99 in ms and errors (non-2xx/3xx answers and socket errors) from `wrk --latency`."""

    def ms(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if match is None:
            raise ValueError(f"no {percent}% latency in the output of wrk:\n{output}")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    answered = re.search(r"(\d+) requests in", output)
    if rate is None or answered is None:
        raise ValueError(f"no request rate in the output of wrk:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"rps": float(rate.group(1)), "requests": float(answered.group(1)), "p50": ms("50"), "p99": ms("99"),
            "errors": errors}


@contextlib.contextmanager
def scratch_postgres(server_url: str, name: str) -> Iterator[str]:
    """A new empty database `name` on the server of `server_url` (one left by an earlier run is
    replaced), dropped afterwards; yields its URL. The user needs CREATE DATABASE."""
    import asyncpg

    admin = server_url.replace("postgresql://", "postgres://", 1)

    async def run(*statements: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def process_tree(root: int) -> list[int]:
    """The process and its descendants, from /proc (uvicorn's workers are children of the server)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def events_app(env: dict[str, str], *args: str) -> None:
    """Run the service's CLI (of this interpreter's environment) and wait for it; its output is dropped."""
    subprocess.run([str(BIN / "events-app"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def cpu_seconds(root: int) -> float:
    """User + system CPU time so far of a process and its descendants, from /proc (Linux)."""
    ticks = 0
    for pid in process_tree(root):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(stat[11]) + int(stat[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, *, connections: int, seconds: int, script: Path | None = None,
            server: int | None = None) -> dict[str, float]:
    """Drive `url` with wrk (two threads at most) and return its `wrk_figures`; given the `server`'s
    pid, also "cpu_ms": the CPU time its process tree spent per answered request."""
    command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    cpu_before = cpu_seconds(server) if server is not None else 0.0
    figures = wrk_figures(subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout)
    if server is not None:
        figures["cpu_ms"] = 1000 * (cpu_seconds(server) - cpu_before) / max(figures["requests"], 1)
    return figures


@contextlib.contextmanager
def serving(command: list[str], port: int, *, env: dict[str, str] | None = None, cwd: str | Path | None = None,
            probe: str = "/") -> Iterator[subprocess.Popen[bytes]]:
    """Start a server, wait until `probe` on its port gets any HTTP answer, and stop it (SIGINT, as
    Ctrl-C would) when done."""
    import httpx2 as httpx

    server = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"{command[0]} stopped with exit status {server.returncode}")
            try:
                httpx.get(f"http://127.0.0.1:{port}{probe}")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command[0]} did not answer within two minutes") from None
                time.sleep(0.05)
        yield server
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


@contextlib.contextmanager
def bare_app(folder: str | Path, app_source: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A one-route Starlette app (`app_source`, a module defining `app`) under the uvicorn settings of
    `events-app serve`, access log included, so that only the endpoint differs; yields its port and
    process."""
    (Path(folder) / "bare_app.py").write_text(app_source)
    port = free_port()
    with serving([str(BIN / "uvicorn"), "bare_app:app", "--port", str(port), "--proxy-headers"], port,
                 cwd=folder) as server:
        yield port, server
