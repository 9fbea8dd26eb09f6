"""`make bench` gathers each benchmark's `BENCH {json}` lines into one aligned table."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from tests.bench_support import Result
from tests.conftest import ROOT


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # The scripts import their support module as the folder they run from sees it.
    monkeypatch.syspath_prepend(str(ROOT / "tests"))
    monkeypatch.delitem(sys.modules, "run_benchmarks", raising=False)
    import run_benchmarks

    return run_benchmarks


def test_result_line_round_trips_and_other_lines_are_not_results() -> None:
    result = Result("door scan, SQLite, 1 process, 32 connections", "req/s", 1234.5, bare=2469.0, p50_ms=20.25,
                    p99_ms=45.0, errors=0, note="CPU 0.61 ms per scan")

    line = result.line()

    assert line.startswith("BENCH {")
    assert '"ratio": 0.5' in line
    assert Result.from_line(line) == result
    assert Result.from_line("  redeem  1234 req/s") is None


def test_result_line_keeps_cyrillic_readable() -> None:
    assert "Вход" in Result("scan at «Вход 1»", "req/s", 1.0).line()


def test_table_aligns_columns_and_marks_missing_figures(runner: ModuleType) -> None:
    runs = [
        runner.Run("redeem", seconds=41.6, results=[
            Result("door scan, SQLite", "req/s", 1234.5, bare=2469.0, p50_ms=20.25, p99_ms=45.0, errors=0)]),
        runner.Run("feeds", seconds=12.2, results=[
            Result("calendar.ics, 304", "ms", 3.456, p50_ms=3.456),
            Result("calendar.ics, unchanged", "ms", 18.04, p50_ms=18.04, note="median of 20")]),
        runner.Run("mixed", skipped="skipped: needs EVENTS_TEST_POSTGRES_URL"),
        runner.Run("reminders", seconds=3.0, exit_code=1),
    ]

    lines = runner.table(runs)

    header, rule, redeem, feeds_304, feeds_200, mixed, reminders = lines
    assert header.split() == ["bench", "path", "figure", "unit", "bare", "ratio", "p50", "ms", "p99", "ms", "errors",
                              "time", "note"]
    # Right-aligned numbers end under their header, whatever their width.
    for row in (redeem, feeds_304, feeds_200):
        assert row.index("req/s" if row is redeem else "ms ") == header.index("unit")
    assert redeem.split()[3:13] == ["SQLite", "1,234", "req/s", "2,469", "0.50", "20.2", "45.0", "0", "42", "s"]
    assert feeds_304.split()[3:10] == ["3.46", "ms", "—", "—", "3.46", "—", "—"]
    assert feeds_200.rstrip().endswith("median of 20")
    assert feeds_200.startswith(" " * len("feeds "))  # the script's name and time on its first row only
    assert "12 s" in feeds_304 and "12 s" not in feeds_200
    assert mixed.split()[0] == "mixed" and mixed.endswith("skipped: needs EVENTS_TEST_POSTGRES_URL")
    assert "3 s, exit 1" in reminders and reminders.endswith("no BENCH line: its output is below")
    assert set(rule) == {"-", " "}


def test_a_hanging_benchmark_is_stopped_with_the_processes_it_started(runner: ModuleType, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "bench_hangs.py"
    script.write_text(
        "import subprocess, sys, time\n"
        "server = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print(server.pid, flush=True)\n"
        f"print({Result('first path', 'req/s', 10.0).line()!r}, flush=True)\n"
        "time.sleep(600)\n")
    monkeypatch.setattr(runner, "SCRIPT_TIMEOUT_SECONDS", 1)

    run = runner._run_script(script, "", [])

    assert run.timed_out
    assert run.results == [runner.Result("first path", "req/s", 10.0)]
    assert run.status.endswith(" s, timed out")
    server = Path(f"/proc/{run.lines[0]}/stat")
    deadline = time.monotonic() + 30
    while server.exists() and server.read_text().rsplit(")", 1)[1].split()[0] != "Z" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not server.exists() or server.read_text().rsplit(")", 1)[1].split()[0] == "Z"
