"""`make bench`: run every `tests/bench_*.py` one after another and print one table of their figures.

Each benchmark is a script that prints its own figures; this runner only runs them (with the
variants listed below), keeps the lines that carry figures and prints them under the script's
name, with the run's wall time and exit status. PostgreSQL variants run when
EVENTS_TEST_POSTGRES_URL names a scratch database (its tables are replaced).

    .venv/bin/python tests/run_benchmarks.py [NAME ...]   # e.g. redeem feeds
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
POSTGRES = os.environ.get("EVENTS_TEST_POSTGRES_URL", "")

# Extra runs of a script beyond its defaults: (label, arguments).
VARIANTS: dict[str, list[tuple[str, list[str]]]] = {
    "bench_redeem.py": [("", [])] + ([("postgres", ["--database", "postgres"]),
                                      ("postgres, 2 workers", ["--database", "postgres", "--workers", "2"])]
                                     if POSTGRES else []),
}


def _figures(output: str) -> list[str]:
    """The lines worth keeping: everything but progress notes."""
    return [line.rstrip() for line in output.splitlines()
            if line.strip() and not line.lower().startswith(("preparing", "warming", "loading"))]


def main() -> int:
    wanted = sys.argv[1:]
    scripts = sorted(path for path in TESTS.glob("bench_*.py")
                     if not wanted or any(name in path.stem for name in wanted))
    rows: list[tuple[str, str, list[str]]] = []
    failed = 0
    for script in scripts:
        for label, arguments in VARIANTS.get(script.name, [("", [])]):
            name = script.stem.removeprefix("bench_") + (f" ({label})" if label else "")
            print(f"running {name} ...", file=sys.stderr, flush=True)
            started = time.monotonic()
            done = subprocess.run([sys.executable, str(script), *arguments], capture_output=True, text=True)
            status = f"{time.monotonic() - started:.0f} s"
            if done.returncode != 0:
                status += f", exit {done.returncode}"
            failed += done.returncode != 0
            lines = _figures(done.stdout) or _figures(done.stderr)[-3:]
            rows.append((name, status, lines))
    width = max((len(name) for name, _, _ in rows), default=10) + 2
    print(f"{'benchmark':<{width}}{'time':<14}figures")
    for name, status, lines in rows:
        first, *rest = lines or ["(no output)"]
        print(f"{name:<{width}}{status:<14}{first}")
        for line in rest:
            print(f"{'':<{width + 14}}{line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
