"""`make bench`: run every `tests/bench_*.py` one after another and print one table of their results.

Each benchmark prints, besides its own lines for people, one `BENCH {json}` line per path it
measured (`tests/bench_support.py`). This runner runs the scripts with the arguments below (sized
so that the whole run takes at most ten minutes on a 2-CPU machine), gathers those lines into one
table — the figure, bare Starlette in the same run, their ratio, p50, p99, errors and the script's
wall time — and prints the scripts' other lines under it. A request rate with no bare figure of its
own is set beside one bare Starlette run measured once here with the door benchmark's helpers.
PostgreSQL variants run when EVENTS_TEST_POSTGRES_URL names a server (each run gets its own
scratch database there).

    .venv/bin/python tests/run_benchmarks.py [NAME ...]   # e.g. redeem feeds
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench_support import Result, bare_app, run_wrk, scratch_postgres

TESTS = Path(__file__).resolve().parent
POSTGRES = os.environ.get("EVENTS_TEST_POSTGRES_URL", "")
BUDGET_SECONDS = 600
BARE_SECONDS = 10
# A script that hangs (a server blocked on a pipe nobody reads, say) is stopped after this long.
SCRIPT_TIMEOUT_SECONDS = 420

# How each script runs: (label, arguments) per run. A script not listed runs once with its defaults.
# SCRATCH in the arguments stands for the URL of a fresh database bench_NAME on the PostgreSQL
# server, made for that run and dropped after it (for scripts that replace a given database's tables).
SCRATCH = "<scratch database>"
# The door benchmark prepares 300 delegates, not its 2,000: registering them cost more time than
# the measurement (about 2 minutes on SQLite, 4 on PostgreSQL), and scans pick tickets at random anyway.
REDEEM = ["--delegates", "300"]
VARIANTS: dict[str, list[tuple[str, list[str]]]] = {
    "bench_redeem.py": [("", REDEEM)] + ([
        ("postgres", [*REDEEM, "--database", "postgres"]),
        ("postgres, 2 workers", [*REDEEM, "--database", "postgres", "--workers", "2"]),
    ] if POSTGRES else []),
    # Goal 1's PostgreSQL figure is for two processes; the script makes its own scratch databases.
    "bench_registration.py": [("", [])] + ([("postgres, 2 workers", ["--postgres", POSTGRES, "--workers", "2",
                                                                      "--paths", "bare,json"])] if POSTGRES else []),
    "bench_reminders.py": [("", [])] + ([("postgres", ["--postgres", SCRATCH])] if POSTGRES else []),
    # Mixed load is a PostgreSQL benchmark: without a server it is listed as skipped.
    "bench_mixed.py": [("", ["--delegates", "200"])] if POSTGRES else [],
}

# A bare Starlette JSON endpoint answering a small POST, driven like the door benchmark's own.
BARE_REQUEST = '''
wrk.path = "/api/v1/checkin/redeem"
wrk.method = "POST"
wrk.body = '{"nonce":"bare-baseline"}'
wrk.headers["Content-Type"] = "application/json"
'''


@dataclass
class Run:
    name: str
    seconds: float = 0.0
    exit_code: int = 0
    results: list[Result] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the script's lines for people, shown under the table
    skipped: str = ""
    timed_out: bool = False

    @property
    def status(self) -> str:
        """The time cell: wall time, and how the script ended if not well."""
        ending = ", timed out" if self.timed_out else f", exit {self.exit_code}" if self.exit_code else ""
        return f"{self.seconds:.0f} s{ending}"


def _run_script(script: Path, label: str, arguments: list[str]) -> Run:
    run = Run(script.stem.removeprefix("bench_") + (f" ({label})" if label else ""))
    print(f"running {run.name} ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        if SCRATCH in arguments:
            database = stack.enter_context(scratch_postgres(POSTGRES, script.stem))
            arguments = [database if argument == SCRATCH else argument for argument in arguments]
        # In a session of its own, so that the servers it starts can be stopped with it.
        process = subprocess.Popen([sys.executable, str(script), *arguments], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            stdout, stderr = process.communicate(timeout=SCRIPT_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            run.timed_out = True
            os.killpg(process.pid, signal.SIGINT)  # the script's clean-up runs: servers stopped, databases dropped
            try:
                stdout, stderr = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                stdout, stderr = process.communicate()
    run.seconds, run.exit_code = time.monotonic() - started, process.returncode
    for line in stdout.splitlines():
        result = Result.from_line(line)
        if result is not None:
            run.results.append(result)
        elif line.strip() and not line.lower().startswith(("preparing", "warming", "loading")):
            run.lines.append(line.rstrip())
    if process.returncode != 0:
        run.lines += [line.rstrip() for line in stderr.splitlines() if line.strip()][-5:]
    print(f"  {run.status}", file=sys.stderr, flush=True)
    return run


def bare_starlette(connections: int = 32, seconds: int = BARE_SECONDS) -> Result:
    """One bare Starlette run, measured as the door benchmark measures its own (its app, its wrk driver)."""
    import bench_redeem

    print(f"running bare Starlette, {connections} connections for {seconds} s ...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as folder:
        request = Path(folder) / "request.lua"
        request.write_text(BARE_REQUEST)
        with bare_app(folder, bench_redeem.BARE_APP) as (port, bare):
            figures = run_wrk(f"http://127.0.0.1:{port}", connections=connections, seconds=seconds, script=request,
                              server=bare.pid)
    return Result(f"bare Starlette JSON POST, {connections} connections", "req/s", figures["rps"],
                  p50_ms=figures["p50"], p99_ms=figures["p99"], errors=int(figures["errors"]),
                  note="the ceiling beside request rates that measured no bare figure of their own")


def _ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.3f}"


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def table(runs: list[Run]) -> list[str]:
    """The aligned table: one row per result, the script's name and wall time on its first row."""
    header = ["bench", "path", "figure", "unit", "bare", "ratio", "p50 ms", "p99 ms", "errors", "time", "note"]
    rows: list[list[str]] = []
    for run in runs:
        time_cell = run.status
        results = run.results or [None]
        for n, result in enumerate(results):
            first = [run.name, time_cell] if n == 0 else ["", ""]
            if result is None:
                why = run.skipped or "no BENCH line: its output is below"
                rows.append([first[0], "—", "—", "", "—", "—", "—", "—", "—", "" if run.skipped else first[1], why])
                continue
            rows.append([first[0], result.path, _number(result.value), result.unit, _number(result.bare),
                         _ratio(result.ratio), _number(result.p50_ms), _number(result.p99_ms),
                         "—" if result.errors is None else str(result.errors), first[1], result.note])
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    numeric = {2, 4, 5, 6, 7, 8, 9}

    def line(cells: list[str]) -> str:
        return "  ".join(cell.rjust(width) if column in numeric else cell.ljust(width)
                         for column, (cell, width) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [line(header), line(["-" * width for width in widths]), *(line(row) for row in rows)]


def main() -> int:
    wanted = sys.argv[1:]
    scripts = sorted(path for path in TESTS.glob("bench_*.py")
                     if path.name != "bench_support.py" and (not wanted or any(name in path.stem for name in wanted)))
    started = time.monotonic()
    runs: list[Run] = []
    baseline: Run | None = None
    for script in scripts:
        variants = VARIANTS.get(script.name, [("", [])])
        if not variants:
            runs.append(Run(script.stem.removeprefix("bench_"), skipped="skipped: needs EVENTS_TEST_POSTGRES_URL"))
        for label, arguments in variants:
            run = _run_script(script, label, arguments)
            runs.append(run)
            if any(result.http and result.bare is None for result in run.results):
                if baseline is None:
                    measured = time.monotonic()
                    baseline = Run("bare", results=[bare_starlette()])
                    baseline.seconds = time.monotonic() - measured
                bare = baseline.results[0].value
                run.results = [replace(result, bare=bare) if result.http and result.bare is None else result
                               for result in run.results]
    if baseline is not None:
        runs.append(baseline)
    total = time.monotonic() - started
    print("\n".join(table(runs)))
    over = f" — over the {BUDGET_SECONDS // 60}-minute budget" if total > BUDGET_SECONDS else ""
    print(f"\ntotal {total // 60:.0f} min {total % 60:.0f} s, {os.cpu_count()} CPUs{over}")
    for run in runs:
        if run.lines:
            print(f"\n{run.name}:")
            print("\n".join(f"  {line}" for line in run.lines))
    return 1 if any(run.exit_code or run.timed_out for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
